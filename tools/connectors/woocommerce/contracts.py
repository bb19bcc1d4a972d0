"""WooCommerce's contract is its REST v3 docs (shared/data/vendor/woocommerce/docs/wp-api-v3): each endpoint
the docs declare, and each resource's property table turned into a JSON Schema. A request body may only use
writable properties of the right type (an `Options:` list becomes an enum); read-only ones are refused."""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path
from typing import Any

from jsonschema import Draft7Validator

from tools.connectors.outbox import VendorRequest

DOCS = ("_orders.md", "_order-notes.md", "_order-refunds.md")
HEADING = re.compile(r"^#{2,3} (.+?) properties #{2,3}$")
ROW = re.compile(r"^\| `([a-z_0-9]+)`\s*\|\s*([a-z-]+)\s*\|(.*)\|\s*$")
LINK = re.compile(r"See \[[^\]]+\]\(#([a-z0-9-]+)\)")
OPTIONS = re.compile(r"Options: (.+?)(?:\. Default|\.\s*<|\.?\s*$)")
ENDPOINT = re.compile(r'label-(get|post|put|delete)">\w+</i>\s*<h6>([^<]+)</h6>', re.S)
TYPES = {"string": "string", "integer": "integer", "boolean": "boolean", "number": "number", "date-time": "string",
         "array": "array", "object": "object"}
API_ROOT = "/wp-json/wc/v3"


def _anchor(title: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", f"{title} properties".lower()).strip("-")


def _tables(text: str) -> dict[str, list[tuple[str, str, str]]]:
    """anchor -> rows (attribute, type, description) of every '<Title> properties' table."""
    out: dict[str, list[tuple[str, str, str]]] = {}
    current: list[tuple[str, str, str]] | None = None
    for line in text.splitlines():
        heading = HEADING.match(line.strip())
        if heading:
            current = out.setdefault(_anchor(heading.group(1)), [])
        elif current is not None and (row := ROW.match(line)):
            current.append((row.group(1), row.group(2), row.group(3)))
        elif line.startswith("## "):
            current = None
    return out


def _schema(tables: dict[str, list[tuple[str, str, str]]], anchor: str) -> dict[str, Any]:
    """The writable part of one table as a JSON Schema object (nested tables followed through their links)."""
    props: dict[str, Any] = {}
    required = []
    for name, kind, description in tables[anchor]:
        if "read-only" in description:
            continue
        prop: dict[str, Any] = {"type": TYPES[kind]}
        link = LINK.search(description)
        nested = _schema(tables, link.group(1)) if link and link.group(1) in tables else None
        if kind == "array":
            prop["items"] = nested or {}
        elif kind == "object" and nested:
            prop = nested
        options = OPTIONS.search(description)
        if options and kind == "string":
            prop["enum"] = re.findall(r"`([^`]+)`", options.group(1))
        if "mandatory" in description:
            required.append(name)
        props[name] = prop
    return {"type": "object", "properties": props, "additionalProperties": False, "required": required}


# Which table a body of each endpoint must satisfy.
BODIES = {("PUT", "/orders/<id>"): "order-properties", ("POST", "/orders/<id>/notes"): "order-note-properties",
          ("POST", "/orders/<id>/refunds"): "order-refund-properties"}


@lru_cache(maxsize=2)
def contract(contracts_dir: Path) -> tuple[frozenset[tuple[str, str]], dict[str, dict[str, Any]]]:
    """(every (method, path template) the docs declare, {table anchor: JSON Schema})."""
    tables: dict[str, list[tuple[str, str, str]]] = {}
    endpoints: set[tuple[str, str]] = set()
    for name in DOCS:
        text = (contracts_dir / "woocommerce" / "docs" / "wp-api-v3" / name).read_text()
        tables.update(_tables(text))
        for method, path in ENDPOINT.findall(text):
            path = path.replace("&lt;", "<").replace("&gt;", ">").removeprefix(API_ROOT)
            endpoints.add((method.upper(), re.sub(r"<[a-z_]+>", "<id>", path)))
    schemas = {anchor: _schema(tables, anchor) for _, anchor in BODIES.items()}
    return frozenset(endpoints), schemas


def template_of(path: str) -> str:
    return re.sub(r"/\d+", "/<id>", path.split("?")[0])


def check(contracts_dir: Path, request: VendorRequest, base: str) -> list[str]:
    endpoints, schemas = contract(contracts_dir)
    path = request.url.removeprefix(base)
    if not path.startswith(API_ROOT):
        return [f"{request.url} is not under {API_ROOT}"]
    template = template_of(path.removeprefix(API_ROOT))
    if (request.method, template) not in endpoints:
        return [f"{request.method} {template} is not an endpoint of WooCommerce's REST v3 docs"]
    anchor = BODIES.get((request.method, template))
    if anchor is None:
        return [] if request.body is None else [f"{request.method} {template} takes no body"]
    validator = Draft7Validator(schemas[anchor])
    return [f"{'.'.join(str(p) for p in e.absolute_path) or 'body'}: {e.message}"
            for e in validator.iter_errors(request.body or {})]
