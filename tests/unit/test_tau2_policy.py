"""tau2-bench retail policy holds through our tools on its own database, refused by the connectors themselves:
only pending orders are cancelled or modified, returns need a delivered order, and nobody acts on
another user's order."""

from __future__ import annotations

import json
from decimal import Decimal
from itertools import count

import psycopg
import pytest
from psycopg.rows import dict_row

from copilot.core.errors import ConnectorError
from tests.conftest import TAU2_DIR
from tools import registry
from tools.base import ToolDeps
from tools.connectors.sandbox.loaders import TAU2_NOW, load_tau2
from tools.connectors.sandbox.store import write_world

DB_JSON = TAU2_DIR / "db.json"
_keys = count(1)


def _pick() -> dict[str, dict]:
    """One real order per tau2 status, plus a user who owns none of them."""
    orders = json.loads(DB_JSON.read_text())["orders"]
    picked: dict[str, dict] = {}
    for raw in orders.values():
        picked.setdefault(raw["status"], raw)
    owners = {o["user_id"] for o in picked.values()}
    stranger = next(o["user_id"] for o in orders.values() if o["user_id"] not in owners)
    return picked | {"stranger": {"user_id": stranger}}


PICKED = _pick()


@pytest.fixture(scope="module")
def tau2_world(database_url: str) -> None:
    with psycopg.connect(database_url, autocommit=True, row_factory=dict_row) as conn:
        write_world(conn, load_tau2(DB_JSON))


@pytest.fixture
async def aconn(database_url: str, tau2_world):
    async with await psycopg.AsyncConnection.connect(database_url, autocommit=True, row_factory=dict_row) as c:
        yield c


async def act(aconn, user: str, name: str, args: dict):
    deps = ToolDeps.sandbox(aconn, TAU2_NOW, customer_id=user)
    return await registry.call(name, deps, args, f"0:tau2-{next(_keys)}")


async def refusal(aconn, user: str, name: str, args: dict) -> ConnectorError:
    with pytest.raises(ConnectorError) as info:
        await act(aconn, user, name, args)
    return info.value


def _address(raw: dict) -> dict:
    a = raw["address"]
    return {"line1": a["address1"], "line2": a["address2"] or None, "city": a["city"], "state": a["state"],
            "zip": a["zip"]}


@pytest.mark.parametrize("status", ["processed", "delivered", "cancelled"])
async def test_cancel_or_modify_an_order_that_is_not_pending_is_refused_with_the_reason(aconn, status):
    raw = PICKED[status]
    oid, user = raw["order_id"], raw["user_id"]
    expected = "order_cancelled" if status == "cancelled" else "order_shipped"
    calls = [("cancel_order", {"order_id": oid, "reason": "ordered by mistake"}),
             ("update_address", {"order_id": oid, "address": _address(raw)}),
             ("substitute_item", {"order_id": oid, "line_no": 1, "new_sku": raw["items"][0]["item_id"]})]
    for name, args in calls:
        error = await refusal(aconn, user, name, args)
        assert error.reason == expected, name
        assert oid in error.message and ("not pending" in error.message or "cancelled" in error.message)


@pytest.mark.parametrize("status", ["pending", "processed"])
async def test_a_return_on_an_order_that_is_not_delivered_is_refused(aconn, status):
    raw = PICKED[status]
    error = await refusal(aconn, raw["user_id"], "refund_payment",
                          {"order_id": raw["order_id"], "amount": "1.00", "reason": "return"})
    assert error.reason == "order_not_delivered"
    assert "not delivered" in error.message


async def test_acting_on_another_users_order_is_refused_for_every_kind_of_change(aconn):
    stranger = PICKED["stranger"]["user_id"]
    pending, delivered = PICKED["pending"], PICKED["delivered"]
    calls = [("cancel_order", {"order_id": pending["order_id"], "reason": "no longer needed"}),
             ("update_address", {"order_id": pending["order_id"], "address": _address(pending)}),
             ("refund_payment", {"order_id": delivered["order_id"], "amount": "1.00", "reason": "return"}),
             ("send_customer_message", {"order_id": pending["order_id"], "scenario": "x", "body": "hello"})]
    for name, args in calls:
        error = await refusal(aconn, stranger, name, args)
        assert error.reason in ("not_customers_order", "not_acting_customer"), name


async def test_the_owner_may_return_a_delivered_order_and_cancel_a_pending_one(aconn):
    """The positive side of the same policy, so the refusals above are about state and identity."""
    delivered, pending = PICKED["delivered"], PICKED["pending"]
    price = Decimal(str(delivered["items"][0]["price"]))
    refund = await act(aconn, delivered["user_id"], "refund_payment",
                       {"order_id": delivered["order_id"], "amount": str(price), "reason": "return"})
    assert refund.amount == price
    cancelled = await act(aconn, pending["user_id"], "cancel_order",
                          {"order_id": pending["order_id"], "reason": "ordered by mistake"})
    assert cancelled.status == "cancelled" and cancelled.voided > 0
