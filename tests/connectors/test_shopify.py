"""Shopify in shadow and live mode, through the tools, against a server that validates every document
against Shopify's Admin 2025-01 schema and executes it on that schema."""

from __future__ import annotations

import time
from itertools import count
from typing import Any

import psycopg
import pytest
from psycopg.types.json import Jsonb

from copilot.cases.case_log import tool_deps
from copilot.core.errors import ConnectorError
from tests.connectors.conftest import Vendors, set_modes
from tests.unit.test_connectors_sandbox import NOW
from tools import registry

_actions = count(1)
NEW_ADDRESS = {"line1": "88 Beacon St", "line2": "Unit 2", "city": "Boston", "state": "MA", "zip": "02108"}


def new_case(conn: psycopg.Connection, order_id: str) -> int:
    """A case about the order (order_id left out: one open case per order, and every test opens one)."""
    return int(conn.execute("INSERT INTO cases (customer_id, facts) VALUES ('cus_1', %s) RETURNING id",
                            (Jsonb({"order": order_id}),)).fetchone()["id"])


async def approve(aconn: Any, case_id: int, tool: str, args: dict[str, Any], key: str | None = None) -> Any:
    """What the desk's execute step does once a person approves: the tool with case_id:action_id."""
    deps = tool_deps(aconn, NOW, case_id, "cus_1")  # as the graph builds them: events go through the case store
    return await registry.call(tool, deps, args, key or f"{case_id}:act{next(_actions)}")


def rows(conn: psycopg.Connection, case_id: int) -> list[dict[str, Any]]:
    return conn.execute("SELECT * FROM connector_requests WHERE case_id = %s ORDER BY id", (case_id,)).fetchall()


def mutations(vendors: Vendors) -> list[str]:
    return [name for name, _ in vendors.shopify.mutations]


@pytest.fixture
def live(monkeypatch: pytest.MonkeyPatch, contract_server: Any, vendors: Vendors) -> Vendors:
    set_modes(monkeypatch, contract_server[0], shopify="live")
    return vendors


@pytest.fixture
def shadow(monkeypatch: pytest.MonkeyPatch, contract_server: Any, vendors: Vendors) -> Vendors:
    set_modes(monkeypatch, contract_server[0], shopify="shadow")
    return vendors


async def test_shadow_cancel_records_the_checked_request_and_sends_no_mutation(shadow, conn, aconn):
    case_id = new_case(conn, "#1")
    out = await approve(aconn, case_id, "cancel_order", {"order_id": "#1", "reason": "customer_request"})
    assert out.status == "cancelled"
    assert mutations(shadow) == []  # only the order read reached Shopify
    assert shadow.shopify.orders["gid://shopify/Order/1001"]["cancelledAt"] is None
    [row] = rows(conn, case_id)
    assert (row["mode"], row["status"], row["operation"]) == ("shadow", "recorded", "orderCancel")
    assert row["contract_checked"] is True and row["contract_errors"] == []
    assert row["body"]["variables"] == {"orderId": "gid://shopify/Order/1001", "reason": "CUSTOMER",
                                        "staffNote": "Recovery desk: customer_request"}
    event = conn.execute("SELECT data FROM case_events WHERE case_id = %s AND kind = 'connector_shadowed'",
                         (case_id,)).fetchone()
    assert event["data"]["operation"] == "orderCancel"
    assert shadow.shopify.violations == []


async def test_live_cancel_follows_the_job_and_reads_the_order_back(live, conn, aconn):
    case_id = new_case(conn, "#1")
    await approve(aconn, case_id, "cancel_order", {"order_id": "#1", "reason": "customer_request"})
    assert mutations(live) == ["orderCancel"]
    assert live.shopify.orders["gid://shopify/Order/1001"]["cancelledAt"] is not None
    job_polls = [r for r in live.shopify.requests if r["query"].startswith("query Job")]
    assert len(job_polls) == 2  # not done on the first poll, done on the second
    [row] = rows(conn, case_id)
    assert (row["mode"], row["status"], row["response_status"]) == ("live", "answered", 200)
    assert live.shopify.violations == []


async def test_a_retried_cancel_reads_the_order_first_and_sends_nothing_twice(live, conn, aconn):
    case_id = new_case(conn, "#1")
    await approve(aconn, case_id, "cancel_order", {"order_id": "#1", "reason": "customer_request"}, f"{case_id}:c1")
    # The desk's mirror is rolled back as if the worker died before recording; Shopify already cancelled.
    conn.execute("UPDATE sandbox.orders SET status = 'pending', cancel_reason = NULL WHERE id = '#1'")
    conn.execute("UPDATE sandbox.fulfillments SET status = 'pending' WHERE order_id = '#1'")
    conn.execute("DELETE FROM tool_calls WHERE idempotency_key = %s", (f"{case_id}:c1",))
    await approve(aconn, case_id, "cancel_order", {"order_id": "#1", "reason": "customer_request"}, f"{case_id}:c1")
    assert mutations(live) == ["orderCancel"]


async def test_user_errors_reach_the_case_as_a_readable_reason(live, conn, aconn):
    live.shopify.user_errors["orderCancel"] = [
        {"field": ["orderId"], "message": "Cannot cancel an order with fulfilled items", "code": "INVALID"}]
    case_id = new_case(conn, "#1")
    with pytest.raises(ConnectorError) as info:
        await approve(aconn, case_id, "cancel_order", {"order_id": "#1", "reason": "customer_request"})
    assert info.value.reason == "invalid"
    assert "Cannot cancel an order with fulfilled items (orderId)" in info.value.message
    # The mirror rolled back with it, the call is failed, and the case says why.
    assert conn.execute("SELECT status FROM sandbox.orders WHERE id = '#1'").fetchone()["status"] == "pending"
    failed = conn.execute("SELECT data FROM case_events WHERE case_id = %s AND kind = 'tool_failed'",
                          (case_id,)).fetchone()
    assert failed["data"]["reason"] == "invalid"
    assert "fulfilled items" in failed["data"]["error"]
    assert rows(conn, case_id)[0]["status"] == "failed"


async def test_live_address_update_is_read_back(live, conn, aconn):
    case_id = new_case(conn, "#1")
    await approve(aconn, case_id, "update_address", {"order_id": "#1", "address": NEW_ADDRESS})
    [(name, args)] = live.shopify.mutations
    assert name == "orderUpdate"
    assert args["input"]["shippingAddress"] == {"address1": "88 Beacon St", "address2": "Unit 2", "city": "Boston",
                                                "provinceCode": "MA", "zip": "02108", "countryCode": "US"}
    reads = [r for r in live.shopify.requests if r["query"].startswith("query OrderByName")]
    assert len(reads) == 2  # before the write, and after it


async def test_a_silent_no_op_address_update_is_not_done(live, conn, aconn):
    live.shopify.silent_update = True
    case_id = new_case(conn, "#1")
    with pytest.raises(ConnectorError) as info:
        await approve(aconn, case_id, "update_address", {"order_id": "#1", "address": NEW_ADDRESS})
    assert info.value.reason == "address_not_applied"
    row = conn.execute("SELECT shipping_address FROM sandbox.orders WHERE id = '#1'").fetchone()
    assert row["shipping_address"]["line1"] == "12 Oak Ave"


async def test_hold_and_release_act_on_the_fulfillment_orders(live, conn, aconn):
    case_id = new_case(conn, "#1")
    await approve(aconn, case_id, "hold_order", {"order_id": "#1", "reason": "address_review"})
    fo = live.shopify.orders["gid://shopify/Order/1001"]["fulfillmentOrders"]["nodes"][0]
    assert fo["status"] == "ON_HOLD"
    assert fo["fulfillmentHolds"][0]["reason"] == "INCORRECT_ADDRESS"
    await approve(aconn, case_id, "release_hold", {"order_id": "#1", "reason": "address confirmed"})
    assert fo["status"] == "OPEN" and fo["fulfillmentHolds"] == []
    assert mutations(live) == ["fulfillmentOrderHold", "fulfillmentOrderReleaseHold"]
    assert live.shopify.violations == []


async def test_substitution_is_an_order_edit_committed_in_four_steps(live, conn, aconn):
    conn.execute("INSERT INTO sandbox.inventory (warehouse_id, sku, on_hand, reserved) VALUES ('WH-EAST', 'SKU-A-RED', 4, 0)")
    case_id = new_case(conn, "#1")
    out = await approve(aconn, case_id, "substitute_item", {"order_id": "#1", "line_no": 1, "new_sku": "SKU-A-RED"})
    assert (out.old_sku, out.new_sku) == ("SKU-A", "SKU-A-RED")
    assert mutations(live) == ["orderEditBegin", "orderEditSetQuantity", "orderEditAddVariant", "orderEditCommit"]
    lines = {li["sku"]: li["currentQuantity"] for li in
             live.shopify.orders["gid://shopify/Order/1001"]["lineItems"]["nodes"]}
    assert lines == {"SKU-A": 0, "SKU-B": 2, "SKU-A-RED": 1}
    assert [r["status"] for r in rows(conn, case_id)] == ["answered"] * 4


async def test_throttled_and_rate_limited_calls_wait_as_told_then_succeed(live, conn, aconn):
    live.shopify.throttle_next = 1   # (112 - 12) / 100 = 1 s to refill
    live.shopify.rate_limit_next = 1  # Retry-After: 1
    case_id = new_case(conn, "#1")
    started = time.monotonic()
    await approve(aconn, case_id, "cancel_order", {"order_id": "#1", "reason": "customer_request"})
    assert time.monotonic() - started >= 2.0
    assert mutations(live) == ["orderCancel"]
