"""Before any category's playbook: a ticket that names no order and fits several of the customer's orders gets
one ask, which order it is about; the reply links the case to it (copilot/workflow/replies.py) and it is planned again."""

from __future__ import annotations

from copilot.core.models import Disposition
from copilot.decide.messages import Scenario, WhichOrder
from copilot.decide.plan import CaseState, Plan
from copilot.decide.playbooks.common import first_name, language_for, message_action


def applies(case: CaseState) -> bool:
    return case.order is None and len(case.candidate_orders) >= 2 and case.ticket_id is not None


def which_order(case: CaseState) -> Plan:
    choices = [f"{c.order_id} ({', '.join(c.items[:3])}{', …' if len(c.items) > 3 else ''}; {c.status})"
               for c in case.candidate_orders]
    ctx = WhichOrder(first_name=first_name(case), choices=choices)
    listed = ", ".join(c.order_id for c in case.candidate_orders)
    language, notes = language_for(case, Scenario.which_order)
    return Plan(disposition=Disposition.needs_customer_decision, scenario=Scenario.which_order, message=ctx,
                actions=[message_action(case, Scenario.which_order, ctx, language)],
                ask="which order the request is about", language=language,
                reasons=[f"the ticket names no order and fits {len(choices)} of the customer's orders equally: {listed}",
                         *notes])
