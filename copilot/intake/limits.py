"""What intake accepts at most, and the characters it keeps out of what people and Postgres read.

A JSON document nested 100,000 levels deep made the parser raise RecursionError (a 500, then a raw row the
reconciler failed on forever); a NUL character inside a string cannot be stored in Postgres text or jsonb,
so a signal carrying one could never be stored or replayed.
"""

from __future__ import annotations

import re
from typing import Any

MAX_JSON_DEPTH = 64
MAX_JSON_KEYS = 20_000

# C0 controls but tab, newline and carriage return; DEL and the C1 controls. NUL is among them.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


class ShapeError(ValueError):
    """The document is deeper or wider than intake accepts."""


def check_shape(value: Any, max_depth: int = MAX_JSON_DEPTH, max_keys: int = MAX_JSON_KEYS) -> None:
    """Raise ShapeError when `value` nests deeper than `max_depth` or holds more than `max_keys` keys
    and items in all; walked with a stack, so the check itself cannot recurse too deep."""
    stack: list[tuple[Any, int]] = [(value, 1)]
    seen = 0
    while stack:
        node, depth = stack.pop()
        if isinstance(node, dict):
            children: Any = node.values()
        elif isinstance(node, list):
            children = node
        else:
            continue
        if depth > max_depth:
            raise ShapeError(f"JSON nested deeper than {max_depth} levels")
        seen += len(node)
        if seen > max_keys:
            raise ShapeError(f"JSON holds more than {max_keys} keys and items")
        stack.extend((child, depth + 1) for child in children)


def clean_text(text: str) -> str:
    """The text without control characters (NUL included); tabs and line breaks stay."""
    return _CONTROL.sub("", text) if _CONTROL.search(text) else text


def clean_value(value: Any) -> Any:
    """Every string (keys included) of a JSON-like value cleaned with `clean_text`."""
    if isinstance(value, str):
        return clean_text(value)
    if isinstance(value, dict):
        return {clean_text(str(k)): clean_value(v) for k, v in value.items()}
    if isinstance(value, list):
        return [clean_value(v) for v in value]
    return value
