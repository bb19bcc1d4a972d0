"""Property-based fuzzing of every intake parser: whatever bytes and headers arrive, intake's parse step
either returns a Signal or raises its own clear error (InvalidInput -> 4xx, Unparseable -> dead letter);
never a KeyError, TypeError, AttributeError or any other crash that would become a 500."""

from __future__ import annotations

import json
import os
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from copilot.core.errors import InvalidInput
from copilot.core.models import Signal
from copilot.intake.ingest import parse_raw
from copilot.intake.parsers import PARSERS, Unparseable

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "payloads"
NOW = datetime(2025, 1, 6, 15, 0, tzinfo=UTC)
SOURCES = sorted(PARSERS)
HEADER_VALUES = {
    "x-shopify-topic": ["orders/create", "orders/updated", "orders/cancelled", "fulfillments/update",
                        "refunds/create", "customers/create", ""],
    "x-shopify-webhook-id": ["wh-1", ""],
    "content-type": ["application/json", "text/csv", "message/rfc822", "application/x-copilot-signal"],
    "x-threepl-format": ["csv", "json"],
    "x-wc-webhook-topic": ["order.created", "order.updated", "order.deleted", ""],
}
JSON_LEAF = st.one_of(st.none(), st.booleans(), st.integers(min_value=-2**70, max_value=2**70),
                      st.floats(allow_nan=False), st.text(max_size=40),
                      st.sampled_from(["", "#1001", "W1234567", "2025-01-06T15:00:00Z", "not a date", "usd",
                                       "pi_1", "ch_1", "12.5", "-1", "9" * 30, "a@b.c", "<b>x</b>"]))
JSON_VALUE = st.recursive(JSON_LEAF, lambda inner: st.one_of(
    st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=12), inner, max_size=5)), max_leaves=20)


def _seed_payloads() -> dict[str, list[bytes]]:
    by_source: dict[str, list[bytes]] = {s: [] for s in SOURCES}
    folder = {"shopify": "shopify", "stripe": "stripe", "easypost": "easypost", "zendesk": "helpdesk",
              "gorgias": "helpdesk", "freshdesk": "helpdesk", "threepl": "threepl", "email": "email",
              "woocommerce": "woocommerce", "magento": "magento"}
    for source in SOURCES:
        for path in sorted((FIXTURES / folder[source]).glob("*")):
            if source in ("zendesk", "gorgias", "freshdesk") and not path.name.startswith(source):
                continue
            by_source[source].append(path.read_bytes())
    return by_source


SEEDS = _seed_payloads()


def _headers() -> st.SearchStrategy[dict[str, str]]:
    return st.fixed_dictionaries({}, optional={k: st.one_of(st.sampled_from(v), st.text(max_size=20))
                                               for k, v in HEADER_VALUES.items()})


def check(source: str, headers: dict[str, str], body: bytes) -> None:
    try:
        signal = parse_raw(source, headers, body, NOW)
    except (InvalidInput, Unparseable) as exc:
        assert exc.message.strip(), "an intake error must say what was wrong"
        assert 400 <= exc.http_status < 500 or isinstance(exc, Unparseable)
        return
    assert isinstance(signal, Signal)
    assert signal.source_event_id


def _mutate(data: st.DataObject, value: object, depth: int = 0) -> object:
    """Replace, drop or retype one randomly chosen spot of a real payload."""
    if isinstance(value, dict) and value and depth < 6 and data.draw(st.booleans()):
        key = data.draw(st.sampled_from(sorted(value)))
        action = data.draw(st.sampled_from(["descend", "drop", "replace"]))
        copy = dict(value)
        if action == "drop":
            del copy[key]
        elif action == "replace":
            copy[key] = data.draw(JSON_VALUE)
        else:
            copy[key] = _mutate(data, value[key], depth + 1)
        return copy
    if isinstance(value, list) and value and depth < 6 and data.draw(st.booleans()):
        index = data.draw(st.integers(0, len(value) - 1))
        return [*value[:index], _mutate(data, value[index], depth + 1), *value[index + 1:]]
    return data.draw(JSON_VALUE)


FUZZ = settings(max_examples=int(os.environ.get("FUZZ_EXAMPLES", "150")), deadline=None, suppress_health_check=[HealthCheck.too_slow])


@pytest.mark.parametrize("source", SOURCES)
@FUZZ
@given(headers=_headers(), body=st.binary(max_size=400))
def test_arbitrary_bytes_never_crash_a_parser(source, headers, body):
    check(source, headers, body)


@pytest.mark.parametrize("source", SOURCES)
@FUZZ
@given(headers=_headers(), value=JSON_VALUE)
def test_arbitrary_json_never_crashes_a_parser(source, headers, value):
    check(source, headers, json.dumps(value).encode())


@pytest.mark.parametrize("source", [s for s in SOURCES if s != "email"])
@FUZZ
@given(data=st.data())
def test_real_payloads_with_one_field_broken_never_crash_a_parser(source, data):
    seed = json.loads(data.draw(st.sampled_from(SEEDS[source]))) if source != "threepl" else None
    if seed is None:
        seed = data.draw(st.sampled_from([{"order": "#1001", "sku": "SKU-1", "warehouse": "WH-EAST",
                                            "exception_code": "short_pick", "note": "bin empty"}]))
    headers = data.draw(_headers())
    check(source, headers, json.dumps(_mutate(data, seed)).encode())


@FUZZ
@given(data=st.data())
def test_real_emails_with_broken_headers_or_bodies_never_crash(data):
    raw = data.draw(st.sampled_from(SEEDS["email"]))
    lines = raw.split(b"\n")
    index = data.draw(st.integers(0, len(lines) - 1))
    lines[index] = data.draw(st.binary(max_size=80))
    check("email", {"content-type": "message/rfc822"}, b"\n".join(lines))


def test_the_seed_payloads_parse_so_the_mutations_start_from_real_signals():
    """Every unmutated fixture is a Signal (or an explicitly unsupported event), so the fuzzing above starts
    from payloads the parsers really understand."""
    parsed = 0
    headers = {"shopify": {"x-shopify-topic": "orders/updated", "x-shopify-webhook-id": "wh-1"}}
    for source, bodies in SEEDS.items():
        for body in bodies:
            if source == "threepl":
                continue
            try:
                parse_raw(source, headers.get(source, {}), body, NOW)
                parsed += 1
            except InvalidInput:
                pass
    assert parsed >= 15


def _with(rel: str, path: tuple[str, ...], value: object) -> bytes:
    body = json.loads((FIXTURES / rel).read_text())
    node = body
    for key in path[:-1]:
        node = node[key]
    node[path[-1]] = value
    return json.dumps(body).encode()


@pytest.mark.parametrize(("source", "headers", "body"), [
    ("stripe", {}, _with("stripe/charge.dispute.closed.json", ("data",), True)),
    ("shopify", {"x-shopify-topic": "fulfillments/update"}, _with("shopify/fulfillments_update.json", ("name",), True)),
    ("shopify", {"x-shopify-topic": "fulfillments/update"},
     _with("shopify/fulfillments_update.json", ("tracking_numbers",), 7)),
    ("shopify", {"x-shopify-topic": "orders/updated"}, _with("shopify/orders_updated_risky.json", ("risks",), True)),
    ("easypost", {}, _with("easypost/tracker.updated.json", ("result", "tracking_details"), True)),
    ("gorgias", {}, _with("helpdesk/gorgias_ticket.json", ("ticket", "messages"), 5)),
], ids=["stripe-data-bool", "shopify-name-bool", "shopify-tracking-int", "shopify-risks-bool",
        "easypost-details-bool", "gorgias-messages-int"])
def test_the_crashes_this_fuzzing_found_stay_fixed(source, headers, body):
    """Each of these raised TypeError/AttributeError (a 500 at the webhook) before the parsers were fixed."""
    check(source, headers, body)
