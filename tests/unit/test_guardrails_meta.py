"""Rules 9, 10 and 11, and how verdicts combine: most restrictive wins, monitor mode records only."""

from __future__ import annotations

import json

import pytest

from copilot.core.models import CaseStatus, Category, Disposition
from copilot.core.policy import DEFAULT_POLICY_PATH, Mode, Role, load_policy, parse_policy
from copilot.decide import guardrails as g
from copilot.decide.messages import DisputeAck, Scenario
from copilot.decide.plan import Origin, Plan, Verdict, action
from tests.unit import casefacts as f

POLICY = load_policy()


def _msg(body: str):
    return action("msg", "send_customer_message", {"order_id": "#1001", "scenario": "delay_notice", "body": body})


# ---- rule 9 ----

def test_message_rule_blocks_internal_words_and_allows_a_clean_message() -> None:
    bad = g.rule_customer_message(f.case(), _msg("Your order is in fraud review. Please reply to confirm."), POLICY)
    assert bad.outcome == "block" and "internal word 'fraud'" in bad.reason
    ok = g.rule_customer_message(f.case(), _msg("Your order #1001 is late. Please reply to confirm."), POLICY)
    assert ok.outcome == "allow"


def test_message_may_name_the_promised_date_but_no_other() -> None:
    case = f.case()
    promised = case.order.order.promised_by
    text = f"It should arrive by {promised:%B} {promised.day}. Please reply to confirm."
    assert g.rule_customer_message(case, _msg(text), POLICY).outcome == "allow"
    later = f"It should arrive by {promised:%B} {promised.day + 1}. Please reply to confirm."
    assert g.rule_customer_message(case, _msg(later), POLICY).outcome == "block"


# ---- rule 10 ----

NOTE = _msg("Your order #1001 is late. Please reply to confirm.")


def _auto(case, act=NOTE):
    return g.rule_automation(case, act, POLICY)


def test_automation_only_for_read_and_contact_on_allowlisted_categories() -> None:
    assert _auto(f.case(Category.fulfillment_delay)).outcome == "allow"
    assert _auto(f.case(Category.fulfillment_delay), action("o", "lookup_order", {"order_id": "#1001"})).outcome == "allow"
    refund = action("r", "refund_payment", {"order_id": "#1001", "amount": "1.00", "reason": "goodwill"})
    assert _auto(f.case(Category.fulfillment_delay), refund).role is Role.agent
    assert _auto(f.case(Category.chargeback)).outcome == "needs_approval"


def test_automation_value_limit_boundary() -> None:
    at = f.case(Category.fulfillment_delay, order=f.order(lines=[f.line(1, "250.00")]))
    over = f.case(Category.fulfillment_delay, order=f.order(lines=[f.line(1, "250.01")]))
    assert _auto(at).outcome == "allow" and _auto(over).outcome == "needs_approval"


def test_automation_confidence_boundary_for_llm_classification() -> None:
    base = {"category": Category.fulfillment_delay, "classified_by": "llm"}
    assert _auto(f.case(**base, confidence=0.9)).outcome == "allow"
    assert _auto(f.case(**base, confidence=0.89)).outcome == "needs_approval"
    # Issue 15: keyword readings at 0.5-0.6 went out alone; the confidence bar holds for every reader.
    unsure = _auto(f.case(Category.fulfillment_delay, classified_by="rules", confidence=0.55))
    assert unsure.outcome == "needs_approval" and "0.55 (rules)" in unsure.reason


def test_never_automatic_for_vip_or_escalated_cases() -> None:
    assert "VIP" in _auto(f.case(Category.fulfillment_delay, customer=f.customer(vip=True))).reason
    assert _auto(f.case(Category.fulfillment_delay, escalation_level=1)).outcome == "needs_approval"
    assert _auto(f.case(Category.fulfillment_delay, status=CaseStatus.escalated)).outcome == "needs_approval"


# ---- rule 11 ----

def test_ticket_values_must_match_the_case_facts() -> None:
    case = f.case(payment=f.payment(status="captured", captured="45.00"))
    too_much = action("r", "refund_payment", {"order_id": "#1001", "amount": "45.01", "reason": "goodwill"},
                      Origin.llm)
    verdict = g.rule_untrusted_text(case, too_much, POLICY)
    assert verdict.outcome == "block" and "above the order total" in verdict.reason
    exact = action("r", "refund_payment", {"order_id": "#1001", "amount": "45.00", "reason": "goodwill"}, Origin.llm)
    assert g.rule_untrusted_text(case, exact, POLICY).outcome == "allow"
    other = action("c", "cancel_order", {"order_id": "#999", "reason": "x"}, Origin.ticket)
    assert "not this case's order" in g.rule_untrusted_text(case, other, POLICY).reason
    line = action("s", "substitute_item", {"order_id": "#1001", "line_no": 2, "new_sku": "SKU-001-L"}, Origin.llm)
    assert "line(s) [2]" in g.rule_untrusted_text(case, line, POLICY).reason


def test_unchecked_values_never_reach_the_other_rules() -> None:
    bad = action("c", "cancel_order", {"order_id": "#999", "reason": "x"}, Origin.llm)
    verdicts = g.evaluate_action(f.case(), bad, POLICY)
    assert [v.rule_id for v in verdicts] == ["untrusted_text"] and verdicts[0].outcome == "block"


# ---- combining ----

def _v(outcome: str, role: Role | None = None, mode: Mode = Mode.active) -> Verdict:
    return Verdict(outcome=outcome, rule_id="t", reason="r", role=role, mode=mode, action_id="a")


def test_most_restrictive_verdict_wins() -> None:
    got = g.combine([_v("allow"), _v("needs_approval", Role.finance), _v("needs_approval", Role.lead)])
    assert got.role is Role.finance
    assert g.combine([_v("needs_approval", Role.agent), _v("block")]).outcome == "block"
    assert g.combine([]).outcome == "allow"


def test_monitor_verdicts_are_kept_but_do_not_restrict() -> None:
    raw = json.loads(DEFAULT_POLICY_PATH.read_text())
    raw["refund"]["mode"] = "monitor"
    monitored = parse_policy(json.dumps(raw))
    case = f.case(Category.refund_request, order=f.order("delivered"),
                  payment=f.payment(status="captured", captured="45.00"))
    refund = action("r", "refund_payment", {"order_id": "#1001", "amount": "45.00", "reason": "return"})
    plan = Plan(disposition=Disposition.fixable_now, actions=[refund], reasons=["t"])
    case = case.model_copy(update={"payment": f.payment(status="captured", captured="45.00", open_dispute=True)})
    active = g.evaluate(case, plan, POLICY)
    watched = g.evaluate(case, plan, monitored)
    assert g.combine([v for v in active if v.rule_id == "refund"]).outcome == "block"
    record = next(v for v in watched if v.rule_id == "refund")
    assert record.outcome == "block" and record.mode is Mode.monitor
    assert g.combine([v for v in watched if v.rule_id == "refund"]).outcome == "allow"


@pytest.mark.parametrize("amounts", [("30.00", "15.00", "allow"), ("30.00", "15.01", "block")])
def test_refunds_earlier_in_a_plan_reduce_what_later_ones_may_refund(amounts) -> None:
    first, second, expected = amounts
    case = f.case(Category.refund_request, order=f.order("delivered"),
                  payment=f.payment(status="captured", captured="45.00"))
    plan = Plan(disposition=Disposition.fixable_now, reasons=["t"], actions=[
        action("r1", "refund_payment", {"order_id": "#1001", "amount": first, "reason": "return"}),
        action("r2", "refund_payment", {"order_id": "#1001", "amount": second, "reason": "return"})])
    by_action = g.combine_by_action([v for v in g.evaluate(case, plan, POLICY) if v.rule_id == "refund"])
    assert by_action["r1"].outcome == "allow" and by_action["r2"].outcome == expected


def test_plan_message_and_ask_come_together() -> None:
    with pytest.raises(ValueError, match="come together"):
        Plan(disposition=Disposition.fixable_now, actions=[], reasons=["t"], scenario=Scenario.dispute_ack,
             message=DisputeAck(first_name="A", order_id="#1"))
    with pytest.raises(ValueError, match="customer decision needs a message"):
        Plan(disposition=Disposition.needs_customer_decision, actions=[], reasons=["t"])


def test_plan_tool_table_matches_the_tool_registry() -> None:
    from copilot.decide.plan import TOOL_INPUTS
    from tools import registry

    assert set(TOOL_INPUTS) == set(registry.TOOLS)
    assert all(registry.TOOLS[n].kind is k and registry.TOOLS[n].input_model is m for n, (k, m) in TOOL_INPUTS.items())
