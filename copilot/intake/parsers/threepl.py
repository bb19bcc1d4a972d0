"""3PL exception rows, uploaded as CSV or JSON; each row becomes its own delivery and signal."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from copilot.core.models import Signal, SignalKind, SignalSource
from copilot.intake.parsers.base import BadPayload, Unparseable, clean, content_key, from_iso, load_json

# Column names 3PL portals export, mapped to ours.
COLUMN_ALIASES = {
    "order": ("order", "order_id", "order_ref", "order_number", "reference"),
    "sku": ("sku", "item", "item_sku"),
    "warehouse": ("warehouse", "warehouse_id", "facility", "site"),
    "exception_code": ("exception_code", "code", "exception", "reason_code"),
    "note": ("note", "notes", "comment", "description"),
    "event_id": ("event_id", "exception_id", "id"),
    "occurred_at": ("occurred_at", "timestamp", "created_at", "reported_at"),
}
MAX_ROWS = 5000


def frame_rows(content_type: str, body: bytes) -> tuple[str, list[dict[str, Any]]]:
    """Split an upload into rows without interpreting them; a body that is neither CSV nor JSON is refused."""
    text = _text(body)
    is_json = "json" in content_type or text.lstrip()[:1] in ("[", "{")
    rows = _json_rows(body) if is_json else _csv_rows(text)
    if not rows:
        raise BadPayload("the upload holds no rows")
    if len(rows) > MAX_ROWS:
        raise BadPayload(f"the upload holds {len(rows)} rows; send at most {MAX_ROWS} per request")
    return ("json" if is_json else "csv"), rows


def _text(body: bytes) -> str:
    try:
        return body.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise BadPayload("the upload is not UTF-8 text") from exc


def _json_rows(body: bytes) -> list[dict[str, Any]]:
    payload = load_json(body)
    if isinstance(payload, dict):
        payload = payload.get("rows", payload.get("exceptions"))
    if not isinstance(payload, list):
        raise BadPayload("JSON uploads are a list of rows or an object with `rows`")
    return [row if isinstance(row, dict) else {"_value": row} for row in payload]


def _csv_rows(text: str) -> list[dict[str, Any]]:
    try:
        reader = csv.DictReader(io.StringIO(text))
        if not reader.fieldnames or len(reader.fieldnames) < 2:
            raise BadPayload("CSV uploads need a header row naming at least order and exception_code")
        return [{k: v for k, v in row.items() if k is not None} for row in reader if any(row.values())]
    except csv.Error as exc:
        raise BadPayload(f"the CSV is malformed: {exc}") from exc


def row_body(row: dict[str, Any]) -> bytes:
    return json.dumps(row, sort_keys=True, default=str).encode()


def parse_threepl(headers: Mapping[str, str], body: bytes, received_at: datetime) -> Signal:
    row = load_json(body)
    if not isinstance(row, dict):
        raise Unparseable("a 3PL row must be an object of columns")
    norm = {k.strip().lower().replace(" ", "_"): v for k, v in row.items() if isinstance(k, str)}
    values = {ours: next((clean(norm[a]) for a in aliases if clean(norm.get(a))), None)
              for ours, aliases in COLUMN_ALIASES.items()}
    missing = [c for c in ("order", "exception_code") if values[c] is None]
    if missing:
        raise Unparseable(f"3PL row lacks {', '.join(missing)}")
    order, code = values["order"], values["exception_code"]
    assert order is not None and code is not None  # checked just above
    if order and order.isdigit():
        order = f"#{order}"
    event_id = values["event_id"] or content_key("threepl", order, values["sku"], values["warehouse"],
                                                 values["exception_code"], values["note"], values["occurred_at"])
    return Signal(source=SignalSource.threepl, source_event_id=event_id, kind=SignalKind.threepl_exception,
                  occurred_at=from_iso(values["occurred_at"]) or received_at, order_id=order,
                  sku=values["sku"], warehouse_id=values["warehouse"],
                  exception_code=code.lower(), note=values["note"])
