"""One deterministic playbook per category: gathered facts in, a plan out (disposition, actions, one ask)."""

from __future__ import annotations

from collections.abc import Callable

from copilot.core.errors import InvalidInput
from copilot.core.models import Category
from copilot.core.policy import Policy
from copilot.decide import claims
from copilot.decide.plan import CaseState, Plan
from copilot.decide.playbooks import choices, post, pre, reading_gate, several, which_order

Playbook = Callable[[CaseState, Policy], Plan]

PLAYBOOKS: dict[Category, Playbook] = {
    Category.payment_failure: pre.payment_failure,
    Category.fraud_hold: pre.fraud_hold,
    Category.address_issue: pre.address_issue,
    Category.inventory_mismatch: pre.inventory_mismatch,
    Category.split_shipment: pre.split_shipment,
    Category.fulfillment_delay: pre.fulfillment_delay,
    Category.change_request: pre.change_request,
    Category.threepl_exception: pre.threepl_exception,
    Category.delivery_exception: post.delivery_exception,
    Category.refund_request: post.refund_request,
    Category.concession_request: post.concession_request,
    Category.chargeback: post.chargeback,
}


def build_plan(case: CaseState, policy: Policy) -> Plan:
    """The playbook's plan, with a message only when every claim of its template holds (copilot/decide/claims.py)."""
    return claims.enforce(case, _decide(case, policy))


def _decide(case: CaseState, policy: Policy) -> Plan:
    if case.category is Category.needs_reading or (case.reading is not None and case.reading.read_by == "llm"
                                                   and case.reading.needs_reading):
        # The model's reading, once the records or the rules contradict it, is for a person to settle.
        return reading_gate.needs_reading(case)
    playbook = PLAYBOOKS.get(case.category)
    if playbook is None:
        raise InvalidInput(f"{case.category} cases are routed away, not planned")
    if case.payment is not None and case.payment.open_dispute:
        # Whatever was asked, an open dispute is finance's: evidence before the due date, no refund meanwhile.
        return post.chargeback(case, policy)
    if several.applies(case):
        # Several requests, or one reaching past the case's order: one plan over every order they touch.
        planned = several.plan_requests(case, policy)
        if planned is not None:
            return planned
    if choices.is_answer(case):
        return choices.plan_choice(case, policy)
    if which_order.applies(case):
        return which_order.which_order(case)
    reported = reading_gate.not_an_instruction(case)
    if reported is not None:
        return reported
    return playbook(case, policy)
