"""WooCommerce REST v3 in shadow and live mode, through the desk's tools, against a server that checks every
request against WooCommerce's docs and answers with the docs' example objects."""

from __future__ import annotations

import json
from typing import Any

import pytest

from copilot.core.errors import ConnectorError, Unavailable
from tests.connectors.conftest import CONTRACTS, Vendors, set_modes
from tests.connectors.test_shopify import NEW_ADDRESS, approve, new_case, rows
from tools.connectors.outbox import VendorRequest
from tools.connectors.woocommerce.contracts import check


@pytest.fixture
def live(monkeypatch: pytest.MonkeyPatch, contract_server: Any, vendors: Vendors) -> Vendors:
    set_modes(monkeypatch, contract_server[0], woocommerce="live")
    return vendors


@pytest.fixture
def shadow(monkeypatch: pytest.MonkeyPatch, contract_server: Any, vendors: Vendors) -> Vendors:
    set_modes(monkeypatch, contract_server[0], woocommerce="shadow")
    return vendors


def woo_request(method: str, path: str, body: Any) -> VendorRequest:
    return VendorRequest(system="woocommerce", operation="-", method=method, url=f"/wp-json/wc/v3{path}", body=body)


def test_the_contract_takes_the_official_examples_and_refuses_what_the_docs_do_not_allow() -> None:
    examples = CONTRACTS / "woocommerce" / "examples"
    update = json.loads((examples / "orders__update-an-order__request.json").read_text())
    note = json.loads((examples / "order-notes__create-an-order-note__request.json").read_text())
    assert check(CONTRACTS, woo_request("PUT", "/orders/727", update), "") == []
    assert check(CONTRACTS, woo_request("POST", "/orders/727/notes", note), "") == []
    assert check(CONTRACTS, woo_request("PUT", "/orders/727", {"status": "held"}), "") == [
        "status: 'held' is not one of ['pending', 'processing', 'on-hold', 'completed', 'cancelled', 'refunded',"
        " 'failed', 'trash']"]
    assert check(CONTRACTS, woo_request("PUT", "/orders/727", {"total": "0.00"}), "")[0].startswith(
        "body: Additional properties are not allowed ('total' was unexpected)")
    assert check(CONTRACTS, woo_request("POST", "/orders/727/notes", {"customer_note": True}), "") == [
        "body: 'note' is a required property"]
    assert check(CONTRACTS, woo_request("POST", "/orders/727/cancel", None), "") == [
        "POST /orders/<id>/cancel is not an endpoint of WooCommerce's REST v3 docs"]


async def test_shadow_cancel_records_the_checked_requests_and_sends_nothing(shadow, conn, aconn):
    case_id = new_case(conn, "#1")
    out = await approve(aconn, case_id, "cancel_order", {"order_id": "#1", "reason": "customer_request"})
    assert out.status == "cancelled"
    assert shadow.woo.writes() == []  # only reads reached WooCommerce
    assert shadow.woo.orders["1"]["status"] == "processing"
    recorded = rows(conn, case_id)
    assert [(r["mode"], r["status"], r["operation"], r["method"]) for r in recorded] == [
        ("shadow", "recorded", "orders.update", "PUT"), ("shadow", "recorded", "orders.notes.create", "POST")]
    assert recorded[0]["url"].endswith("/wp-json/wc/v3/orders/1") and recorded[0]["body"] == {"status": "cancelled"}
    assert recorded[1]["body"]["note"].startswith("Recovery desk: cancelled (customer_request) [rdc ")
    assert all(r["contract_checked"] and r["contract_errors"] == [] for r in recorded)
    assert shadow.woo.violations == []
    # The case page's timeline says it in words (the request itself is under the event's raw toggle).
    from api.desk_text import event_text

    shown = [event_text(e["kind"], e["data"]) for e in conn.execute(
        "SELECT kind, data FROM case_events WHERE case_id = %s AND kind LIKE 'connector_%%' ORDER BY id",
        (case_id,)).fetchall()]
    assert shown[0] == ("Shadow mode: would have sent WooCommerce orders.update (PUT http://127.0.0.1:"
                        f"{recorded[0]['url'].split(':')[2]}); matches the contract; not sent")


async def test_live_status_address_and_notes_reach_woocommerce(live, conn, aconn):
    case_id = new_case(conn, "#1")
    await approve(aconn, case_id, "hold_order", {"order_id": "#1", "reason": "address_review"})
    assert live.woo.orders["1"]["status"] == "on-hold"
    assert "on hold (address_review)" in live.woo.notes["1"][0]["note"]
    await approve(aconn, case_id, "update_address", {"order_id": "#1", "address": NEW_ADDRESS})
    shipping = live.woo.orders["1"]["shipping"]
    assert (shipping["address_1"], shipping["address_2"], shipping["postcode"], shipping["first_name"]) == (
        "88 Beacon St", "Unit 2", "02108", "Pat")
    await approve(aconn, case_id, "release_hold", {"order_id": "#1", "reason": "address_fixed"})
    assert live.woo.orders["1"]["status"] == "processing"
    assert live.woo.writes() == [("PUT", "/orders/<id>"), ("POST", "/orders/<id>/notes"), ("PUT", "/orders/<id>"),
                                 ("PUT", "/orders/<id>")]
    assert {r["status"] for r in rows(conn, case_id)} == {"answered"}
    assert live.woo.violations == []


async def test_a_cancel_already_done_in_woocommerce_is_not_sent_again(live, conn, aconn):
    live.woo.orders["1"]["status"] = "cancelled"  # a person cancelled it in the WooCommerce admin
    case_id = new_case(conn, "#1")
    await approve(aconn, case_id, "cancel_order", {"order_id": "#1", "reason": "customer_request"})
    assert live.woo.writes() == [("POST", "/orders/<id>/notes")]  # the reason note only


async def test_a_silent_no_op_update_fails_the_action(live, conn, aconn):
    live.woo.silent_update = True
    case_id = new_case(conn, "#1")
    with pytest.raises(ConnectorError) as caught:
        await approve(aconn, case_id, "update_address", {"order_id": "#1", "address": NEW_ADDRESS})
    assert caught.value.reason == "address_not_applied"
    assert conn.execute("SELECT shipping_address->>'line1' AS l FROM sandbox.orders WHERE id = '#1'").fetchone()[
        "l"] != "88 Beacon St"  # the mirror rolled back


async def test_a_woocommerce_refusal_reaches_the_case_in_its_own_words(live, conn, aconn):
    live.woo.refuse["PUT /orders/<id>"] = (400, "woocommerce_rest_invalid_order_status",
                                           "Order status cannot be changed while a payment is pending.")
    case_id = new_case(conn, "#1")
    with pytest.raises(ConnectorError) as caught:
        await approve(aconn, case_id, "hold_order", {"order_id": "#1", "reason": "address_review"})
    assert caught.value.reason == "woocommerce_rest_invalid_order_status"
    assert "Order status cannot be changed while a payment is pending." in caught.value.message
    [row] = rows(conn, case_id)
    assert row["status"] == "failed" and "payment is pending" in row["detail"]


async def test_429_with_retry_after_is_waited_out_and_a_dead_store_is_unavailable(live, conn, aconn):
    live.woo.rate_limit_next = 1
    case_id = new_case(conn, "#1")
    await approve(aconn, case_id, "hold_order", {"order_id": "#1", "reason": "address_review"})
    assert live.woo.orders["1"]["status"] == "on-hold"
    live.woo.rate_limit_next = 99
    with pytest.raises(Unavailable):
        await approve(aconn, case_id, "cancel_order", {"order_id": "#1", "reason": "customer_request"})


async def test_refund_through_woocommerce_when_stripe_is_not_connected(live, conn, aconn):
    case_id = new_case(conn, "#3")
    out = await approve(aconn, case_id, "refund_payment", {"order_id": "#3", "amount": "20.00", "reason": "damaged"})
    [refund] = live.woo.refunds["3"]
    assert refund["amount"] == "20.00" and refund["reason"].startswith("damaged [rdc ")
    assert out.refund_id == f"wc_refund_{refund['id']}"
    assert live.woo.violations == []


async def test_substitution_is_refused_plainly(live, conn, aconn):
    case_id = new_case(conn, "#1")
    with pytest.raises(ConnectorError) as caught:
        await approve(aconn, case_id, "substitute_item", {"order_id": "#1", "line_no": 1, "new_sku": "SKU-C"})
    assert caught.value.reason == "not_supported" and "WooCommerce admin" in caught.value.message
