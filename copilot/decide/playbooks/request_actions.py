"""The actions one request of a ticket becomes: each instruction ("cancel #4002", "exchange the mug for the
blue one", "ship it to my office") is grounded in the customer's orders and turned into tool calls, each kept
only when the guardrails of the order it touches let it through. Requests planned earlier in the same ticket
are joined, not repeated (one refund, one exchange per order); what cannot be grounded becomes a note for a
person. Combining the requests into one plan is several.py's.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from copilot.core.policy import Policy
from copilot.decide import guardrails as g
from copilot.decide.messages import ChangeKind, ExchangeConfirmation, ListedChange, MessageContext, Scenario
from copilot.decide.plan import CaseState, Origin, ProposedAction, action
from copilot.decide.playbooks import clauses as cl
from copilot.decide.playbooks import grounding
from copilot.decide.playbooks import payment as pay
from copilot.decide.playbooks import targets as t
from copilot.decide.playbooks.common import first_name
from copilot.decide.playbooks.exchange import payment_method
from copilot.reading.model import Intent
from tools.schemas import Variant


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


def act(case: CaseState, policy: Policy, work: Work, intent: Intent, text: str, default: list[str]) -> bool:
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
