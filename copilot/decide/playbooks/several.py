"""One plan for every request a ticket makes ("exchange the two items and change the address", "cancel one
order and return items of another"): each instruction is grounded in the customer's orders and becomes its
actions, each action under the guardrails of the order it touches. Questions are answered from the facts;
conditions and threats are reported to the agent; what cannot be grounded is left to a person, never guessed.

A condition that only says what to do when the request before it cannot be done ("if that's not possible,
cancel the whole order") is planned in that request's place when it could not be done.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal

from copilot.core.models import Disposition as D
from copilot.core.models import SignalKind
from copilot.core.policy import Policy
from copilot.decide import guardrails as g
from copilot.decide.messages import (
    Answer,
    ChangeKind,
    ChangesSummary,
    ExchangeConfirmation,
    ListedChange,
    MessageContext,
    Scenario,
)
from copilot.decide.plan import CaseState, Origin, Plan, ProposedAction, action
from copilot.decide.playbooks import answers, grounding
from copilot.decide.playbooks import clauses as cl
from copilot.decide.playbooks import payment as pay
from copilot.decide.playbooks import targets as t
from copilot.decide.playbooks.common import first_name, message_action
from copilot.decide.playbooks.exchange import payment_method
from copilot.reading.model import Intent, Mood, Request
from tools.schemas import Variant

ACTING = {Intent.cancel, Intent.change_items, Intent.exchange, Intent.return_refund, Intent.change_address,
          Intent.change_payment}
_FALLBACK = re.compile(r"\b(?:not possible|impossible|(?:can ?not|can'?t|cannot|unable to) (?:be )?(?:do|done|"
                       r"cancel|change|modify|remove|exchange|return)\w*|isn'?t (?:possible|available)|not available|"
                       r"(?:is|are) no\b|no way|any (?:issues?|problems?)|otherwise|if not\b)", re.I)
MAX_WORDS = 90


@dataclass
class Work:
    actions: list[ProposedAction] = field(default_factory=list)
    changes: list[ListedChange] = field(default_factory=list)  # what the customer is told, one line per action
    notes: list[str] = field(default_factory=list)  # what a person must look at
    orders: list[str] = field(default_factory=list)
    unfinished: list[str] = field(default_factory=list)  # orders a request could not (fully) be done on
    # The dedicated confirmation of an action, used when it is the plan's only one (it says more than a line).
    confirms: dict[str, tuple[Scenario, MessageContext]] = field(default_factory=dict)
    returned: dict[str, list[t.Named]] = field(default_factory=dict)  # the lines each planned refund covers
    exchanged: dict[str, list[tuple[t.Named, Variant]]] = field(default_factory=dict)  # and each exchange


def applies(case: CaseState) -> bool:
    """A fresh ticket that asks for a change (plan_requests hands a single request on the customer's only order
    back to its category playbook)."""
    reading = case.reading
    if reading is None or reading.needs_reading or case.customer is None or case.signal is None \
            or case.signal.kind is not SignalKind.ticket:
        return False  # a reply answers the one ask (copilot/playbooks/choices.py)
    return any(r.intent in ACTING for r in reading.requests)


def _checked(case: CaseState, policy: Policy, work: Work, act: ProposedAction, change: ListedChange) -> bool:
    """Keep the action unless a guardrail on the order it touches blocks it; then a person gets the reason."""
    if any(a.tool == act.tool and a.args.model_dump() == act.args.model_dump() for a in work.actions):
        return True  # asked twice ("cancel it ... yes, cancel that order"): planned once
    verdict = g.combine(g.evaluate_action(case.for_order(act.order_id), act, policy))
    if verdict.outcome == "block":
        work.notes.append(f"{act.tool} on {act.order_id} not proposed: {verdict.rule_id}: {verdict.reason}")
        return False
    work.actions.append(act)
    work.changes.append(change)
    if act.order_id and act.order_id not in work.orders:
        work.orders.append(act.order_id)
    return True


def _id(work: Work, stem: str) -> str:
    """The playbooks' action id for the first action of its kind (its idempotency key reads the same whichever
    planned it); a numbered one for the next."""
    taken = {a.action_id for a in work.actions}
    return stem if stem not in taken else f"{stem}-{len(work.actions) + 1}"


def _cancel(case: CaseState, policy: Policy, work: Work, text: str, default: list[str]) -> bool:
    found = grounding.ground_cancel(case, text, default)
    work.notes += found.notes
    work.unfinished += found.unfinished
    done = False
    for oid in found.orders:
        act = action(_id(work, "cancel"), "cancel_order", {"order_id": oid, "reason": "customer requested"},
                     Origin.ticket)
        done |= _checked(case, policy, work, act, ListedChange(kind=ChangeKind.cancel, order_id=oid,
                                                               text=f"cancel order {oid}"))
    return done


def _return(case: CaseState, policy: Policy, work: Work, text: str, default: list[str]) -> bool:
    found = grounding.ground_lines(case, text, grounding.RECEIVED, default, want_variant=False,
                                   context=case.reading.text if case.reading else "")
    work.notes += found.notes
    done = False
    for oid, named in found.lines.items():
        # One return of an order is one refund: items named again ("first the skateboard, then the hose"), or in
        # another request of the ticket, join the refund already planned on that order instead of a second one.
        lines = {n.line.line_no: n.line for n in [*work.returned.get(oid, []), *named]}
        if oid in work.returned and set(lines) == {n.line.line_no for n in work.returned[oid]}:
            done = True
            continue
        _drop(work, "refund_payment", oid)
        amount = sum((ln.unit_price * ln.quantity for ln in lines.values()), Decimal(0))
        act = action(_id(work, "return"), "refund_payment", {"order_id": oid, "amount": amount, "reason": "return"},
                     Origin.ticket)
        names = ", ".join(ln.name for ln in lines.values())
        if _checked(case, policy, work, act, ListedChange(
                kind=ChangeKind.return_items, order_id=oid, items=[ln.name for ln in lines.values()], amount=amount,
                text=f"return {names} from {oid} ({amount:,.2f} back once received)")):
            work.returned[oid] = [*work.returned.get(oid, []), *named]
            done = True
    return done


def _drop(work: Work, tool: str, oid: str) -> None:
    """The refund or exchange planned earlier on an order, replaced by one over every line it covers now."""
    for i, act in enumerate(work.actions):
        if act.tool == tool and act.order_id == oid:
            del work.actions[i]
            del work.changes[i]
            work.confirms.pop(act.action_id, None)
            return


def _swap(case: CaseState, policy: Policy, work: Work, text: str, default: list[str], delivered: bool) -> bool:
    statuses = grounding.RECEIVED if delivered else grounding.OPEN
    found = grounding.ground_lines(case, text, statuses, default, want_variant=True)
    work.notes += found.notes
    work.unfinished += [oid for oid, lines in found.lines.items()
                        if any((oid, n.line.line_no) not in found.variants for n in lines)]
    done = False
    for oid, lines in found.lines.items():
        chosen = [(n, found.variants[(oid, n.line.line_no)]) for n in lines if (oid, n.line.line_no) in found.variants]
        if not chosen:
            continue
        chosen = _settled(work, oid, chosen, "substitute_item" if not delivered else "exchange_items")
        if not delivered:
            for n, variant in chosen:
                act = action(_id(work, "swap"), "substitute_item", {"order_id": oid, "line_no": n.line.line_no,
                                                                   "new_sku": variant.sku}, Origin.ticket)
                done |= _checked(case, policy, work, act, ListedChange(
                    kind=ChangeKind.change_item, order_id=oid, items=[n.line.name], skus=[variant.sku],
                    amount=_diff([(n, variant)]) or None,
                    text=f"change {n.line.name} on {oid} to {_options(variant)}{_difference([(n, variant)])}"))
            continue
        method = payment_method(case.for_order(oid))
        if method is None:
            work.notes.append(f"no payment method of the customer's to settle the exchange on {oid}")
            continue
        # One exchange per order: the lines of an exchange planned before on it join this one.
        before = work.exchanged.get(oid, [])
        chosen = [*before, *[(n, v) for n, v in chosen if all(n.line.line_no != b.line.line_no for b, _ in before)]]
        if not chosen or len(chosen) == len(before):
            done = done or bool(chosen)
            continue
        if before:
            _drop(work, "exchange_items", oid)
        act = action(_id(work, "exchange"), "exchange_items", {
            "order_id": oid, "payment_method_id": method,
            "lines": [{"line_no": n.line.line_no, "new_sku": v.sku} for n, v in chosen]}, Origin.ticket)
        if _checked(case, policy, work, act, ListedChange(
                kind=ChangeKind.exchange, order_id=oid, items=[n.line.name for n, _ in chosen],
                skus=[v.sku for _, v in chosen], amount=_diff(chosen) or None,
                text="exchange " + "; ".join(f"{n.line.name} for {_options(v)}" for n, v in chosen)
                + f" ({oid}{_difference(chosen)})")):
            done = True
            work.exchanged[oid] = chosen
            work.confirms[act.action_id] = (Scenario.exchange_confirmation, _exchange_confirmation(case, oid, chosen))
    return done


def _settled(work: Work, oid: str, chosen: list[tuple[t.Named, Variant]], tool: str) -> list[tuple[t.Named, Variant]]:
    """A line another request of the ticket already changes to a different variant is not the planner's to pick
    between: both go, and a person reads the two wishes."""
    planned: dict[int, str] = {n.line.line_no: v.sku for n, v in work.exchanged.get(oid, [])}
    planned |= {a.args.model_dump()["line_no"]: a.args.model_dump()["new_sku"] for a in work.actions
                if a.tool == "substitute_item" and a.order_id == oid}
    clash = {n.line.line_no for n, v in chosen if planned.get(n.line.line_no, v.sku) != v.sku}
    for n, _ in chosen:
        if n.line.line_no in clash:
            work.notes.append(f"{n.line.name} ({oid}) is asked to become two different variants")
            work.exchanged[oid] = [(b, v) for b, v in work.exchanged.get(oid, []) if b.line.line_no not in clash]
            for i in reversed(range(len(work.actions))):
                a = work.actions[i]
                if a.tool == "substitute_item" and a.order_id == oid and a.args.model_dump()["line_no"] in clash:
                    del work.actions[i], work.changes[i]
    if clash and tool == "exchange_items" and oid in work.exchanged:
        _drop(work, "exchange_items", oid)  # re-planned below over the lines left
        work.exchanged[oid], left = [], work.exchanged[oid]
        return [*left, *[(n, v) for n, v in chosen if n.line.line_no not in clash]]
    return [(n, v) for n, v in chosen if n.line.line_no not in clash]


def _exchange_confirmation(case: CaseState, oid: str, chosen: list[tuple[t.Named, Variant]]) -> ExchangeConfirmation:
    facts = next(o for o in case.all_orders if o.order.order.id == oid)
    parts = []
    for n, v in chosen:
        was = t.line_options(facts, n.line)
        changed = {k: val for k, val in v.options.items() if was.get(k) != val} or v.options
        parts.append(f"{n.line.name} for the one with " + ", ".join(f"{k} {val}" for k, val in changed.items()))
    diff = sum(((v.price - n.line.unit_price) * n.line.quantity for n, v in chosen), Decimal(0))
    return ExchangeConfirmation(first_name=first_name(case), order_id=oid, exchange="; ".join(parts), difference=diff)


def _diff(chosen: list[tuple[t.Named, Variant]]) -> Decimal:
    return sum(((v.price - n.line.unit_price) * n.line.quantity for n, v in chosen), Decimal(0))


def _difference(chosen: list[tuple[t.Named, Variant]]) -> str:
    """The price difference the customer is told about: what they pay on top, or get back."""
    diff = _diff(chosen)
    if diff == 0:
        return ""
    return f"; ${diff:,.2f} more to pay" if diff > 0 else f"; ${-diff:,.2f} back to you"


def _received_first(case: CaseState, text: str, default: list[str], intent: Intent) -> bool:
    """Whether the items are those received (an exchange) or not yet shipped (an edit): the status the intent
    implies when the named items are there, else the other."""
    order = [True, False] if intent is Intent.exchange else [False, True]
    scope = [o for o in case.all_orders if not grounding.named_order_ids(case, text)
             or o.order.order.id in grounding.named_order_ids(case, text)]
    for delivered in order:
        if t.named_lines(scope, text, grounding.RECEIVED if delivered else grounding.OPEN, default)[0]:
            return delivered
    return order[0]


def _options(variant: object) -> str:
    options = getattr(variant, "options", {})
    return " / ".join(str(v) for v in options.values()) or str(getattr(variant, "sku", ""))


def _address(case: CaseState, policy: Policy, work: Work, text: str, default: list[str]) -> bool:
    found = grounding.ground_address(case, text, default, case.reading.text if case.reading else "")
    work.notes += found.notes
    if found.address is None:
        return False
    done = False
    if found.profile and case.customer is not None:
        act = action(_id(work, "profile"), "update_profile_address",
                     {"customer_id": case.customer.id, "address": found.address}, Origin.ticket)
        done |= _checked(case, policy, work, act, ListedChange(
            kind=ChangeKind.profile_address, target=found.address.line1,
            text="update the default address on your profile"))
    for oid in found.orders:
        act = action(_id(work, "address"), "update_address", {"order_id": oid, "address": found.address},
                     Origin.ticket)
        done |= _checked(case, policy, work, act, ListedChange(
            kind=ChangeKind.ship_to, order_id=oid, target=found.address.line1,
            text=f"ship order {oid} to {found.address.line1}, {found.address.city}"))
    return done


def _payment(case: CaseState, policy: Policy, work: Work, text: str, default: list[str]) -> bool:
    done = False
    for oid in grounding.named_order_ids(case, text) or default:
        view = case.for_order(oid)
        method, _ = pay.named_method(view, text)
        if method is None:
            work.notes.append(f"which saved payment method should pay {oid} is not clear")
            continue
        act = action(_id(work, "payment"), "change_payment_method", {"order_id": oid, "payment_method_id": method.id},
                     Origin.ticket)
        done |= _checked(case, policy, work, act, ListedChange(
            kind=ChangeKind.pay_with, order_id=oid, target=method.id,
            text=f"pay order {oid} with {pay.gp.method_label(method)}"))
    return done


def _act(case: CaseState, policy: Policy, work: Work, intent: Intent, text: str, default: list[str]) -> bool:
    if intent in (Intent.cancel, Intent.return_refund) and cl.EITHER.search(text):
        # "Cancel or return everything": what has not shipped is cancelled, what arrived is returned.
        cancelled = _cancel(case, policy, work, text, [])
        return _return(case, policy, work, text, default) or cancelled
    if intent is Intent.cancel:
        return _cancel(case, policy, work, text, default)
    if intent is Intent.return_refund:
        return _return(case, policy, work, text, default)
    if intent in (Intent.exchange, Intent.change_items):
        # The order decides: a received item is exchanged, one not yet shipped is changed on the order.
        return _swap(case, policy, work, text, default, delivered=_received_first(case, text, default, intent))
    if intent is Intent.change_address:
        return _address(case, policy, work, text, default)
    if intent is Intent.change_payment:
        return _payment(case, policy, work, text, default)
    return False


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
            done = [_act(case, policy, work, intent, part, default) for intent, part in parts]
            previous_failed = not all(done) or len(work.notes) > failed_from
            for condition in conditions:  # "... If that's not possible, cancel the whole order."
                previous_failed = _fallback(case, policy, work, condition, previous_failed, failed_from, default)
        elif acting and request.mood is Mood.condition and previous_failed and _FALLBACK.search(text):
            # The customer's own fallback replaces what could not be done: its notes are settled by it.
            done_fallback = _act(case, policy, work, request.intent, text, work.unfinished or work.orders or default)
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
    done = _act(case, policy, work, intent, consequent[verb.start():], work.unfinished or work.orders or default)
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
