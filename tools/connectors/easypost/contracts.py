"""EasyPost's contract is its recorded exchanges (shared/data/vendor/easypost/cassettes): a request must be
an operation they record, and its body may only use keys the recorded requests of that operation use."""

from __future__ import annotations

import json
import re
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from tools.connectors.outbox import VendorRequest

ID = re.compile(r"/(adr|shp|trk|rate)_[0-9a-f]+")


def operation_of(method: str, path: str) -> str:
    return f"{method} {ID.sub(lambda m: '/{' + m.group(1) + '}', path)}"


def _keys(value: Any, prefix: str = "") -> set[str]:
    if isinstance(value, dict):
        out: set[str] = set()
        for k, v in value.items():
            out |= {f"{prefix}{k}"} | _keys(v, f"{prefix}{k}.")
        return out
    if isinstance(value, list):
        return set().union(*(_keys(v, prefix) for v in value)) if value else set()
    return set()


@lru_cache(maxsize=2)
def recorded(contracts_dir: Path) -> dict[str, dict[str, Any]]:
    """operation -> {"keys": every body key the recordings use, "responses": [(status, body), ...]}."""
    ops: dict[str, dict[str, Any]] = {}
    for cassette in sorted((contracts_dir / "easypost" / "cassettes").glob("*.yaml")):
        for exchange in yaml.safe_load(cassette.read_text())["interactions"]:
            req, resp = exchange["request"], exchange["response"]
            path = req["uri"].removeprefix("https://api.easypost.com")
            op = ops.setdefault(operation_of(req["method"], path), {"keys": set(), "responses": []})
            if req.get("body"):
                op["keys"] |= _keys(json.loads(req["body"]))
            op["responses"].append((resp["status"]["code"], json.loads(resp["body"]["string"])))
    return ops


def check(contracts_dir: Path, request: VendorRequest, base: str) -> list[str]:
    op = operation_of(request.method, request.url.removeprefix(base))
    known = recorded(contracts_dir).get(op)
    if known is None:
        return [f"{op} is not an operation EasyPost's recordings show"]
    unknown = sorted(_keys(request.body or {}) - known["keys"])
    return [f"{op}: body keys never seen in EasyPost's recordings: {', '.join(unknown)}"] if unknown else []
