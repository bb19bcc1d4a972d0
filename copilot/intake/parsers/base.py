"""What every vendor parser shares: its failure types and the small conversions vendors need."""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import Any, Protocol

from copilot.core.errors import CopilotError, InvalidInput
from copilot.core.models import Signal
from copilot.intake.limits import MAX_JSON_DEPTH, ShapeError, check_shape


class BadPayload(InvalidInput):
    """The body is not the format the endpoint speaks (malformed JSON, not CSV): the sender must fix it."""

    code = "bad_payload"
    http_status = 400


class UnsupportedEvent(InvalidInput):
    """A well-formed event of a topic or type we do not handle."""

    code = "unsupported_event"
    http_status = 422


class Unparseable(CopilotError):
    """An authentic payload of a supported kind that we could not normalize: it becomes a dead letter."""

    code = "unparseable"
    http_status = 202


class Parser(Protocol):
    def __call__(self, headers: Mapping[str, str], body: bytes, received_at: datetime) -> Signal: ...


def load_json(body: bytes) -> Any:
    """The body's JSON; one nested deeper than MAX_JSON_DEPTH or wider than MAX_JSON_KEYS is refused."""
    try:
        value = json.loads(body)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise BadPayload(f"body is not valid JSON: {exc}") from exc
    except RecursionError as exc:
        raise BadPayload(f"JSON nested deeper than {MAX_JSON_DEPTH} levels") from exc
    try:
        check_shape(value)
    except ShapeError as exc:
        raise BadPayload(str(exc)) from exc
    return value


def require_object(value: Any, what: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise Unparseable(f"{what} is not a JSON object")
    return value


def object_at(parent: Mapping[str, Any], key: str) -> dict[str, Any]:
    """`parent[key]` when it is a JSON object, else an empty one: vendors omit or null optional parts."""
    value = parent.get(key)
    return value if isinstance(value, dict) else {}


def list_at(parent: Mapping[str, Any], key: str) -> list[Any]:
    value = parent.get(key)
    return value if isinstance(value, list) else []


def from_unix(value: Any) -> datetime | None:
    if value is None:
        return None
    try:
        return datetime.fromtimestamp(int(value), tz=UTC)
    except (TypeError, ValueError, OverflowError) as exc:
        raise Unparseable(f"bad unix timestamp {value!r}") from exc


def from_iso(value: Any) -> datetime | None:
    if value in (None, ""):
        return None
    try:
        parsed = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError as exc:
        raise Unparseable(f"bad timestamp {value!r}") from exc
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


# Stripe amounts are in the currency's minor unit; these currencies have none.
_ZERO_DECIMAL = {"bif", "clp", "djf", "gnf", "jpy", "kmf", "krw", "mga", "pyg", "rwf", "ugx", "vnd", "vuv",
                 "xaf", "xof", "xpf"}


def minor_to_decimal(amount: Any, currency: str | None) -> Decimal | None:
    if amount is None:
        return None
    if not isinstance(amount, int):
        raise Unparseable(f"amount {amount!r} is not an integer of minor units")
    exponent = 0 if (currency or "").lower() in _ZERO_DECIMAL else 2
    return Decimal(amount).scaleb(-exponent)


def to_decimal(value: Any) -> Decimal | None:
    if value in (None, ""):
        return None
    try:
        return Decimal(str(value))
    except InvalidOperation as exc:
        raise Unparseable(f"bad amount {value!r}") from exc


_ORDER_IN_TEXT = re.compile(r"(?:order\s*(?:no\.?|number)?\s*:?\s*#?\s*|#)(W\d{7}|\d{3,10})\b", re.IGNORECASE)


def order_ref_in(text: str | None) -> str | None:
    """An order reference in a short machine-written text (a PSP description), in the sandbox's '#1001' form."""
    if not text:
        return None
    match = _ORDER_IN_TEXT.search(text)
    if not match:
        return None
    ref = match.group(1)
    return ref if ref.upper().startswith("W") else f"#{ref}"


def content_key(*parts: object) -> str:
    """A stable event id for senders that give none, so an identical redelivery dedupes."""
    digest = hashlib.sha256("\x1f".join("" if p is None else str(p) for p in parts).encode()).hexdigest()
    return f"sha256:{digest[:32]}"


def clean(value: Any) -> str | None:
    if value is None:
        return None
    text = str(value).strip()
    return text or None


_TAG = re.compile(r"<[^>]+>")


def strip_html(html: str | None) -> str | None:
    if not html:
        return None
    return clean(re.sub(r"\s+", " ", _TAG.sub(" ", html)))
