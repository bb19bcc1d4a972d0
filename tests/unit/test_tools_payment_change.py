"""change_payment_method on the real sandbox: a pending order's payment moves to another saved method, once."""

from __future__ import annotations

from decimal import Decimal

import psycopg
import pytest
from psycopg.types.json import Jsonb

from tests.unit import test_connectors_sandbox as sandbox
from tests.unit.test_connectors_sandbox import deps_for, refused, run
from tools import registry

world = sandbox.world
aconn = sandbox.aconn

METHODS = [{"id": "pm", "source": "credit_card", "brand": "visa", "last4": "4242"},
           {"id": "gc", "source": "gift_card", "balance": "100.00"},
           {"id": "pp", "source": "paypal"}]


@pytest.fixture
def wallet(world, conn: psycopg.Connection) -> None:
    """cus_1 keeps a card (paying order #1, 80.00), a gift card with 100.00 on it, and PayPal."""
    conn.execute("UPDATE sandbox.customers SET payment_methods = %s WHERE id = 'cus_1'", (Jsonb(METHODS),))
    conn.execute("UPDATE sandbox.payments SET method = 'pm' WHERE order_id LIKE '#%%'")


def _balance(conn: psycopg.Connection, method_id: str) -> str | None:
    methods = conn.execute("SELECT payment_methods FROM sandbox.customers WHERE id = 'cus_1'").fetchone()
    return next(m.get("balance") for m in methods["payment_methods"] if m["id"] == method_id)


async def test_a_pending_order_moves_to_paypal_and_its_card_authorization_is_voided(
        wallet, aconn, conn: psycopg.Connection) -> None:
    out = await run(aconn, "change_payment_method", {"order_id": "#1", "payment_method_id": "pp"})
    assert (out.previous_method, out.payment_method_id, out.amount, out.previous_released) == (
        "pm", "pp", Decimal("80.00"), "voided")
    rows = conn.execute("SELECT method, status, amount FROM sandbox.payments WHERE order_id = '#1'"
                        " ORDER BY created_at, id").fetchall()
    assert rows == [{"method": "pm", "status": "voided", "amount": Decimal("80.00")},
                    {"method": "pp", "status": "authorized", "amount": Decimal("80.00")}]
    order = conn.execute("SELECT status FROM sandbox.orders WHERE id = '#1'").fetchone()
    assert order == {"status": "pending"}  # the order itself is not touched


async def test_a_gift_card_pays_from_its_balance_and_gets_it_back_when_the_order_moves_off_it(
        wallet, aconn, conn: psycopg.Connection) -> None:
    on_card = await run(aconn, "change_payment_method", {"order_id": "#1", "payment_method_id": "gc"})
    assert on_card.gift_card_balance == Decimal("20.00")
    assert Decimal(_balance(conn, "gc")) == Decimal("20.00")
    await run(aconn, "change_payment_method", {"order_id": "#1", "payment_method_id": "pm"})
    assert Decimal(_balance(conn, "gc")) == Decimal("100.00")


async def test_one_key_moves_the_payment_once(wallet, aconn, conn: psycopg.Connection) -> None:
    deps = deps_for(aconn, case_id=None)
    args = {"order_id": "#1", "payment_method_id": "gc"}
    first = await registry.call("change_payment_method", deps, args, "0:payment-1")
    again = await registry.call("change_payment_method", deps, args, "0:payment-1")
    assert again == first
    assert conn.execute("SELECT count(*) AS n FROM sandbox.payments WHERE order_id = '#1'").fetchone() == {"n": 2}
    assert Decimal(_balance(conn, "gc")) == Decimal("20.00")
    stored = conn.execute("SELECT idempotency_key FROM sandbox.payments WHERE method = 'gc'").fetchone()
    assert stored == {"idempotency_key": "0:payment-1"}


async def test_the_change_is_refused_after_shipment_to_a_stranger_method_or_the_same_one(wallet, aconn) -> None:
    assert (await refused(aconn, "change_payment_method", {"order_id": "#3", "payment_method_id": "pp"})).reason \
        == "not_pending"
    assert (await refused(aconn, "change_payment_method", {"order_id": "#1", "payment_method_id": "pm_other"})
            ).reason == "unknown_payment_method"
    assert (await refused(aconn, "change_payment_method", {"order_id": "#1", "payment_method_id": "pm"})).reason \
        == "same_method"
    assert (await refused(aconn, "change_payment_method", {"order_id": "#9", "payment_method_id": "pp"})).reason \
        == "not_customers_order"


async def test_a_gift_card_short_of_the_order_total_is_refused_and_nothing_moves(
        wallet, aconn, conn: psycopg.Connection) -> None:
    short = [m | {"balance": "50.00"} if m["id"] == "gc" else m for m in METHODS]
    conn.execute("UPDATE sandbox.customers SET payment_methods = %s WHERE id = 'cus_1'", (Jsonb(short),))
    error = await refused(aconn, "change_payment_method", {"order_id": "#1", "payment_method_id": "gc"})
    assert error.reason == "insufficient_balance"
    assert conn.execute("SELECT status FROM sandbox.payments WHERE id = 'pi_1'").fetchone() == {"status": "authorized"}
    assert Decimal(_balance(conn, "gc")) == Decimal("50.00")
