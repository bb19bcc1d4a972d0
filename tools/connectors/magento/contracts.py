"""Adobe Commerce's contract is its published admin REST schema (Swagger 2.0, 2.4.9, trimmed to the order
operations; shared/data/vendor/magento). A request must be an operation of the schema, its query parameters
ones the operation declares, and its body valid against the body parameter's schema (openapi-schema-validator,
resolving the schema's own `definitions`). The tests' server checks its answers against the response schemas."""

from __future__ import annotations

import json
import re
from functools import lru_cache
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from openapi_schema_validator import OAS30Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT4

from tools.connectors.contracts import openapi_operation
from tools.connectors.outbox import VendorRequest


@lru_cache(maxsize=2)
def magento_spec(contracts_dir: Path) -> dict[str, Any]:
    return json.loads((contracts_dir / "magento" / "admin-schema-2.4.9.trimmed.json").read_text())


def _closed(node: Any) -> Any:
    """Every object schema with declared properties refuses others: Magento's web API rejects a body field its
    interfaces do not declare ("Property ... does not have accessor method"), though the schema leaves it open."""
    if isinstance(node, dict):
        out = {k: _closed(v) for k, v in node.items()}
        if isinstance(out.get("properties"), dict) and "additionalProperties" not in out:
            out["additionalProperties"] = False
        return out
    if isinstance(node, list):
        return [_closed(v) for v in node]
    return node


@lru_cache(maxsize=2)
def request_spec(contracts_dir: Path) -> dict[str, Any]:
    spec = magento_spec(contracts_dir)
    return {**spec, "definitions": _closed(spec["definitions"])}


def validator(spec: dict[str, Any], schema: dict[str, Any]) -> OAS30Validator:
    """A validator for one schema of the spec, its `#/definitions/...` refs resolved inside the spec."""
    registry: Registry[Any] = Registry().with_resource("spec", Resource.from_contents(spec, default_specification=DRAFT4))
    rebased = json.loads(json.dumps(schema).replace('"#/definitions/', '"spec#/definitions/'))
    return OAS30Validator(rebased, registry=registry)


def errors_of(spec: dict[str, Any], schema: dict[str, Any], value: Any) -> list[str]:
    return [f"{'.'.join(str(p) for p in e.absolute_path) or 'body'}: {e.message}"
            for e in validator(spec, schema).iter_errors(value)]


def _query_declared(name: str, declared: set[str]) -> bool:
    # The schema declares searchCriteria filters with index 0; any index is the same parameter.
    return re.sub(r"\[\d+\]", "[0]", name) in declared


def check(contracts_dir: Path, request: VendorRequest, base: str) -> list[str]:
    spec = request_spec(contracts_dir)
    parts = urlsplit(request.url.removeprefix(base))
    found = openapi_operation(spec, request.method, parts.path)
    if found is None:
        return [f"{request.method} {parts.path} is not an operation of Adobe Commerce's admin REST schema"]
    template, operation = found
    params = operation.get("parameters", [])
    declared = {p["name"] for p in params if p.get("in") == "query"}
    errors = [f"query parameter {name} is not declared by {template}"
              for name, _ in parse_qsl(parts.query) if not _query_declared(name, declared)]
    body = next((p for p in params if p.get("in") == "body"), None)
    if body is None:
        return errors + ([] if request.body is None else [f"{request.method} {template} takes no body"])
    return errors + errors_of(spec, _closed(body["schema"]), request.body if request.body is not None else {})


def response_errors(contracts_dir: Path, method: str, path: str, status: int, body: Any) -> list[str]:
    """The answer against the operation's response schema (for the tests' contract server)."""
    spec = magento_spec(contracts_dir)
    found = openapi_operation(spec, method, urlsplit(path).path)
    if found is None:
        return [f"{method} {path} is not an operation"]
    schema = (found[1].get("responses", {}).get(str(status)) or {}).get("schema")
    return errors_of(spec, schema, body) if schema else []
