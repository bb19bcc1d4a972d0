"""The vendors' published contracts, loaded once, and the checks every outbound request goes through.

Shopify: GraphQL documents are validated with graphql-core against Admin API's introspection, and their
variables are coerced against the declared input types. Stripe: the path and method must exist in the
OpenAPI file, and the form parameters must satisfy the operation's request-body schema
(openapi-schema-validator, OpenAPI 3.0 dialect). Folder layout: `shared/data/vendor/README.md`.
"""

from __future__ import annotations

import gzip
import json
import re
from functools import lru_cache
from pathlib import Path
from typing import Any

from graphql import (
    DirectiveLocation,
    GraphQLArgument,
    GraphQLDirective,
    GraphQLNonNull,
    GraphQLSchema,
    GraphQLString,
    OperationDefinitionNode,
    build_client_schema,
    parse,
    validate,
)
from graphql.error import GraphQLError
from graphql.execution.values import get_variable_values

# Shopify publishes no SDL for @idempotent (refundCreate from 2026-01); this is its documented usage.
IDEMPOTENT = GraphQLDirective("idempotent", locations=[DirectiveLocation.FIELD],
                              args={"key": GraphQLArgument(GraphQLNonNull(GraphQLString))})


@lru_cache(maxsize=4)
def shopify_schema(contracts_dir: Path, with_idempotent: bool = False) -> GraphQLSchema:
    path = contracts_dir / "shopify" / "admin_schema_2025-01.json.gz"
    with gzip.open(path) as fh:
        introspection = json.load(fh)["data"]
    # assume_valid: the upstream schema has two interface-deprecation inconsistencies (see SOURCE.txt).
    schema = build_client_schema(introspection, assume_valid=True)
    if with_idempotent:
        kwargs = schema.to_kwargs()
        kwargs["directives"] = (*schema.directives, IDEMPOTENT)
        schema = GraphQLSchema(**kwargs)
    return schema


def check_graphql(schema: GraphQLSchema, query: str, variables: dict[str, Any]) -> list[str]:
    """Every way the document or its variables break the schema; empty when the request is valid."""
    try:
        document = parse(query)
    except GraphQLError as exc:
        return [f"syntax: {exc.message}"]
    errors = [e.message for e in validate(schema, document)]
    if errors:
        return errors
    ops = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    coerced = get_variable_values(schema, ops[0].variable_definitions or (), variables)
    return [e.message for e in coerced] if isinstance(coerced, list) else []


@lru_cache(maxsize=4)
def stripe_spec(contracts_dir: Path) -> dict[str, Any]:
    return json.loads((contracts_dir / "stripe" / "openapi.spec3.trimmed.json").read_text())


def _template_regex(template: str) -> re.Pattern[str]:
    return re.compile("^" + re.sub(r"\{[^}]+\}", r"[^/]+", template) + "$")


def openapi_operation(spec: dict[str, Any], method: str, path: str) -> tuple[str, dict[str, Any]] | None:
    for template, item in spec["paths"].items():
        if _template_regex(template).match(path) and method.lower() in item:
            return template, item[method.lower()]
    return None


def check_openapi_form(spec: dict[str, Any], method: str, path: str, params: dict[str, Any] | None) -> list[str]:
    """The form parameters (before bracket encoding) against the operation's request-body schema."""
    from openapi_schema_validator import OAS30Validator
    from referencing import Registry, Resource
    from referencing.jsonschema import DRAFT4

    found = openapi_operation(spec, method, path)
    if found is None:
        return [f"{method} {path} is not an operation of the contract"]
    template, operation = found
    if method.upper() == "GET":
        return [] if not params else [f"{method} {path} sends a body"]
    content = operation.get("requestBody", {}).get("content", {})
    if "application/x-www-form-urlencoded" not in content:
        return [f"{method} {template} takes no form body"]
    pointer = "/paths/" + template.replace("~", "~0").replace("/", "~1") + f"/{method.lower()}/requestBody" \
              "/content/application~1x-www-form-urlencoded/schema"
    registry: Registry[Any] = Registry().with_resource(
        "contract", Resource.from_contents(spec, default_specification=DRAFT4))
    validator = OAS30Validator({"$ref": "contract#" + pointer.replace("{", "%7B").replace("}", "%7D")},
                               registry=registry)
    return [f"{'.'.join(str(p) for p in e.absolute_path) or 'body'}: {e.message}"
            for e in validator.iter_errors(params or {})]
