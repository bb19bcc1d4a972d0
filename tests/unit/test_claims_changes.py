"""A changes summary says only what its plan does: each listed change matches its own action (kind, order, items,
new SKUs, amount), each answer states the gathered status, tracking number or total. Checked on the drafting side
(copilot/decide/claims.py) and again by the eval's independent re-check (evals/claims_check.py)."""

from __future__ import annotations

from decimal import Decimal

from copilot.core.models import Disposition
from copilot.decide import claims
from copilot.decide.messages import Answer, ChangeKind, ChangesSummary, ListedChange, Scenario, render
from copilot.decide.plan import CaseState, Plan
from copilot.decide.playbooks import build_plan
from copilot.reading.model import Intent, Mood
from evals.claims_check import unsupported
from evals.schema import ActualAction
from tests.unit.test_playbook_several import POLICY, ticket

TEXT = "Hi, please cancel my order #1002, I don't need the lamp anymore. And return the yoga mat I got, thanks!"


def _planned() -> tuple[CaseState, Plan]:
    case = ticket(TEXT, (Intent.cancel, Mood.instruction, "cancel"), (Intent.return_refund, Mood.instruction, "return"))
    plan = build_plan(case, POLICY)
    assert plan.scenario is Scenario.changes_summary
    return case, plan


def _with(plan: Plan, ctx: ChangesSummary) -> Plan:
    return plan.model_copy(update={"message": ctx})


def _actual(plan: Plan) -> list[ActualAction]:
    return [ActualAction(action_id=a.action_id, tool=a.tool, args=a.args.model_dump(mode="json"), outcome="allow",
                         status="proposed") for a in plan.actions]


def _recheck(case: CaseState, plan: Plan, ctx: ChangesSummary) -> list[str] | None:
    return unsupported(render(Scenario.changes_summary, ctx), case.model_dump(mode="json"), _actual(plan))


def test_a_true_summary_is_backed_on_both_sides() -> None:
    case, plan = _planned()
    assert isinstance(plan.message, ChangesSummary)
    assert [c.kind for c in plan.message.changes] == [ChangeKind.cancel, ChangeKind.return_items]
    assert claims.unbacked(case, plan) == []
    assert _recheck(case, plan, plan.message) == []


def test_a_return_listed_with_the_wrong_item_and_amount_is_refused() -> None:
    case, plan = _planned()
    assert isinstance(plan.message, ChangesSummary)
    lamp = ListedChange(kind=ChangeKind.return_items, order_id="#1001", items=["Desk Lamp"], amount=Decimal("40.00"),
                        text="return Desk Lamp from #1001 (40.00 back once received)")
    ctx = plan.message.model_copy(update={"changes": [plan.message.changes[0], lamp]})
    problems = claims.unbacked(case, _with(plan, ctx))
    assert len(problems) == 1 and "made by no action" in problems[0] and "40.00" in problems[0]
    assert claims.enforce(case, _with(plan, ctx)).disposition is Disposition.escalate
    assert _recheck(case, plan, ctx) == [
        "lists 'return Desk Lamp from #1001 (40.00 back once received)', which no action makes "
        "(refunds 30.00; the lines named are worth 40.00)"]


def test_a_cancel_listed_on_another_order_than_the_action_is_refused() -> None:
    case, plan = _planned()
    assert isinstance(plan.message, ChangesSummary)
    wrong = ListedChange(kind=ChangeKind.cancel, order_id="#1001", text="cancel order #1001")
    ctx = plan.message.model_copy(update={"changes": [wrong, plan.message.changes[1]]})
    assert any("cancel order #1001" in p for p in claims.unbacked(case, _with(plan, ctx)))
    assert any("cancel order #1001" in p for p in _recheck(case, plan, ctx) or [])
    # Words that do not say what the change says are refused too: the line must name its order.
    mute = wrong.model_copy(update={"order_id": "#1002"})
    ctx = plan.message.model_copy(update={"changes": [mute, plan.message.changes[1]]})
    assert any("does not name ['#1002']" in p for p in claims.unbacked(case, _with(plan, ctx)))


def test_an_answer_must_state_the_gathered_status_and_total() -> None:
    case, plan = _planned()
    assert isinstance(plan.message, ChangesSummary)
    good = [Answer(kind="status", order_id="#1002", status="pending", text="order #1002 is pending"),
            Answer(kind="total", order_id="#1001", amount=case.order.order.total if case.order else None,
                   text=f"order #1001 totals ${case.order.order.total if case.order else 0:,.2f}")]
    ctx = plan.message.model_copy(update={"answers": good})
    assert claims.unbacked(case, _with(plan, ctx)) == []
    assert _recheck(case, plan, ctx) == []
    shipped = Answer(kind="status", order_id="#1002", status="shipped", text="order #1002 is shipped")
    ctx = plan.message.model_copy(update={"answers": [shipped]})
    assert any("status on record is pending" in p for p in claims.unbacked(case, _with(plan, ctx)))
    assert _recheck(case, plan, ctx) == ["answers that order #1002 is 'shipped'; on record: pending"]
    too_much = Answer(kind="total", order_id="#1002", amount=Decimal("99.00"), text="order #1002 totals $99.00")
    ctx = plan.message.model_copy(update={"answers": [too_much]})
    assert any("total on record" in p for p in claims.unbacked(case, _with(plan, ctx)))
    assert any("totals $99.00" in p for p in _recheck(case, plan, ctx) or [])


def test_a_question_beside_a_change_is_answered_from_the_facts_and_the_answer_is_checked() -> None:
    text = "Cancel order #1002 please. Also where is my other order, has it shipped?"
    case = ticket(text, (Intent.cancel, Mood.instruction, "Cancel"), (Intent.where_is_order, Mood.question, "where"))
    plan = build_plan(case, POLICY)
    assert isinstance(plan.message, ChangesSummary) and plan.message.answers
    assert all(a.status is not None for a in plan.message.answers)
    assert claims.unbacked(case, plan) == []
    assert _recheck(case, plan, plan.message) == []


def test_a_line_the_recheck_cannot_read_is_not_taken_on_trust() -> None:
    case, plan = _planned()
    assert isinstance(plan.message, ChangesSummary)
    odd = ListedChange(kind=ChangeKind.cancel, order_id="#1002", text="cancel order #1002 and refund twice")
    ctx = plan.message.model_copy(update={"changes": [odd, plan.message.changes[1]]})
    assert _recheck(case, plan, ctx) == ["lists a change no action reads as: 'cancel order #1002 and refund twice'"]
