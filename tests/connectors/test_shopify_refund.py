"""Refunds through Shopify's refundCreate when Stripe is not connected: @idempotent where the API version
has it (2026-01 on), and a read of the order's refunds before a second try where it does not."""

from __future__ import annotations

from typing import Any

import pytest

from tests.connectors.conftest import CONTRACTS, Vendors, set_modes
from tests.connectors.shopify_server import ShopifyStore
from tests.connectors.test_shopify import approve, new_case, rows

ARGS = {"order_id": "#3", "amount": "20.00", "reason": "damaged"}


async def test_refund_create_names_the_paid_transaction(monkeypatch: pytest.MonkeyPatch, contract_server: Any,
                                                         vendors: Vendors, conn, aconn):
    set_modes(monkeypatch, contract_server[0], shopify="live")
    case_id = new_case(conn, "#3")
    out = await approve(aconn, case_id, "refund_payment", ARGS, f"{case_id}:rf1")
    [(name, args)] = vendors.shopify.mutations
    assert name == "refundCreate"
    assert args["input"]["transactions"] == [{"orderId": "gid://shopify/Order/1003", "amount": "20.00",
                                             "kind": "REFUND", "gateway": "shopify_payments",
                                             "parentId": "gid://shopify/OrderTransaction/1003"}]
    assert out.refund_id.startswith("gid://shopify/Refund/")
    assert "@idempotent" not in vendors.shopify.requests[-1]["query"]  # 2025-01 has no such directive
    # Killed before recording: the retry reads the order's refunds, finds its note, and sends nothing.
    conn.execute("UPDATE sandbox.payments SET amount_refunded = 0 WHERE id = 'pi_3'")
    conn.execute("DELETE FROM sandbox.refunds WHERE payment_id = 'pi_3'")
    conn.execute("DELETE FROM tool_calls WHERE idempotency_key = %s", (f"{case_id}:rf1",))
    conn.execute("UPDATE connector_requests SET status = 'sending' WHERE case_id = %s", (case_id,))
    again = await approve(aconn, case_id, "refund_payment", ARGS, f"{case_id}:rf1")
    assert len(vendors.shopify.mutations) == 1
    assert again.refund_id == out.refund_id
    assert [r["detail"] for r in rows(conn, case_id)] == ["recovered by reading back"]


async def test_on_2026_01_the_refund_carries_the_idempotent_directive(monkeypatch: pytest.MonkeyPatch,
                                                                      contract_server: Any, world, vendors: Vendors,
                                                                      conn, aconn):
    vendors.shopify = ShopifyStore.from_world(world, CONTRACTS, version="2026-01")
    set_modes(monkeypatch, contract_server[0], shopify="shadow")
    monkeypatch.setenv("COPILOT_SHOPIFY_API_VERSION", "2026-01")
    case_id = new_case(conn, "#3")
    await approve(aconn, case_id, "refund_payment", ARGS, f"{case_id}:rf2")
    [row] = rows(conn, case_id)
    assert "refundCreate(input: $input) @idempotent(key: $idempotencyKey)" in row["body"]["query"]
    assert row["body"]["variables"]["idempotencyKey"] == f"rdc-{case_id}:rf2-refund"
    assert row["vendor_key"] == f"rdc-{case_id}:rf2-refund"
    assert (row["contract_checked"], row["contract_errors"]) == (True, [])
    assert vendors.shopify.mutations == [] and vendors.shopify.violations == []
