"""tau2-bench retail policy through our tools and rules: facts gathered by the real READ tools on the sandbox
loaded with tau2's db.json. Cancel/modify only pending orders, return only delivered ones, never another user's."""

from __future__ import annotations

import psycopg
import pytest
from psycopg.rows import dict_row

from copilot.core.models import Category, Signal, SignalKind, SignalSource
from copilot.core.policy import load_policy
from copilot.decide import guardrails as g
from copilot.decide.plan import CaseState, action
from tests.conftest import TAU2_DIR
from tools import registry
from tools.base import ToolDeps
from tools.connectors.sandbox.loaders import TAU2_NOW, load_tau2
from tools.connectors.sandbox.store import write_world

POLICY = load_policy()
WORLD = load_tau2(TAU2_DIR / "db.json")


@pytest.fixture(scope="module")
def tau2_url(database_url: str) -> str:
    with psycopg.connect(database_url, autocommit=True) as conn:
        write_world(conn, WORLD)
    return database_url


def _pick() -> dict[str, str]:
    by_status: dict[str, str] = {}
    for order in WORLD.orders:
        by_status.setdefault(order.status, order.id)
    return by_status


async def _facts(url: str, order_id: str, email: str, category: Category) -> CaseState:
    async with await psycopg.AsyncConnection.connect(url, autocommit=True, row_factory=dict_row) as conn:
        deps = ToolDeps.sandbox(conn, TAU2_NOW)
        order = await registry.call("lookup_order", deps, {"order_id": order_id})
        customer = await registry.call("lookup_customer", deps, {"email": email})
        payment = await registry.call("lookup_payment", deps, {"order_id": order_id})
    signal = Signal(source=SignalSource.zendesk, source_event_id="t", kind=SignalKind.ticket, occurred_at=TAU2_NOW,
                    customer_email=email, order_id=order_id)
    return CaseState(case_id=1, category=category, now=TAU2_NOW, signal=signal, order=order, customer=customer,
                     payment=payment)


def _email_of(order_id: str) -> str:
    order = next(o for o in WORLD.orders if o.id == order_id)
    return next(c.email for c in WORLD.customers if c.id == order.customer_id)


def _edits(order_id: str, sku: str) -> list:
    return [action("cancel", "cancel_order", {"order_id": order_id, "reason": "no longer needed"}),
            action("swap", "substitute_item", {"order_id": order_id, "line_no": 1, "new_sku": sku})]


@pytest.mark.parametrize("status", ["shipped", "delivered", "cancelled"])
async def test_cancel_or_modify_a_non_pending_tau2_order_is_blocked(tau2_url: str, status: str) -> None:
    order_id = _pick()[status]
    case = await _facts(tau2_url, order_id, _email_of(order_id), Category.change_request)
    for act in _edits(order_id, case.order.order.lines[0].sku):
        verdict = g.combine(g.evaluate_action(case, act, POLICY))
        assert verdict.outcome == "block" and verdict.rule_id == "cancel_edit"
        assert f"order is {status}" in verdict.reason


async def test_cancel_a_pending_tau2_order_is_not_blocked(tau2_url: str) -> None:
    order_id = _pick()["pending"]
    case = await _facts(tau2_url, order_id, _email_of(order_id), Category.change_request)
    assert case.order.order.status == "pending"
    verdict = g.combine(g.evaluate_action(case, _edits(order_id, "x")[0], POLICY))
    assert verdict.outcome == "needs_approval" and verdict.rule_id == "automation"


@pytest.mark.parametrize("status", ["pending", "shipped"])
async def test_a_return_on_an_undelivered_tau2_order_is_blocked(tau2_url: str, status: str) -> None:
    order_id = _pick()[status]
    case = await _facts(tau2_url, order_id, _email_of(order_id), Category.refund_request)
    refund = action("ret", "refund_payment", {"order_id": order_id, "amount": "1.00", "reason": "return"})
    verdict = g.combine(g.evaluate_action(case, refund, POLICY))
    assert verdict.outcome == "block"
    assert "delivered order" in verdict.reason or "exceeds captured" in verdict.reason


async def test_a_return_on_a_delivered_tau2_order_is_allowed_up_to_what_was_paid(tau2_url: str) -> None:
    order_id = _pick()["delivered"]
    case = await _facts(tau2_url, order_id, _email_of(order_id), Category.refund_request)
    refund = action("ret", "refund_payment", {"order_id": order_id, "amount": str(case.refundable), "reason": "return"})
    assert g.rule_refund(case, refund, POLICY).outcome != "block"


async def test_acting_on_another_tau2_users_order_is_blocked(tau2_url: str) -> None:
    pending = next(o for o in WORLD.orders if o.status == "pending")
    intruder = next(c.email for c in WORLD.customers if c.id != pending.customer_id)
    case = await _facts(tau2_url, pending.id, intruder, Category.change_request)
    verdicts = g.evaluate_action(case, _edits(pending.id, "x")[0], POLICY)
    blocks = [v.rule_id for v in verdicts if v.outcome == "block"]
    assert blocks == ["identity"] and g.combine(verdicts).role.value == "lead"
