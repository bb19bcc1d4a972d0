"""One plan for every request a ticket makes ("exchange the two items and change the address", "cancel one
order and return items of another"): each instruction is grounded in the customer's orders and becomes its
actions, each action under the guardrails of the order it touches. Questions are answered from the facts;
conditions and threats are reported to the agent; what cannot be grounded is left to a person, never guessed.

A condition that only says what to do when the request before it cannot be done ("if that's not possible,
cancel the whole order") is planned in that request's place when it could not be done.
"""

from __future__ import annotations

import re

from copilot.core.models import Disposition as D
from copilot.core.models import SignalKind
from copilot.core.policy import Policy
from copilot.decide.messages import Answer, ChangesSummary, Scenario
from copilot.decide.plan import CaseState, Plan, action
from copilot.decide.playbooks import answers
from copilot.decide.playbooks import clauses as cl
from copilot.decide.playbooks import targets as t
from copilot.decide.playbooks.common import first_name, message_action
from copilot.decide.playbooks.request_actions import Work, act
from copilot.reading.model import Intent, Mood, Request

ACTING = {Intent.cancel, Intent.change_items, Intent.exchange, Intent.return_refund, Intent.change_address,
          Intent.change_payment}
_FALLBACK = re.compile(r"\b(?:not possible|impossible|(?:can ?not|can'?t|cannot|unable to) (?:be )?(?:do|done|"
                       r"cancel|change|modify|remove|exchange|return)\w*|isn'?t (?:possible|available)|not available|"
                       r"(?:is|are) no\b|no way|any (?:issues?|problems?)|otherwise|if not\b)", re.I)
MAX_WORDS = 90


def applies(case: CaseState) -> bool:
    """A fresh ticket that asks for a change (plan_requests hands a single request on the customer's only order
    back to its category playbook)."""
    reading = case.reading
    if reading is None or reading.needs_reading or case.customer is None or case.signal is None \
            or case.signal.kind is not SignalKind.ticket:
        return False  # a reply answers the one ask (copilot/playbooks/choices.py)
    return any(r.intent in ACTING for r in reading.requests)


def _meant(case: CaseState) -> list[tuple[Request, str]]:
    """Each request with its words, less an item edit that names no item in a ticket that also cancels: "cancel
    #4002, I ordered it by mistake" gives the cancel's reason, not a second change (the whole order goes)."""
    assert case.reading is not None
    pairs = list(zip(case.reading.requests, cl.texts(case), strict=True))
    cancels = any(r.intent is Intent.cancel and r.mood is Mood.instruction for r, _ in pairs)
    if not cancels:
        return pairs
    statuses = tuple({o.order.order.status for o in case.all_orders})
    return [(r, text) for r, text in pairs
            if not (r.intent in (Intent.change_items, Intent.exchange)
                    and not t.named_lines(case.all_orders, text, statuses)[0])]


# A single request on the customer's only order that its category playbook already plans (and asks about
# when unclear) stays with it.
KEEP_PLAYBOOK = {Intent.cancel, Intent.change_address, Intent.change_payment}


def plan_requests(case: CaseState, policy: Policy) -> Plan | None:
    """The plan for every request, or None when nothing acting was read or a single request on the case's only
    order is its playbook's to plan (it asks the customer when something is unclear)."""
    assert case.reading is not None
    work = Work()
    default = [case.order_id] if case.order_id else []
    previous_failed, held, failed_from, acts = False, False, 0, 0
    answered: list[Answer] = []
    for request, text in _meant(case):
        acting = request.intent in ACTING
        if acting and request.mood is Mood.instruction:
            failed_from = len(work.notes)
            conditions = cl.conditions(text)
            parts = cl.clauses(request.intent, text)
            acts += len(parts)
            done = [act(case, policy, work, intent, part, default) for intent, part in parts]
            previous_failed = not all(done) or len(work.notes) > failed_from
            for condition in conditions:  # "... If that's not possible, cancel the whole order."
                previous_failed = _fallback(case, policy, work, condition, previous_failed, failed_from, default)
        elif acting and request.mood is Mood.condition and previous_failed and _FALLBACK.search(text):
            # The customer's own fallback replaces what could not be done: its notes are settled by it.
            done_fallback = act(case, policy, work, request.intent, text, work.unfinished or work.orders or default)
            previous_failed = not done_fallback
            if done_fallback:
                del work.notes[failed_from:]
        elif request.mood is Mood.question or request.intent in (Intent.question, Intent.where_is_order):
            answered += answers.answer(case, request, text, work.orders)
        elif acting:
            held = True
            work.notes.append(f"{request.mood.value}, not acted on: {text.strip()[:120]!r}")
    single = [r for r, _ in _meant(case) if r.intent in ACTING and r.mood is Mood.instruction]
    # One instruction (one clause) on the case's own order stays with its category playbook when the playbook
    # plans it as well (cancel, address, payment) or the planner could not do it all.
    own = case.order is not None and all(a.order_id == case.order_id for a in work.actions)
    if len(single) == 1 and acts == 1 and own and not answered and (single[0].intent in KEEP_PLAYBOOK or work.notes) \
            and not _pointed_elsewhere(case, work):
        return None
    if not work.actions:
        # One request its category playbook may still plan (it reads pasted options, asks the customer) goes
        # back to it; several that came to nothing go to a person with the reasons.
        return _held(work) if held or (work.notes and len(single) > 1) else None
    return _plan(case, work, answered)


def _pointed_elsewhere(case: CaseState, work: Work) -> bool:
    """The new address was found where the customer pointed (another order, their profile), which the address
    playbook cannot read: it only knows an address written out."""
    moved = any(a.tool == "update_address" for a in work.actions)
    return moved and not work.notes and (case.request is None or case.request.new_address is None)


def _fallback(case: CaseState, policy: Policy, work: Work, text: str, failed: bool, failed_from: int,
              default: list[str]) -> bool:
    """An if-sentence is acted on only when it is the customer's fallback for what could not be done; then the
    notes of that failure are settled by it. Returns whether the request still failed."""
    then = re.split(r",|\bthen\b", text, maxsplit=1)
    consequent = then[1] if len(then) > 1 else ""
    verb = re.search(r"\b(cancel|return|exchange|modify|change)\w*\b", consequent, re.I)
    if not failed or not _FALLBACK.search(then[0]) or verb is None:
        return failed
    intent = cl.VERB_INTENT[verb.group(1).lower()]
    done = act(case, policy, work, intent, consequent[verb.start():], work.unfinished or work.orders or default)
    if done:
        del work.notes[failed_from:]
    return not done


def _held(work: Work) -> Plan:
    """Nothing could be grounded, or only conditions, threats or what-ifs asked for changes: nothing runs, a
    person reads why."""
    reason = "; ".join(work.notes)[:500]
    return Plan(disposition=D.escalate, actions=[action("escalate", "escalate_case", {"owner": "lead",
                                                                                     "reason": reason})],
                reasons=[f"reported to the agent, not acted on: {n}" for n in work.notes])


def _plan(case: CaseState, work: Work, answered: list[Answer]) -> Plan:
    order_id = case.order_id or work.orders[0]
    only = work.confirms.get(work.actions[0].action_id) if len(work.actions) == 1 else None
    if only is not None and not work.notes and not answered and only[1].order_id == order_id:
        # One change on the case's order: its own confirmation, as the category playbook would draft it.
        scenario, confirm = only
        return Plan(disposition=D.fixable_now, actions=[*work.actions, message_action(case, scenario, confirm)],
                    scenario=scenario, message=confirm, ask="Reply if anything about the change is wrong",
                    reasons=[f"1 action grounded in the customer's order {order_id}"])
    ctx = ChangesSummary(first_name=first_name(case), order_id=order_id, changes=list(work.changes), answers=answered)
    ctx = _fit(case, ctx)
    reasons = [f"{len(work.actions)} action(s) grounded in the customer's orders: {', '.join(work.orders)}"]
    reasons += [f"left for a person: {n}" for n in work.notes]
    disposition = D.escalate if work.notes else D.fixable_now
    actions = list(work.actions)
    if work.notes:
        actions.append(action("escalate", "escalate_case", {"owner": "lead", "reason": "; ".join(work.notes)[:500]}))
    actions.append(message_action(case.for_order(order_id), Scenario.changes_summary, ctx))
    return Plan(disposition=disposition, actions=actions, scenario=Scenario.changes_summary, message=ctx,
                ask="Reply if anything is missing or wrong", reasons=reasons)


def _fit(case: CaseState, ctx: ChangesSummary) -> ChangesSummary:
    """At most 90 words: the first changes in full, the rest counted."""
    from copilot.decide.messages import render

    while len(render(Scenario.changes_summary, ctx).split()) > MAX_WORDS and (len(ctx.changes) > 1 or ctx.answers):
        if ctx.answers:
            ctx = ctx.model_copy(update={"answers": ctx.answers[:-1]})
            continue
        more = ctx.more + 1
        ctx = ctx.model_copy(update={"changes": ctx.changes[:-1], "more": more})
    return ctx
