"""The sandbox systems of record behave like real ones, checked through the tools on a real Postgres."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from itertools import count

import psycopg
import pytest
from psycopg.rows import dict_row

from copilot.cases.case_log import tool_deps
from copilot.core.errors import ConnectorError
from tools import registry
from tools.base import ToolDeps
from tools.connectors.sandbox import catalog
from tools.connectors.sandbox.store import write_world
from tools.connectors.sandbox.world import (
    Address,
    Customer,
    Dispute,
    Fulfillment,
    InventoryRow,
    Order,
    OrderLine,
    Payment,
    PaymentMethod,
    Product,
    Ticket,
    TrackingEvent,
    World,
)

NOW = datetime(2026, 11, 16, 15, 0, tzinfo=UTC)
BOSTON = Address(line1="12 Oak Ave", line2="Apt 4B", city="Boston", state="MA", zip="02115")
PRICES = {"SKU-A": Decimal("20.00"), "SKU-B": Decimal("30.00"), "SKU-C": Decimal("45.00")}
STOCK = {("WH-EAST", "SKU-A"): 10, ("WH-EAST", "SKU-B"): 5, ("WH-EAST", "SKU-C"): 0,
         ("WH-CENTRAL", "SKU-A"): 2, ("WH-CENTRAL", "SKU-B"): 0, ("WH-CENTRAL", "SKU-C"): 4}
FULFILLMENT = {"pending": "pending", "processing": "picking", "label_created": "label_created",
               "shipped": "handed_off", "delivered": "delivered", "cancelled": "cancelled"}


def _order(world: World, oid: str, status: str, skus: list[tuple[str, int]], customer: str = "cus_1",
           payment: dict | None = None, cutoff: timedelta = timedelta(hours=5)) -> None:
    lines = [OrderLine(line_no=i + 1, sku=s, name=f"Item {s}", quantity=q, unit_price=PRICES[s])
             for i, (s, q) in enumerate(skus)]
    total = sum((ln.unit_price * ln.quantity for ln in lines), Decimal("0"))
    created = NOW - timedelta(hours=30)
    world.orders.append(Order(id=oid, customer_id=customer, status=status, subtotal=total, total=total,  # type: ignore[arg-type]
                              shipping_address=BOSTON, created_at=created, updated_at=created, lines=lines))
    captured = status in ("label_created", "shipped", "delivered")
    fields = {"status": "captured" if captured else "authorized", "amount_captured": total if captured else 0,
              "authorized_at": created, "auth_expires_at": created + timedelta(days=7)} | (payment or {})
    world.payments.append(Payment(id=f"pi_{oid.lstrip('#')}", order_id=oid, method="card", brand="visa",
                                  last4="4242", amount=total, created_at=created, **fields))
    f_status = FULFILLMENT[status]
    labelled = f_status in ("label_created", "handed_off", "delivered")
    tracking = f"1Z{oid.lstrip('#')}" if labelled else None
    world.fulfillments.append(Fulfillment(
        id=f"ful_{oid.lstrip('#')}", order_id=oid, warehouse_id="WH-EAST", status=f_status, carrier="ups",  # type: ignore[arg-type]
        tracking_number=tracking, skus=[s for s, _ in skus], cutoff_at=NOW + cutoff,
        label_created_at=created if labelled else None,
        handed_off_at=created + timedelta(hours=2) if f_status in ("handed_off", "delivered") else None,
        delivered_at=NOW - timedelta(hours=3) if f_status == "delivered" else None, created_at=created))
    if f_status in ("handed_off", "delivered"):
        world.tracking_events.append(TrackingEvent(tracking_number=tracking, carrier="ups", status="in_transit",  # type: ignore[arg-type]
                                                   location="Newark, NJ", occurred_at=created + timedelta(hours=2)))
    if f_status == "delivered":
        world.tracking_events.append(TrackingEvent(tracking_number=tracking, carrier="ups", status="delivered",  # type: ignore[arg-type]
                                                   location="Boston, MA", occurred_at=NOW - timedelta(hours=3)))


def mini_world() -> World:
    """Two customers and one order per situation a connector must handle."""
    world = World(name="mini", now=NOW, warehouses=list(catalog.WAREHOUSES))
    world.products = [Product(sku=s, product_id=s[-1], name=f"Item {s}", price=p) for s, p in PRICES.items()]
    world.inventory = [InventoryRow(warehouse_id=w, sku=s, on_hand=n) for (w, s), n in STOCK.items()]
    # Another option of product A, so delivered SKU-A can be exchanged (tests/unit/test_tools_exchange.py).
    world.products.append(Product(sku="SKU-A-RED", product_id="A", name="Item SKU-A", price=Decimal("22.00"),
                                  options={"color": "red"}))
    world.inventory.append(InventoryRow(warehouse_id="WH-CENTRAL", sku="SKU-A-RED", on_hand=3))
    for cid in ("cus_1", "cus_2"):
        world.customers.append(Customer(id=cid, email=f"{cid}@example.com", first_name=cid, last_name="Doe",
                                        address=BOSTON, payment_methods=[PaymentMethod(id="pm", source="card",
                                                                                       last4="4242")],
                                        created_at=NOW - timedelta(days=400)))
    world.tickets.append(Ticket(id="T-1", customer_id="cus_1", channel="email", subject="order 1",
                                created_at=NOW - timedelta(hours=1)))
    _order(world, "#1", "pending", [("SKU-A", 1), ("SKU-B", 2)])
    _order(world, "#2", "shipped", [("SKU-A", 1)])
    _order(world, "#3", "delivered", [("SKU-A", 1), ("SKU-B", 2)])
    _order(world, "#4", "pending", [("SKU-B", 1)], payment={"status": "failed", "decline_code": "insufficient_funds"})
    _order(world, "#5", "pending", [("SKU-B", 1)], payment={"status": "failed", "decline_code": "stolen_card"})
    _order(world, "#6", "pending", [("SKU-B", 1)], payment={"status": "failed", "decline_code": "processing_error",
                                                            "auth_expires_at": NOW - timedelta(hours=1)})
    _order(world, "#7", "label_created", [("SKU-A", 1)])
    _order(world, "#8", "processing", [("SKU-A", 1)], cutoff=-timedelta(hours=1))
    _order(world, "#9", "pending", [("SKU-A", 1)], customer="cus_2")
    _order(world, "#10", "delivered", [("SKU-C", 1)])
    world.orders[3].hold_reason = "payment_failed"
    world.disputes.append(Dispute(id="dp_10", order_id="#10", payment_id="pi_10", reason="product_not_received",
                                  status="needs_response", amount=Decimal("45.00"), due_by=NOW + timedelta(days=5),
                                  created_at=NOW - timedelta(hours=2)))
    return world


_keys = count(1)


def key(case_id: int = 0) -> str:
    return f"{case_id}:a{next(_keys)}"


@pytest.fixture
def world(conn: psycopg.Connection) -> World:
    built = mini_world()
    write_world(conn, built)
    return built


@pytest.fixture
async def aconn(database_url: str):
    async with await psycopg.AsyncConnection.connect(database_url, autocommit=True, row_factory=dict_row) as c:
        yield c


def deps_for(aconn, customer: str | None = "cus_1", case_id: int | None = None) -> ToolDeps:
    """A case's tool calls write their audit events through the case store, as the graph's do."""
    return tool_deps(aconn, NOW, case_id, customer)


async def run(aconn, name: str, args: dict, customer: str | None = "cus_1"):
    return await registry.call(name, deps_for(aconn, customer), args, key())


async def refused(aconn, name: str, args: dict, customer: str | None = "cus_1") -> ConnectorError:
    with pytest.raises(ConnectorError) as info:
        await run(aconn, name, args, customer)
    return info.value


async def test_retry_on_hard_decline_fails_like_a_psp_and_changes_nothing(world, aconn, conn):
    error = await refused(aconn, "retry_payment", {"order_id": "#5"})
    assert error.reason == "stolen_card"
    row = conn.execute("SELECT status, retry_count FROM sandbox.payments WHERE id = 'pi_5'").fetchone()
    assert row == {"status": "failed", "retry_count": 0}


async def test_soft_decline_clears_on_the_second_retry_and_releases_the_payment_hold(world, aconn, conn):
    first = await run(aconn, "retry_payment", {"order_id": "#4"})
    assert (first.succeeded, first.retry_count, first.decline_code) == (False, 1, "insufficient_funds")
    second = await run(aconn, "retry_payment", {"order_id": "#4"})
    assert (second.succeeded, second.status, second.retry_count) == (True, "authorized", 2)
    assert second.auth_expires_at == NOW + timedelta(days=7)
    assert conn.execute("SELECT hold_reason FROM sandbox.orders WHERE id = '#4'").fetchone()["hold_reason"] is None


async def test_retry_after_authorization_expiry_fails(world, aconn):
    assert (await refused(aconn, "retry_payment", {"order_id": "#6"})).reason == "authorization_expired"


@pytest.mark.parametrize(("order_id", "reason"), [("#2", "order_shipped"), ("#3", "order_shipped"),
                                                  ("#7", "label_created"), ("#8", "past_cutoff")])
async def test_cancel_after_shipment_label_or_cutoff_fails(world, aconn, order_id, reason):
    assert (await refused(aconn, "cancel_order", {"order_id": order_id, "reason": "customer asked"})).reason == reason


async def test_cancel_before_shipment_voids_the_authorization(world, aconn, conn):
    out = await run(aconn, "cancel_order", {"order_id": "#1", "reason": "customer asked"})
    assert (out.status, out.voided, out.refunded) == ("cancelled", Decimal("80.00"), Decimal("0"))
    assert conn.execute("SELECT status FROM sandbox.payments WHERE id = 'pi_1'").fetchone()["status"] == "voided"
    assert (await refused(aconn, "cancel_order", {"order_id": "#1", "reason": "again"})).reason == "order_cancelled"


async def test_reroute_after_handoff_costs_money_and_counts_against_the_cap(world, aconn, conn):
    new = BOSTON.model_copy(update={"line2": "Apt 9C"}).model_dump()
    first = await run(aconn, "reroute_shipment", {"order_id": "#2", "address": new})
    assert (first.cost, first.intercept_count, first.intercepts_left) == (Decimal("15.00"), 1, 1)
    await run(aconn, "reroute_shipment", {"order_id": "#2", "address": new})
    assert (await refused(aconn, "intercept_shipment", {"order_id": "#2", "reason": "x"})).reason \
        == "intercept_cap_reached"
    charges = conn.execute("SELECT sum(amount) AS s FROM sandbox.carrier_charges WHERE order_id = '#2'").fetchone()
    assert charges["s"] == Decimal("30.00")


async def test_intercept_before_handoff_is_free_and_after_handoff_returns_the_parcel(world, aconn, conn):
    dock = await run(aconn, "intercept_shipment", {"order_id": "#7", "reason": "cancel request"})
    assert (dock.cost, dock.intercept_count) == (Decimal("0"), 0)
    moving = await run(aconn, "intercept_shipment", {"order_id": "#2", "reason": "cancel request"})
    assert moving.cost == Decimal("15.00")
    rows = conn.execute("SELECT id, status FROM sandbox.fulfillments WHERE id IN ('ful_7', 'ful_2') ORDER BY id").fetchall()
    assert rows == [{"id": "ful_2", "status": "returned"}, {"id": "ful_7", "status": "cancelled"}]
    assert (await refused(aconn, "intercept_shipment", {"order_id": "#3", "reason": "x"})).reason == "already_delivered"


async def test_refund_never_exceeds_captured_minus_refunded(world, aconn):
    out = await run(aconn, "refund_payment", {"order_id": "#3", "amount": "50.00", "reason": "damaged"})
    assert (out.refunded_total, out.refundable_left) == (Decimal("50.00"), Decimal("30.00"))
    error = await refused(aconn, "refund_payment", {"order_id": "#3", "amount": "30.01", "reason": "damaged"})
    assert error.reason == "amount_exceeds_refundable"
    last = await run(aconn, "refund_payment", {"order_id": "#3", "amount": "30.00", "reason": "damaged"})
    assert last.refundable_left == Decimal("0")


async def test_refund_is_refused_while_a_dispute_is_open(world, aconn):
    error = await refused(aconn, "refund_payment", {"order_id": "#10", "amount": "5.00", "reason": "goodwill"})
    assert error.reason == "charge_disputed"


async def test_substitute_moves_inventory_and_reprices_the_order(world, aconn, conn):
    error = await refused(aconn, "substitute_item", {"order_id": "#1", "line_no": 1, "new_sku": "SKU-C"})
    assert error.reason == "out_of_stock"
    out = await run(aconn, "substitute_item", {"order_id": "#1", "line_no": 1, "new_sku": "SKU-B"})
    assert (out.old_sku, out.new_sku, out.price_difference) == ("SKU-A", "SKU-B", Decimal("10.00"))
    stock = conn.execute("SELECT reserved FROM sandbox.inventory WHERE warehouse_id = 'WH-EAST' AND sku = 'SKU-B'")
    assert stock.fetchone()["reserved"] == 1
    assert conn.execute("SELECT total FROM sandbox.orders WHERE id = '#1'").fetchone()["total"] == Decimal("90.00")


async def test_split_reserves_what_ships_now_and_opens_a_second_parcel(world, aconn, conn):
    out = await run(aconn, "split_shipment", {"order_id": "#1", "ship_now_line_nos": [2]})
    assert (out.ship_now_skus, out.later_skus) == (["SKU-B"], ["SKU-A"])
    stock = conn.execute("SELECT reserved FROM sandbox.inventory WHERE warehouse_id = 'WH-EAST' AND sku = 'SKU-B'")
    assert stock.fetchone()["reserved"] == 2
    parcels = conn.execute("SELECT skus FROM sandbox.fulfillments WHERE order_id = '#1' ORDER BY id").fetchall()
    assert [p["skus"] for p in parcels] == [["SKU-B"], ["SKU-A"]]


async def test_reship_takes_stock_from_a_warehouse_that_holds_every_line(world, aconn, conn):
    out = await run(aconn, "reship_order", {"order_id": "#10", "line_nos": [1], "reason": "lost"})
    assert (out.warehouse_id, out.skus, out.cost) == ("WH-CENTRAL", ["SKU-C"], Decimal("45.00"))
    stock = conn.execute("SELECT reserved FROM sandbox.inventory WHERE warehouse_id = 'WH-CENTRAL' AND sku = 'SKU-C'")
    assert stock.fetchone()["reserved"] == 1
    assert (await refused(aconn, "reship_order", {"order_id": "#1", "line_nos": [1], "reason": "x"})).reason \
        == "order_not_shipped"


async def test_message_lands_in_the_outbox_on_the_customers_ticket(world, aconn, conn):
    out = await run(aconn, "send_customer_message", {"order_id": "#1", "scenario": "delay_notice", "body": "Hi"})
    assert (out.ticket_id, out.customer_id) == ("T-1", "cus_1")
    row = conn.execute("SELECT ticket_id, order_id, kind, body FROM sandbox.outbox WHERE id = %s", (out.outbox_id,))
    assert row.fetchone() == {"ticket_id": "T-1", "order_id": "#1", "kind": "delay_notice", "body": "Hi"}
    fresh = await run(aconn, "request_payment_update", {"order_id": "#9", "body": "Please update your card"}, "cus_2")
    assert fresh.ticket_id is not None and fresh.ticket_id.startswith("tk_out_")
    assert fresh.payment_id == "pi_9"


async def test_store_credit_is_bounded_by_the_order_total(world, aconn):
    out = await run(aconn, "issue_store_credit", {"order_id": "#2", "amount": "15.00", "reason": "late"})
    assert (out.customer_id, out.amount) == ("cus_1", Decimal("15.00"))
    error = await refused(aconn, "issue_store_credit", {"order_id": "#2", "amount": "5.01", "reason": "late"})
    assert error.reason == "credit_exceeds_order"


async def test_address_change_is_refused_after_a_label_and_across_countries(world, aconn, conn):
    moved = BOSTON.model_copy(update={"line1": "99 Elm St"}).model_dump()
    out = await run(aconn, "update_address", {"order_id": "#1", "address": moved})
    assert (out.previous.line1, out.address.line1) == ("12 Oak Ave", "99 Elm St")
    assert (await refused(aconn, "update_address", {"order_id": "#7", "address": moved})).reason == "label_created"
    abroad = moved | {"country": "CA", "zip": "M5V 2T6", "state": "ON", "city": "Toronto"}
    assert (await refused(aconn, "update_address", {"order_id": "#1", "address": abroad})).reason == "country_change"


async def test_hold_and_release(world, aconn):
    held = await run(aconn, "hold_order", {"order_id": "#1", "reason": "fraud_review"})
    assert held.hold_reason == "fraud_review"
    assert (await refused(aconn, "hold_order", {"order_id": "#1", "reason": "x"})).reason == "already_held"
    released = await run(aconn, "release_hold", {"order_id": "#1", "reason": "verified"})
    assert released.released == "fraud_review"
    assert (await refused(aconn, "release_hold", {"order_id": "#1", "reason": "x"})).reason == "not_on_hold"


async def test_every_write_refuses_another_customers_order(world, aconn, conn):
    for name, args in [("cancel_order", {"order_id": "#9", "reason": "x"}),
                       ("hold_order", {"order_id": "#9", "reason": "x"}),
                       ("refund_payment", {"order_id": "#9", "amount": "1.00", "reason": "goodwill"}),
                       ("split_shipment", {"order_id": "#9", "ship_now_line_nos": [1]}),
                       ("send_customer_message", {"order_id": "#9", "scenario": "x", "body": "hi"})]:
        error = await refused(aconn, name, args, customer="cus_1")
        assert error.reason in ("not_customers_order", "not_acting_customer"), name
    assert conn.execute("SELECT status FROM sandbox.orders WHERE id = '#9'").fetchone()["status"] == "pending"


async def test_no_sequence_of_refunds_ever_exceeds_captured_minus_refunded(world, aconn, conn):
    """Seeded random amounts: each refund succeeds exactly when it fits in what is left, never beyond."""
    import random

    rng = random.Random(4)
    left = Decimal("80.00")
    for _ in range(25):
        amount = Decimal(rng.randint(1, 3000)) / 100
        if amount <= left:
            out = await run(aconn, "refund_payment", {"order_id": "#3", "amount": str(amount), "reason": "damaged"})
            left -= amount
            assert out.refundable_left == left
        else:
            error = await refused(aconn, "refund_payment", {"order_id": "#3", "amount": str(amount), "reason": "damaged"})
            assert error.reason == "amount_exceeds_refundable"
    row = conn.execute("SELECT amount_captured - amount_refunded AS left, (SELECT sum(amount) FROM sandbox.refunds)"
                       " AS refunded FROM sandbox.payments WHERE id = 'pi_3'").fetchone()
    assert row["left"] == left >= 0
    assert row["refunded"] == Decimal("80.00") - left
