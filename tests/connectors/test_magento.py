"""Adobe Commerce / Magento REST in shadow and live mode, through the desk's tools, against a server that checks
every request, and its own answers, against Adobe's published admin REST schema (2.4.9)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from copilot.core.errors import ConnectorError
from tests.connectors.conftest import CONTRACTS, Vendors, set_modes
from tests.connectors.test_shopify import NEW_ADDRESS, approve, new_case, rows
from tools.connectors.magento.contracts import check
from tools.connectors.outbox import VendorRequest


@pytest.fixture
def live(monkeypatch: pytest.MonkeyPatch, contract_server: Any, vendors: Vendors) -> Vendors:
    set_modes(monkeypatch, contract_server[0], magento="live")
    return vendors


@pytest.fixture
def shadow(monkeypatch: pytest.MonkeyPatch, contract_server: Any, vendors: Vendors) -> Vendors:
    set_modes(monkeypatch, contract_server[0], magento="shadow")
    return vendors


def m_request(method: str, path: str, body: Any = None) -> VendorRequest:
    return VendorRequest(system="magento", operation="-", method=method, url=f"/rest/default{path}", body=body)


def test_the_contract_takes_adobes_refund_example_and_refuses_undeclared_fields() -> None:
    refund = json.loads((CONTRACTS / "magento" / "examples" / "order-issue-refund__top__request.json").read_text())
    assert check(CONTRACTS, m_request("POST", "/V1/order/3/refund", refund), "/rest/default") == []
    assert check(CONTRACTS, m_request("POST", "/V1/order/3/refund", {**refund, "amount": 5}), "/rest/default") == [
        "body: Additional properties are not allowed ('amount' was unexpected)"]
    assert check(CONTRACTS, m_request("POST", "/V1/orders/3/comments", {"statusHistory": {"comment": "hi"}}),
                 "/rest/default") == [f"statusHistory: '{name}' is a required property"
                                      for name in ("is_customer_notified", "is_visible_on_front", "parent_id")]
    assert check(CONTRACTS, m_request("POST", "/V1/orders/3/ship"), "/rest/default") == [
        "POST /V1/orders/3/ship is not an operation of Adobe Commerce's admin REST schema"]


async def test_shadow_hold_records_the_comment_and_the_hold_and_sends_neither(shadow, conn, aconn):
    case_id = new_case(conn, "#1")
    await approve(aconn, case_id, "hold_order", {"order_id": "#1", "reason": "address_review"})
    assert shadow.magento.writes() == []
    assert shadow.magento.by_number("1")["state"] == "processing"
    recorded = rows(conn, case_id)
    assert [(r["mode"], r["status"], r["operation"]) for r in recorded] == [
        ("shadow", "recorded", "orders.comments.create"), ("shadow", "recorded", "orders.hold")]
    assert recorded[1]["url"].endswith("/rest/default/V1/orders/1/hold") and recorded[1]["body"] is None
    assert recorded[0]["body"]["statusHistory"]["parent_id"] == 1
    assert all(r["contract_checked"] and r["contract_errors"] == [] for r in recorded)


async def test_live_hold_address_unhold_and_cancel_reach_magento(live, conn, aconn):
    case_id = new_case(conn, "#1")
    await approve(aconn, case_id, "hold_order", {"order_id": "#1", "reason": "address_review"})
    order = live.magento.by_number("1")
    assert order["state"] == "holded" and "on hold (address_review)" in order["status_histories"][0]["comment"]
    await approve(aconn, case_id, "update_address", {"order_id": "#1", "address": NEW_ADDRESS})
    address = order["extension_attributes"]["shipping_assignments"][0]["shipping"]["address"]
    assert (address["street"], address["postcode"], address["telephone"]) == (["88 Beacon St", "Unit 2"], "02108",
                                                                              "555-0100")
    await approve(aconn, case_id, "release_hold", {"order_id": "#1", "reason": "address_fixed"})
    assert order["state"] == "processing"
    await approve(aconn, case_id, "cancel_order", {"order_id": "#1", "reason": "customer_request"})
    assert order["state"] == "canceled"
    assert live.magento.writes() == [("POST", "/V1/orders/{id}/comments"), ("POST", "/V1/orders/{id}/hold"),
                                     ("PUT", "/V1/orders/{id}"), ("POST", "/V1/orders/{id}/unhold"),
                                     ("POST", "/V1/orders/{id}/comments"), ("POST", "/V1/orders/{id}/cancel")]
    assert {r["status"] for r in rows(conn, case_id)} == {"answered"}
    assert live.magento.violations == []


async def test_false_from_magento_is_a_readable_refusal_and_the_case_is_not_done(live, conn, aconn):
    live.magento.false_next = True
    case_id = new_case(conn, "#1")
    with pytest.raises(ConnectorError) as caught:
        await approve(aconn, case_id, "cancel_order", {"order_id": "#1", "reason": "customer_request"})
    assert caught.value.reason == "cancel_refused"
    assert caught.value.message == "Magento refused to cancel #1 (state processing, status processing)"
    assert conn.execute("SELECT status FROM sandbox.orders WHERE id = '#1'").fetchone()["status"] == "pending"


async def test_an_error_body_is_read_with_its_parameters(live, conn, aconn):
    live.magento.refuse["POST /V1/orders/{id}/hold"] = (400, "You can't hold order %1 right now.", ["000000001"])
    case_id = new_case(conn, "#1")
    with pytest.raises(ConnectorError) as caught:
        await approve(aconn, case_id, "hold_order", {"order_id": "#1", "reason": "address_review"})
    assert "You can't hold order 000000001 right now." in caught.value.message


async def test_a_cancel_already_done_in_magento_is_not_sent_again(live, conn, aconn):
    live.magento.by_number("1")["state"] = "canceled"
    case_id = new_case(conn, "#1")
    await approve(aconn, case_id, "cancel_order", {"order_id": "#1", "reason": "customer_request"})
    assert live.magento.writes() == [("POST", "/V1/orders/{id}/comments")]


async def test_refund_is_an_offline_credit_memo_marked_with_what_was_refunded_before(live, conn, aconn):
    case_id = new_case(conn, "#3")
    out = await approve(aconn, case_id, "refund_payment", {"order_id": "#3", "amount": "20.00", "reason": "damaged"})
    order = live.magento.by_number("3")
    assert order["total_refunded"] == 20.0
    assert "refunding 20.00 (damaged); refunded before: 0.00 [rdc " in order["status_histories"][0]["comment"]
    assert out.refund_id.startswith("creditmemo_")
    _, _, body = next(r for r in live.magento.requests if r[1].endswith("/refund"))
    assert body["arguments"]["adjustment_positive"] == 20.0
    assert {i["qty"] for i in body["items"]} == {0}
    assert live.magento.violations == []
