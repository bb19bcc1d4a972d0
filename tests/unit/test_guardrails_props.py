"""Properties over generated cases and plans: refund ceiling, blocked money stays blocked, monotonic combine."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from copilot.core.models import Category, Disposition
from copilot.core.policy import Mode, Role, load_policy
from copilot.decide import guardrails as g
from copilot.decide.plan import Origin, Plan, Verdict, action
from tests.unit import casefacts as f

POLICY = load_policy()
CENTS = st.integers(min_value=1, max_value=200_000).map(lambda c: Decimal(c) / 100)
FAST = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@st.composite
def refund_cases(draw):
    captured = draw(st.integers(min_value=0, max_value=100_000)) / Decimal(100)
    refunded = draw(st.integers(min_value=0, max_value=int(captured * 100))) / Decimal(100)
    total = max(captured, Decimal("1.00"))
    case = f.case(draw(st.sampled_from([Category.refund_request, Category.concession_request])),
                  order=f.order("delivered", [f.line(1, str(total))]),
                  payment=f.payment(status="captured", amount=str(total), captured=str(captured),
                                    refunded=str(refunded)))
    return case, captured - refunded


def _refund(i: int, amount: Decimal, origin: Origin = Origin.facts):
    return action(f"r{i}", "refund_payment", {"order_id": "#1001", "amount": str(amount), "reason": "return"}, origin)


@FAST
@given(refund_cases(), st.lists(CENTS, min_size=1, max_size=5))
def test_no_plan_ever_refunds_more_than_captured_minus_refunded(drawn, amounts) -> None:
    case, refundable = drawn
    plan = Plan(disposition=Disposition.fixable_now, reasons=["p"],
                actions=[_refund(i, a) for i, a in enumerate(amounts)])
    decided = g.combine_by_action(g.evaluate(case, plan, POLICY))
    passed = sum((a for i, a in enumerate(amounts) if decided[f"r{i}"].outcome != "block"), Decimal(0))
    assert passed <= refundable


OTHER_ACTIONS = [
    lambda: action("m", "send_customer_message", {"order_id": "#1001", "scenario": "x", "body": "Please reply."}),
    lambda: action("o", "lookup_order", {"order_id": "#1001"}),
    lambda: action("e", "escalate_case", {"owner": "lead", "reason": "x"}),
    lambda: action("c", "cancel_order", {"order_id": "#1001", "reason": "x"}),
    lambda: action("h", "release_hold", {"order_id": "#1001", "reason": "x"}),
    lambda: action("s", "reship_order", {"order_id": "#1001", "line_nos": [1], "reason": "damaged"}),
]


@FAST
@given(refund_cases(), st.integers(min_value=1, max_value=10_000),
       st.lists(st.sampled_from(range(len(OTHER_ACTIONS))), max_size=6, unique=True), st.integers(0, 6),
       st.sampled_from(list(Origin)))
def test_a_blocked_money_action_never_comes_back_allow(drawn, excess, others, position, origin) -> None:
    case, refundable = drawn
    blocked = _refund(99, refundable + Decimal(excess) / 100, origin)
    actions = [OTHER_ACTIONS[i]() for i in others]
    actions.insert(min(position, len(actions)), blocked)
    plan = Plan(disposition=Disposition.fixable_now, reasons=["p"], actions=actions)
    verdicts = g.evaluate(case, plan, POLICY)
    assert g.combine_by_action(verdicts)["r99"].outcome == "block"
    assert g.combine(verdicts).outcome == "block"


VERDICTS = st.builds(
    lambda outcome, role, mode: Verdict(outcome=outcome, rule_id="p", reason="r", mode=mode,
                                        role=role if outcome == "needs_approval" else None),
    st.sampled_from(["allow", "needs_approval", "block"]), st.sampled_from([Role.agent, Role.lead, Role.finance]),
    st.sampled_from(list(Mode)))


@FAST
@given(st.lists(VERDICTS, max_size=8), VERDICTS)
def test_adding_a_verdict_never_makes_the_combined_verdict_less_restrictive(verdicts, extra) -> None:
    before = g.severity(g.combine(verdicts))
    assert g.severity(g.combine([*verdicts, extra])) >= before
    assert g.severity(g.combine([extra, *verdicts])) >= before


@FAST
@given(st.lists(VERDICTS, min_size=1, max_size=8))
def test_combine_is_the_maximum_active_severity(verdicts) -> None:
    active = [g.severity(v) for v in verdicts if v.mode is Mode.active]
    assert g.severity(g.combine(verdicts)) == max(active, default=0)
