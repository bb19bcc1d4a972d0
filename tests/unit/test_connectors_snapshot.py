"""One gather reads each thing once: the remembering bundle answers a repeated read from its first answer, for
its own life only, and passes everything else (writes, failed reads) to the system."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from decimal import Decimal

import psycopg
import pytest

from copilot.core.errors import NotFound
from tests.unit.test_connectors_sandbox import NOW, aconn, deps_for, world  # noqa: F401 - fixtures
from tools import registry
from tools.connectors.snapshot import remembering


def _statements(connection: psycopg.AsyncConnection) -> list[str]:  # type: ignore[type-arg]
    """Record every statement the connection sends from now on."""
    sent: list[str] = []
    original = connection.execute

    async def counted(query, *args, **kwargs):  # type: ignore[no-untyped-def]
        sent.append(str(query))
        return await original(query, *args, **kwargs)

    connection.execute = counted  # type: ignore[method-assign]
    return sent

async def test_a_repeated_read_is_answered_once_for_the_life_of_the_bundle(world, aconn, conn):  # noqa: F811
    bundle = remembering(deps_for(aconn).connectors)
    first = await bundle.storefront.get_order("#1")
    conn.execute("UPDATE sandbox.orders SET status = 'processing' WHERE id = '#1'")
    sent = _statements(aconn)
    again = await bundle.storefront.get_order("#1")
    assert again is first and again.status == "pending" and sent == []
    assert (await bundle.storefront.previous_addresses("cus_1")) and len(sent) == 1
    await bundle.storefront.previous_addresses("cus_1")
    assert len(sent) == 1
    fresh = remembering(deps_for(aconn).connectors)
    assert (await fresh.storefront.get_order("#1")).status == "processing"

async def test_validating_addresses_for_one_order_reads_the_order_and_customer_once(world, aconn):  # noqa: F811
    deps = deps_for(aconn)

    deps = replace(deps, connectors=remembering(deps.connectors))
    await registry.call("validate_address", deps, {"address": {"line1": "12 Oak Ave", "line2": "Apt 4B",
                        "city": "Boston", "state": "MA", "zip": "02115"}, "carrier": "ups", "order_id": "#1"})
    sent = _statements(aconn)
    checked = await registry.call("validate_address", deps, {"address": {"line1": "1 Main St", "city": "Boston",
                                  "state": "MA", "zip": "02115"}, "carrier": "ups", "order_id": "#1"})
    assert sent == [] and checked.valid  # type: ignore[attr-defined]

async def test_failed_reads_and_writes_go_to_the_system(world, aconn, conn):  # noqa: F811
    bundle = remembering(deps_for(aconn).connectors)
    with pytest.raises(NotFound):
        await bundle.storefront.get_order("#404")
    sent = _statements(aconn)
    with pytest.raises(NotFound):
        await bundle.storefront.get_order("#404")
    assert sent, "a failed read was remembered"
    held = await bundle.storefront.hold_order("#1", "address_unverified")
    assert held.hold_reason == "address_unverified"
    row = conn.execute("SELECT hold_reason FROM sandbox.orders WHERE id = '#1'").fetchone()
    assert row["hold_reason"] == "address_unverified"


async def test_reads_in_one_statement_give_the_same_facts(world, aconn, conn):  # noqa: F811
    """The order with its lines, the payments with their disputes, a SKU's stock with its variants: exact
    decimals and times, in order, and NotFound where a system has no such thing."""
    deps = deps_for(aconn)
    order = (await registry.call("lookup_order", deps, {"order_id": "#1"})).order  # type: ignore[attr-defined]
    assert [(ln.line_no, ln.sku, ln.quantity, ln.unit_price) for ln in order.lines] == [
        (1, "SKU-A", 1, Decimal("20.00")), (2, "SKU-B", 2, Decimal("30.00"))]
    assert order.total == Decimal("80.00") and order.shipping_address.zip == "02115"
    conn.execute("DELETE FROM sandbox.order_lines WHERE order_id = '#9'")
    assert (await deps.connectors.storefront.get_order("#9")).lines == []
    with pytest.raises(NotFound):
        await deps.connectors.storefront.get_order("#404")

    paid = await registry.call("lookup_payment", deps, {"order_id": "#10"})
    assert [p.id for p in paid.payments] == ["pi_10"] and paid.open_dispute  # type: ignore[attr-defined]
    (dispute,) = paid.disputes  # type: ignore[attr-defined]
    assert (dispute.id, dispute.payment_id, dispute.amount, dispute.due_by) == (
        "dp_10", "pi_10", Decimal("45.00"), NOW + timedelta(days=5))
    assert str(dispute.amount) == "45.00"
    assert (await registry.call("lookup_payment", deps, {"order_id": "#1"})).disputes == []  # type: ignore[attr-defined]
    conn.execute("DELETE FROM sandbox.payments WHERE order_id = '#9'")
    assert (await registry.call("lookup_payment", deps, {"order_id": "#9"})).payments == []  # type: ignore[attr-defined]

    stock = await registry.call("locate_inventory", deps, {"sku": "SKU-A", "quantity": 5})
    assert [(s.warehouse_id, s.on_hand, s.available) for s in stock.stock] == [  # type: ignore[attr-defined]
        ("WH-CENTRAL", 2, 2), ("WH-EAST", 10, 10)]
    assert stock.warehouses_with_quantity == ["WH-EAST"]  # type: ignore[attr-defined]
    assert [(v.sku, v.price, v.available, v.options) for v in stock.variants] == [  # type: ignore[attr-defined]
        ("SKU-A", Decimal("20.00"), 12, {}), ("SKU-A-RED", Decimal("22.00"), 3, {"color": "red"})]
    conn.execute("DELETE FROM sandbox.products WHERE sku = 'SKU-C'")
    alone = await registry.call("locate_inventory", deps, {"sku": "SKU-C", "quantity": 1})
    assert alone.total_available == 4 and alone.variants == []  # type: ignore[attr-defined]
    with pytest.raises(NotFound):
        await registry.call("locate_inventory", deps, {"sku": "SKU-NONE", "quantity": 1})
