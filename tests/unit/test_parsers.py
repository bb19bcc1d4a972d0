"""Vendor parsers turn real payload formats into the right Signal, and refuse what they cannot read clearly."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pytest

from copilot.core.models import SignalKind
from copilot.intake.parsers import PARSERS, BadPayload, Unparseable, UnsupportedEvent
from copilot.intake.parsers.threepl import frame_rows, row_body
from copilot.intake.samples import scan_folder
from tests.conftest import PAYLOADS_DIR

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "payloads"
RECEIVED = datetime(2025, 1, 5, 12, 0, tzinfo=UTC)


def parse(source: str, rel: str, **headers: str):
    return PARSERS[source](headers, (FIXTURES / rel).read_bytes(), RECEIVED)


def test_stripe_dispute_created_carries_due_date_reason_and_order():
    s = parse("stripe", "stripe/charge.dispute.created.json")
    assert (s.kind, s.source_event_id, s.dispute_id) == (SignalKind.dispute_opened, "evt_1QdisputeCreated0001",
                                                         "dp_1JAyTwJSZQVUcJYgPqasUEn1")
    assert s.due_by == datetime.fromtimestamp(1626566399, UTC)
    assert (s.dispute_reason, s.amount, s.order_id, s.customer_email) == ("fraudulent", Decimal("10.00"), "#1001",
                                                                          "test1@user.com")


def test_stripe_payment_failures_read_the_decline_code_where_stripe_puts_it():
    pi = parse("stripe", "stripe/payment_intent.payment_failed.json")
    assert (pi.kind, pi.decline_code, pi.order_id, pi.amount) == (SignalKind.payment_failed, "insufficient_funds",
                                                                  "#1002", Decimal("10.99"))
    charge = parse("stripe", "stripe/charge.failed.json")
    # The charge names no order in metadata: the reference comes from its description.
    assert (charge.decline_code, charge.order_id, charge.payment_id) == ("do_not_honor", "#1003",
                                                                         "pi_fakefakefakefakefake0001")


@pytest.mark.parametrize(("rel", "kind"), [
    ("stripe/charge.dispute.closed.json", SignalKind.dispute_closed),
    ("stripe/charge.refunded.json", SignalKind.refund_issued),
    ("stripe/radar.early_fraud_warning.created.json", SignalKind.fraud_warning),
    ("stripe/review.opened.json", SignalKind.payment_review),
])
def test_stripe_event_types_map_to_kinds(rel, kind):
    assert parse("stripe", rel).kind is kind


def test_stripe_refund_amount_is_the_refunded_amount():
    s = parse("stripe", "stripe/charge.refunded.json")
    assert (s.amount, s.order_id) == (Decimal("20.00"), "#1004")


def test_unknown_stripe_event_type_is_refused_with_the_supported_list():
    with pytest.raises(UnsupportedEvent, match="customer.created.*supported: payment_intent.payment_failed"):
        parse("stripe", "stripe/customer.created.json")


def test_shopify_order_topics_and_risk_on_the_order():
    created = parse("shopify", "shopify/orders_create.json", **{"x-shopify-topic": "orders/create",
                                                                "x-shopify-webhook-id": "wh-1"})
    assert (created.kind, created.order_id, created.amount, created.customer_name) == (
        SignalKind.order_created, "#1001", Decimal("409.94"), "Bob Norman")
    risky = parse("shopify", "shopify/orders_updated_risky.json", **{"x-shopify-topic": "orders/updated",
                                                                     "x-shopify-webhook-id": "wh-2"})
    assert (risky.kind, risky.risk_recommendation, risky.risk_level) == (SignalKind.order_risk, "cancel", "high")
    cancelled = parse("shopify", "shopify/orders_cancelled.json", **{"x-shopify-topic": "orders/cancelled",
                                                                     "x-shopify-webhook-id": "wh-3"})
    assert (cancelled.kind, cancelled.note) == (SignalKind.order_cancelled, "customer")


def test_shopify_fulfillment_names_its_order_and_tracking():
    s = parse("shopify", "shopify/fulfillments_update.json", **{"x-shopify-topic": "fulfillments/update",
                                                                "x-shopify-webhook-id": "wh-4"})
    assert (s.kind, s.order_id, s.tracking_number, s.tracking_status) == (
        SignalKind.fulfillment_update, "#1001", "1Z2345", "failure")


def test_shopify_without_a_topic_or_with_an_unknown_one_is_refused():
    with pytest.raises(UnsupportedEvent, match="X-Shopify-Topic header is missing"):
        parse("shopify", "shopify/orders_create.json")
    with pytest.raises(UnsupportedEvent, match="'carts/create' is not handled"):
        parse("shopify", "shopify/orders_create.json", **{"x-shopify-topic": "carts/create"})


def test_easypost_tracker_events_keep_status_detail_and_order_reference():
    s = parse("easypost", "easypost/tracker.updated_return_to_sender.json")
    assert (s.kind, s.tracking_status, s.status_detail, s.order_id, s.carrier) == (
        SignalKind.tracking_update, "return_to_sender", "address_not_found", "#1008", "FedEx")
    assert s.text == "Returned to sender: address not found"
    created = parse("easypost", "easypost/tracker.created.json")
    assert (created.tracking_number, created.tracking_status) == ("EZ1000000001", "pre_transit")


@pytest.mark.parametrize(("source", "rel", "kind", "ticket", "email", "order_text"), [
    ("freshdesk", "helpdesk/freshdesk_ticket.json", SignalKind.ticket, "1", "dummyname@example.com", "sample"),
    ("freshdesk", "helpdesk/freshdesk_webhook.json", SignalKind.ticket, "2041", "nora.kim@example.com", "#1009"),
    ("zendesk", "helpdesk/zendesk_ticket_created.json", SignalKind.ticket, "5158", None, "order 1010"),
    ("zendesk", "helpdesk/zendesk_trigger_reply.json", SignalKind.ticket_reply, "5159", "ivan.petrov@example.com",
     "#1011"),
    ("gorgias", "helpdesk/gorgias_ticket.json", SignalKind.ticket, "88123", "lena.berg@example.com", "#1012"),
])
def test_helpdesk_tickets_carry_requester_subject_and_body(source, rel, kind, ticket, email, order_text):
    s = parse(source, rel)
    assert (s.kind, s.ticket_id, s.customer_email) == (kind, ticket, email)
    assert order_text in s.text and s.subject


def test_raw_email_becomes_a_ticket_and_its_reply_joins_the_thread():
    first = parse("email", "email/wismo.eml")
    assert (first.kind, first.customer_email, first.customer_name) == (SignalKind.ticket, "priya.shah@example.com",
                                                                       "Priya Shah")
    assert first.subject == "Where is my order #1018?" and "hasn\u2019t moved" in first.text
    assert first.occurred_at == datetime(2025, 1, 2, 9, 29, 41, tzinfo=UTC)
    reply = parse("email", "email/reply.eml")
    assert (reply.kind, reply.ticket_id, reply.text) == (SignalKind.ticket_reply, first.ticket_id,
                                                         "Thanks, but it still has not arrived.")


def test_email_without_headers_or_sender_is_refused():
    with pytest.raises(BadPayload):
        PARSERS["email"]({}, b"   ", RECEIVED)
    with pytest.raises(Unparseable, match="no From address"):
        PARSERS["email"]({}, b"Subject: hi\r\n\r\nbody", RECEIVED)


def test_threepl_csv_and_json_rows_normalize_columns():
    fmt, rows = frame_rows("text/csv", (FIXTURES / "threepl/exceptions.csv").read_bytes())
    assert (fmt, len(rows)) == ("csv", 3)
    first = PARSERS["threepl"]({}, row_body(rows[0]), RECEIVED)
    assert (first.order_id, first.sku, first.warehouse_id, first.exception_code) == (
        "#1013", "SKU-TEE-BLK-M", "WH-EAST", "short_pick")
    assert PARSERS["threepl"]({}, row_body(rows[1]), RECEIVED).order_id == "#1014"
    with pytest.raises(Unparseable, match="lacks exception_code"):
        PARSERS["threepl"]({}, row_body(rows[2]), RECEIVED)
    fmt, rows = frame_rows("application/json", (FIXTURES / "threepl/exceptions.json").read_bytes())
    ex = PARSERS["threepl"]({}, row_body(rows[0]), RECEIVED)
    assert (fmt, ex.source_event_id, ex.exception_code, ex.note) == ("json", "3pl-ex-77001",
                                                                     "damaged_in_warehouse", "carton crushed")


def test_malformed_json_is_a_bad_payload_for_every_json_source():
    for source in ("stripe", "shopify", "easypost", "zendesk", "gorgias", "freshdesk"):
        with pytest.raises(BadPayload, match="not valid JSON"):
            PARSERS[source]({"x-shopify-topic": "orders/create"}, b'{"id": ', RECEIVED)


def test_every_shared_payload_file_parses_or_is_reported_unsupported(capsys):
    """Runs the parsers over the whole public payload folder; no supported object may fail."""
    results = scan_folder(PAYLOADS_DIR)
    files = {p.relative_to(PAYLOADS_DIR).as_posix() for p in PAYLOADS_DIR.rglob("*.json")}
    assert {r.file for r in results} == files and len(files) >= 60
    failed = [f"{r.file}{r.where}: {r.detail}" for r in results if r.status == "failed"]
    assert failed == []
    kinds = {(r.file, r.where): r.signal.kind for r in results if r.signal}
    assert kinds[("stripe/dj-stripe/event_charge.dispute.created.json", "")] is SignalKind.dispute_opened
    assert kinds[("stripe/dj-stripe/early_fraud_warning_fake_issfr_fakefakefakefakefake0001.json", "")] \
        is SignalKind.fraud_warning
    assert kinds[("stripe/dj-stripe/review_fake_prv_fakefakefakefakefake0001.json", "")] is SignalKind.payment_review
    assert kinds[("stripe/fixtures3.json", "/resources/payment_intent")] is SignalKind.payment_failed
    assert kinds[("shopify/order_risks.json", "/risks/0")] is SignalKind.order_risk
    assert kinds[("easypost/fixtures/event-body.json", "")] is SignalKind.tracking_update
    assert kinds[("freshdesk/ticket_1.json", "")] is SignalKind.ticket
    unsupported = sorted({r.file for r in results if r.status == "unsupported"} - {r.file for r in results if r.signal})
    with capsys.disabled():
        print(f"\n{len(kinds)} objects parsed; files with no supported object ({len(unsupported)}):")
        for name in unsupported:
            reasons = sorted({r.detail for r in results if r.file == name})
            print(f"  {name}: {reasons[0]}" + (f" (+{len(reasons) - 1} more)" if len(reasons) > 1 else ""))
    assert all(r.detail for r in results if r.status == "unsupported")
