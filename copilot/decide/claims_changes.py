"""The claims of a changes summary: each change it lists is made by its own action of the plan (same kind, order,
items, new SKUs, amount, address or method), and each answer it gives states a gathered fact of the order it names.

A count of actions is not enough: "return the boots ($240.87 back)" beside a plan that refunds $120 on another
order lists as many changes as the plan makes and says something false. Each listed change takes one action, and
the words the customer reads must name what that action does.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from copilot.decide.messages import Answer, ChangeKind, ChangesSummary, ListedChange
from copilot.decide.plan import CONTACT_TOOLS, CaseState, OrderFacts, Plan, ProposedAction

TOOL_OF = {ChangeKind.cancel: "cancel_order", ChangeKind.return_items: "refund_payment",
           ChangeKind.change_item: "substitute_item", ChangeKind.exchange: "exchange_items",
           ChangeKind.ship_to: "update_address", ChangeKind.profile_address: "update_profile_address",
           ChangeKind.pay_with: "change_payment_method"}


def _facts(case: CaseState, order_id: str | None) -> OrderFacts | None:
    return next((o for o in case.all_orders if o.order.order.id == order_id), None)


def _line(facts: OrderFacts | None, line_no: int) -> Any:
    return next((ln for ln in facts.order.order.lines if ln.line_no == line_no), None) if facts else None


def _price(facts: OrderFacts | None, sku: str) -> Decimal | None:
    """A catalog variant's price from the inventory gathered for the order; None when it was not read."""
    return next((v.price for i in (facts.inventory if facts else []) for v in i.variants if v.sku == sku), None)


def _difference(facts: OrderFacts | None, swaps: list[tuple[int, str]]) -> Decimal | None:
    """What the swaps cost on top (negative: back to the customer); None when a price is not on record."""
    total = Decimal(0)
    for line_no, sku in swaps:
        line, price = _line(facts, line_no), _price(facts, sku)
        if line is None or price is None:
            return None
        total += (price - line.unit_price) * line.quantity
    return total


def _swaps(change: ListedChange, act: ProposedAction, facts: OrderFacts | None) -> str | None:
    args = act.args
    pairs = [(args.line_no, args.new_sku)] if act.tool == "substitute_item" else [  # type: ignore[attr-defined]
        (ln.line_no, ln.new_sku) for ln in args.lines]  # type: ignore[attr-defined]
    names = [getattr(_line(facts, no), "name", f"line {no}") for no, _ in pairs]
    if names != change.items or [sku for _, sku in pairs] != change.skus:
        return f"lists {change.items} to {change.skus}, the action swaps {names} to {[s for _, s in pairs]}"
    diff = _difference(facts, pairs)
    if diff is not None and diff != (change.amount or Decimal(0)):
        return f"states a difference of {change.amount or 0}, the catalog prices give {diff}"
    if diff is None and change.amount:
        return f"states a difference of {change.amount} that no price on record backs"
    return None


def _mismatch(case: CaseState, change: ListedChange, act: ProposedAction) -> str | None:
    """Why `act` is not the action `change` lists, or None when it is."""
    if act.tool != TOOL_OF[change.kind]:
        return f"a {change.kind.value} is not a {act.tool}"
    args = act.args
    if change.kind is not ChangeKind.profile_address and getattr(args, "order_id", None) != change.order_id:
        return f"names order {change.order_id}, the action is on {getattr(args, 'order_id', None)}"
    facts = _facts(case, change.order_id)
    if change.kind is ChangeKind.return_items:
        lines = [ln for ln in (facts.order.order.lines if facts else []) if ln.name in change.items]
        if {ln.name for ln in lines} != set(change.items):
            return f"names {change.items}, not all lines of {change.order_id}"
        worth = sum((ln.unit_price * ln.quantity for ln in lines), Decimal(0))
        if not (change.amount == args.amount == worth):  # type: ignore[attr-defined]
            return f"says {change.amount} back, the refund is {args.amount}, the lines are worth {worth}"  # type: ignore[attr-defined]
    if change.kind in (ChangeKind.change_item, ChangeKind.exchange):
        return _swaps(change, act, facts)
    if change.kind in (ChangeKind.ship_to, ChangeKind.profile_address) and args.address.line1 != change.target:  # type: ignore[attr-defined]
        return f"ships to {change.target}, the action to {args.address.line1}"  # type: ignore[attr-defined]
    if change.kind is ChangeKind.pay_with and args.payment_method_id != change.target:  # type: ignore[attr-defined]
        return f"pays with {change.target}, the action with {args.payment_method_id}"  # type: ignore[attr-defined]
    return None


def _words(change: ListedChange) -> str | None:
    """The line the customer reads names what the change says: its order, items and amount."""
    said = [change.order_id or "", *change.items, *([change.target] if change.kind is ChangeKind.ship_to else [])]
    if change.amount is not None:
        said.append(f"{abs(change.amount):,.2f}")
    missing = [w for w in said if w and w not in change.text]
    return f"'{change.text}' does not name {missing}" if missing else None


def changes_match(case: CaseState, plan: Plan, ctx: ChangesSummary) -> str | None:
    """Each listed change is one acting action of the plan that does what the line says; the changes left out
    (`more`) are actions too."""
    free = [a for a in plan.actions if a.tool not in CONTACT_TOOLS and a.tool != "escalate_case"]
    problems = []
    for change in ctx.changes:
        if (why := _words(change)) is not None:
            problems.append(why)
            continue
        fit = next((a for a in free if _mismatch(case, change, a) is None), None)
        if fit is None:
            whys = [w for a in free if (w := _mismatch(case, change, a)) is not None]
            problems.append(f"'{change.text}' is made by no action of the plan ({'; '.join(whys) or 'none left'})")
            continue
        free.remove(fit)
    if ctx.more > len(free):
        problems.append(f"{ctx.more} more changes counted, {len(free)} actions left")
    return "; ".join(problems) or None


def _answer_wrong(case: CaseState, answer: Answer) -> str | None:
    facts = _facts(case, answer.order_id)
    if facts is None or answer.order_id not in answer.text:
        return f"'{answer.text}' names order {answer.order_id}, which was not gathered"
    order = facts.order.order
    if answer.kind == "total":
        ok = answer.amount == order.total and f"${order.total:,.2f}" in answer.text
        return None if ok else f"'{answer.text}': the order's total on record is {order.total}"
    tracking = {f.tracking_number for f in facts.order.fulfillments if f.tracking_number}
    if answer.status != order.status or order.status.replace("_", " ") not in answer.text:
        return f"'{answer.text}': the order's status on record is {order.status}"
    if answer.tracking is not None and (answer.tracking not in tracking or answer.tracking not in answer.text):
        return f"'{answer.text}': tracking {answer.tracking} is not a fulfillment of the order"
    return None


def answers_hold(case: CaseState, plan: Plan, ctx: ChangesSummary) -> str | None:
    """Each answer states its order's status, tracking number or total as gathered."""
    return "; ".join(w for a in ctx.answers if (w := _answer_wrong(case, a)) is not None) or None
