"""What each customer-message template asserts, as typed preconditions checked against the gathered facts.

A template may be drafted only when every claim it makes holds on the case's facts and the plan's arguments
(DESIGN §7). A claim that is missing or contrary makes the draft impossible: `enforce` hands the case to a
person with the reason, keeping the plan's decisions for them to review.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from copilot.core.models import Disposition
from copilot.decide.claims_changes import answers_hold, changes_match
from copilot.decide.messages import AddressProblem, DelayCause, MessageContext, Scenario
from copilot.decide.plan import CONTACT_TOOLS, CaseState, Plan, ProposedAction, action
from tools.connectors.sandbox.world import Address

Check = Callable[[CaseState, Plan, Any], str | None]


@dataclass(frozen=True)
class Claim:
    says: str
    backed_by: str
    check: Check
    when: Callable[[Any], bool] = lambda ctx: True


# ---- facts the claims read ----------------------------------------------------------------------------

_LEFT = frozenset({"handed_off", "in_transit", "out_for_delivery", "delivered", "shipped", "returned",
                   "available_for_pickup", "exception", "failure", "return_to_sender"})


def left_warehouse(case: CaseState) -> bool:
    """A carrier has the parcel: handed off, shipped or delivered, or the carrier reported it moving."""
    order = case.order.order if case.order else None
    return (order is not None and order.status in ("shipped", "delivered")) or any(
        f.handed_off_at is not None or f.status in ("handed_off", "delivered") for f in case.fulfillments
    ) or any(e.status in _LEFT for e in case.shipment_events())


def home_warehouses(case: CaseState) -> set[str]:
    return {f.warehouse_id for f in case.fulfillments}


def available(case: CaseState, sku: str, where: set[str] | None = None) -> int | None:
    """Units of `sku` available (in `where`, else anywhere); None when its stock was not read."""
    inv = next((i for i in case.inventory if i.sku == sku), None)
    if inv is not None:
        return sum(s.available for s in inv.stock if where is None or s.warehouse_id in where)
    if where is None:
        variant = next((v for i in case.inventory for v in i.variants if v.sku == sku), None)
        return variant.available if variant is not None else None
    return None


def on_hand(case: CaseState, sku: str, where: set[str] | None = None) -> int | None:
    """Units on the shelf (the order's own reserved units included); None when its stock was not read."""
    inv = next((i for i in case.inventory if i.sku == sku), None)
    return sum(s.on_hand for s in inv.stock if where is None or s.warehouse_id in where) if inv is not None else None


def line_of(case: CaseState, sku: str) -> Any:
    lines = case.order.order.lines if case.order else []
    return next((ln for ln in lines if ln.sku == sku), None)


def one_line(address: Address) -> str:
    street = ", ".join(p for p in [address.line1, address.line2] if p)
    return f"{street}, {address.city}, {address.state} {address.zip}"


def _tools(plan: Plan, *names: str) -> list[ProposedAction]:
    return [a for a in plan.actions if a.tool in names]


def _fail(ok: bool, why: str) -> str | None:
    return None if ok else why


def _refundable(case: CaseState) -> Decimal:
    return max(Decimal(0), case.payment.captured - case.payment.refunded) if case.payment else Decimal(0)


def _captured(case: CaseState) -> Decimal:
    return case.payment.captured if case.payment else Decimal(0)


# ---- checks -------------------------------------------------------------------------------------------


def _order_is_case(case: CaseState, plan: Plan, ctx: MessageContext) -> str | None:
    return _fail(case.order_id is not None and ctx.order_id == case.order_id,
                 f"the message names order {ctx.order_id}, the case's order is {case.order_id}")


def _payment_failed(case: CaseState, plan: Plan, ctx: Any) -> str | None:
    pay = case.latest_payment
    return _fail(pay is not None and pay.status == "failed",
                 f"the payment is {pay.status if pay else 'not on record'}, not failed")


def _card_digits(case: CaseState, plan: Plan, ctx: Any) -> str | None:
    known = {p.last4 for p in (case.payment.payments if case.payment else []) if p.last4}
    return _fail(ctx.last4 in known, f"card ending {ctx.last4} is not a card on this order")


def _plan_has(*tools: str) -> Check:
    def check(case: CaseState, plan: Plan, ctx: Any) -> str | None:
        return _fail(bool(_tools(plan, *tools)), f"the plan has no {' or '.join(tools)} action")
    return check


def _not_shipped(case: CaseState, plan: Plan, ctx: Any) -> str | None:
    return _fail(not left_warehouse(case), "the order has already left the warehouse")


def _shipped(case: CaseState, plan: Plan, ctx: Any) -> str | None:
    return _fail(left_warehouse(case), "the order has not left the warehouse")


def _intercept_where(case: CaseState, plan: Plan, ctx: Any) -> str | None:
    return _shipped(case, plan, ctx) if ctx.left_warehouse else _not_shipped(case, plan, ctx)


def _refund_within(case: CaseState, plan: Plan, ctx: Any) -> str | None:
    amount = ctx.refund_amount
    return _fail(amount <= _refundable(case), f"promises {amount} back but only {_refundable(case)} is captured"
                                              " and not yet refunded")


def _nothing_captured(case: CaseState, plan: Plan, ctx: Any) -> str | None:
    return _fail(_refundable(case) == 0, f"says nothing is held or charged, but {_refundable(case)} is captured")


def _address_problem(case: CaseState, plan: Plan, ctx: Any) -> str | None:
    check = case.check_for(case.order.order.shipping_address) if case.order else None
    details = {e.status_detail for e in case.shipment_events()} | {case.signal.status_detail if case.signal else None}
    req = case.request
    backed = {
        AddressProblem.missing_unit: check is not None and check.missing_unit,
        AddressProblem.po_box: check is not None and check.po_box,
        AddressProblem.invalid: check is not None and not check.valid,
        AddressProblem.carrier_undeliverable: bool(details & {"address_not_found", "return_to_sender"}),
        AddressProblem.unreadable_request: req is not None and req.intent in (
            "change_address", "change_profile_address", "new_address"),
    }[ctx.cause]
    return _fail(backed, f"no fact shows the address problem '{ctx.cause.value}'")


def _address_on_record(case: CaseState, plan: Plan, ctx: Any) -> str | None:
    known = [a for a in [case.order.order.shipping_address if case.order else None,
                         case.customer.address if case.customer else None] if a is not None]
    return _fail(ctx.address in {one_line(a) for a in known} or ctx.address == "not on file",
                 f"the address shown ({ctx.address}) is not the order's or the profile's")


def _address_applied(case: CaseState, plan: Plan, ctx: Any) -> str | None:
    moved = {one_line(a.args.address) for a in _tools(plan, "update_address", "reroute_shipment")}  # type: ignore[attr-defined]
    kept = case.order is not None and bool(_tools(plan, "release_hold")) and \
        ctx.address == one_line(case.order.order.shipping_address)
    return _fail(ctx.address in moved or kept, f"no action of the plan ships to {ctx.address}")


def _profile_applied(case: CaseState, plan: Plan, ctx: Any) -> str | None:
    moved = {one_line(a.args.address) for a in _tools(plan, "update_profile_address")}  # type: ignore[attr-defined]
    return _fail(ctx.address in moved, f"no action of the plan sets the profile address to {ctx.address}")


def _item_short(case: CaseState, plan: Plan, ctx: Any) -> str | None:
    sku: str = getattr(ctx, "item_sku", None) or ctx.waiting_sku
    line = line_of(case, sku)
    if line is None:
        return f"{sku} is not on the order"
    name = getattr(ctx, "item_name", None) or getattr(ctx, "waiting_item", None)
    if name != line.name:
        return f"the message calls {sku} '{name}', the order line is '{line.name}'"
    here = available(case, sku, home_warehouses(case))
    reported = case.signal is not None and case.signal.kind == "threepl_exception" and case.signal.sku == sku
    if reported and hasattr(ctx, "waiting_sku"):
        return None  # the warehouse itself reported the item short: a delay is what it said, whatever the count
    return _fail(here == 0, f"{sku} has {here if here is not None else 'unread'} available at the order's warehouse")


def _substitute_fits(case: CaseState, plan: Plan, ctx: Any) -> str | None:
    inv = next((i for i in case.inventory if i.sku == ctx.item_sku), None)
    family = {v.sku for v in inv.variants} if inv else set()
    named = case.request is not None and case.request.new_sku == ctx.substitute_sku
    if ctx.substitute_sku not in family and not named:
        return f"{ctx.substitute_sku} is neither a variant of {ctx.item_sku} nor a product the customer named"
    stock = available(case, ctx.substitute_sku)
    return _fail(bool(stock), f"{ctx.substitute_sku} has nothing available")


def _ready_lines(case: CaseState, plan: Plan, ctx: Any) -> str | None:
    lines = case.order.order.lines if case.order else []
    ready = [ln for ln in lines if ln.sku != ctx.waiting_sku]
    short = [ln.sku for ln in ready if on_hand(case, ln.sku, home_warehouses(case)) == 0]
    count = sum(ln.quantity for ln in ready)
    if short:
        return f"says the other items are ready, but {', '.join(short)} is short too"
    return _fail(count == ctx.ready_count, f"says {ctx.ready_count} ready, the order has {count} other items")


def _delay_cause(case: CaseState, plan: Plan, ctx: Any) -> str | None:
    sig = case.signal
    code = (sig.exception_code or "").upper() if sig else ""
    cause: DelayCause = ctx.cause
    if cause in (DelayCause.out_of_stock, DelayCause.other_warehouse):
        if ctx.sku is None or line_of(case, ctx.sku) is None:
            return f"a stock delay names no item of the order ({ctx.sku})"
        if cause is DelayCause.out_of_stock:
            held, free = on_hand(case, ctx.sku), available(case, ctx.sku)
            return _fail(held == 0 or (free == 0 and held is not None),
                         f"{ctx.sku} has {held if held is not None else 'unread'} on hand: not out of stock")
        elsewhere = available(case, ctx.sku) or 0
        return _fail(elsewhere > (available(case, ctx.sku, home_warehouses(case)) or 0),
                     f"{ctx.sku} is not in stock at another warehouse")
    passed = any(f.cutoff_at is not None and f.cutoff_at <= case.now for f in case.fulfillments)
    backed = {DelayCause.cutoff_missed: "CUTOFF" in code or passed,
              DelayCause.backlog: "BACKLOG" in code,
              DelayCause.warehouse_problem: bool(code) and sig is not None and sig.kind == "threepl_exception",
              DelayCause.not_shipped: True}[cause]
    return _fail(backed, f"no warehouse or carrier fact shows '{cause.value}'")


def _delay_item(case: CaseState, plan: Plan, ctx: Any) -> str | None:
    line = line_of(case, ctx.sku) if ctx.sku else None
    return _fail(line is not None and line.name == ctx.stock_item,
                 f"names '{ctx.stock_item}', the order line of {ctx.sku} is '{line.name if line else 'missing'}'")


def _new_date(case: CaseState, plan: Plan, ctx: Any) -> str | None:
    promised = case.order.order.promised_by.date() if case.order and case.order.order.promised_by else None
    return _fail(ctx.new_date == promised, f"the date {ctx.new_date} is not the promised date on record")


def _carrier_reported(case: CaseState, event: str) -> str | None:
    seen = {e.status for e in case.shipment_events()} | {e.status_detail for e in case.shipment_events()}
    if case.signal is not None:
        seen |= {case.signal.tracking_status, case.signal.status_detail}
    return _fail(event in seen, f"no carrier event reports '{event}'")


def _carrier_event(case: CaseState, plan: Plan, ctx: Any) -> str | None:
    return _carrier_reported(case, ctx.event)


def _carrier_damage(case: CaseState, plan: Plan, ctx: Any) -> str | None:
    return _carrier_reported(case, "damaged")


def _item_on_order(case: CaseState, plan: Plan, ctx: Any) -> str | None:
    """The item named is a line of the order, or several joined ("A, B and C")."""
    rest = ctx.item_name
    for name in sorted({ln.name for ln in (case.order.order.lines if case.order else [])}, key=len, reverse=True):
        rest = rest.replace(name, "")
    return _fail(rest.replace(",", "").replace(" and ", "").strip() == "", f"'{ctx.item_name}' is not an item of the order")


def _reshipped_named(case: CaseState, plan: Plan, ctx: Any) -> str | None:
    lines = {ln.line_no: ln.name for ln in (case.order.order.lines if case.order else [])}
    wanted = [lines.get(n, f"line {n}") for a in _tools(plan, "reship_order") for n in a.args.line_nos]  # type: ignore[attr-defined]
    missing = [n for n in wanted if n not in ctx.item_name]
    extra = [n for n in lines.values() if n in ctx.item_name and n not in wanted]
    return _fail(not missing and not extra and bool(wanted),
                 f"reships {', '.join(wanted) or 'nothing'} but names '{ctx.item_name}'")


def _refund_amount(case: CaseState, plan: Plan, ctx: Any) -> str | None:
    planned = {a.args.amount for a in _tools(plan, "refund_payment")}  # type: ignore[attr-defined]
    if ctx.amount in planned:
        return None
    refunded = case.payment.refunded if case.payment else Decimal(0)
    ok = ctx.issued and Decimal(0) < ctx.amount <= refunded
    return _fail(ok, f"says {ctx.amount} {'issued' if ctx.issued else 'approved'}; refunded on record"
                     f" {refunded}, planned {sorted(planned) or 'none'}")


def _dispute_open(case: CaseState, plan: Plan, ctx: Any) -> str | None:
    found = bool(case.payment and case.payment.disputes) or bool(case.signal and case.signal.dispute_id)
    return _fail(found, "no dispute on record")


def _choices_are_candidates(case: CaseState, plan: Plan, ctx: Any) -> str | None:
    ids = {c.order_id for c in case.candidate_orders}
    return _fail(all(choice.split(" ")[0] in ids for choice in ctx.choices), "a choice is not one of the customer's orders")


def _delivered(case: CaseState, plan: Plan, ctx: Any) -> str | None:
    status = case.order.order.status if case.order else None
    return _fail(status == "delivered", f"the order is {status}, not delivered")


def _swap_named(case: CaseState, plan: Plan, ctx: Any) -> str | None:
    skus = [a.args.new_sku for a in _tools(plan, "substitute_item")]  # type: ignore[attr-defined]
    return _fail(all(s in ctx.change for s in skus), f"the change '{ctx.change}' does not name {skus}")


def _saved_methods(case: CaseState, plan: Plan, ctx: Any) -> str | None:
    return _fail(bool(case.customer and case.customer.payment_methods), "the customer has no saved payment method")


ORDER = Claim("the order number", "the case's order", _order_is_case)
CLAIMS: dict[Scenario, list[Claim]] = {
    Scenario.payment_update: [
        Claim("the payment didn't go through", "latest payment status is failed", _payment_failed),
        Claim("the card ending in N", "a payment on the order has those last four", _card_digits,
              lambda c: c.last4 is not None)],
    Scenario.payment_retry: [
        Claim("your bank couldn't complete the payment", "latest payment status is failed", _payment_failed),
        Claim("we'll try the charge again", "the plan retries the payment", _plan_has("retry_payment")),
        Claim("the card ending in N", "a payment on the order has those last four", _card_digits,
              lambda c: c.last4 is not None)],
    Scenario.order_verification: [Claim("before we ship it", "the order has not left the warehouse", _not_shipped)],
    Scenario.address_confirmation: [
        Claim("what is wrong with the address", "the validator's or carrier's finding named by `cause`",
              _address_problem),
        Claim("the address we have", "the order's shipping address or the profile's", _address_on_record)],
    Scenario.address_updated: [Claim("we've updated the shipping address to A",
                                     "the plan's update/reroute to A (or release of the confirmed A)", _address_applied)],
    Scenario.profile_address_updated: [Claim("we've updated your profile address to A",
                                             "the plan's profile update to A", _profile_applied)],
    Scenario.substitute_offer: [
        Claim("the item is out of stock", "its SKU has nothing available at the order's warehouse", _item_short),
        Claim("we can send the substitute", "a variant of the same product, or the product the customer named,"
              " with stock", _substitute_fits)],
    Scenario.split_offer: [
        Claim("the waiting item is delayed", "its SKU has nothing available at the order's warehouse", _item_short),
        Claim("N items are ready to ship", "the other lines' quantities, none short", _ready_lines)],
    Scenario.delay_notice: [
        Claim("why the order is late", "the stock, warehouse or cutoff fact named by `cause`", _delay_cause),
        Claim("the item that is out of stock", "the order line of the SKU", _delay_item,
              lambda c: c.stock_item is not None),
        Claim("it should arrive by D", "the promised date on record", _new_date, lambda c: c.new_date is not None),
        Claim("we'll send tracking as soon as it ships", "the order has not left the warehouse", _not_shipped,
              lambda c: c.new_date is None)],
    Scenario.delivery_update: [
        Claim("the carrier reports …", "the order left the warehouse", _shipped),
        Claim("the package is delayed / held", "a carrier event with that status", _carrier_event)],
    Scenario.refund_status: [Claim("a refund of $X was issued / approved",
                                   "refunded on record ≥ X, or the plan's refund of X", _refund_amount)],
    Scenario.cancel_confirmation: [
        Claim("the order is cancelled", "the plan cancels it", _plan_has("cancel_order")),
        Claim("$X is on its way back", "X ≤ captured − refunded", _refund_within,
              lambda c: c.refund_amount is not None),
        Claim("any pending charge has been released", "nothing captured and unrefunded", _nothing_captured,
              lambda c: c.refund_amount is None)],
    Scenario.intercept_notice: [
        Claim("we've asked to stop / send back the parcel", "the plan intercepts it", _plan_has("intercept_shipment")),
        Claim("it had left our warehouse / was being packed", "handoff facts agree with `left_warehouse`",
              _intercept_where),
        Claim("we'll refund $X", "X ≤ captured − refunded", _refund_within, lambda c: c.refund_amount is not None),
        Claim("nothing was charged", "nothing captured and unrefunded", _nothing_captured,
              lambda c: c.refund_amount is None)],
    Scenario.change_confirmation: [Claim("the change we made", "the plan's substitute SKU", _swap_named)],
    Scenario.change_details: [Claim("we can still change it before it ships", "the order has not left the warehouse",
                                    _not_shipped)],
    Scenario.reship_offer: [
        Claim("the item", "a line of the order", _item_on_order),
        Claim("was damaged in transit", "a carrier event reports damage", _carrier_damage)],
    Scenario.reship_notice: [
        Claim("we're sending a replacement", "the plan reships", _plan_has("reship_order")),
        Claim("the items replaced", "exactly the reshipped lines' names", _reshipped_named)],
    Scenario.claim_review: [Claim("the item", "a line of the order", _item_on_order),
                            Claim("we're looking into it with the carrier", "the order left the warehouse", _shipped)],
    Scenario.dispute_ack: [Claim("your bank opened a dispute", "a dispute on the payment or the signal", _dispute_open)],
    Scenario.exchange_confirmation: [Claim("we've set up the exchange", "the plan exchanges items",
                                           _plan_has("exchange_items"))],
    Scenario.exchange_details: [Claim("the item", "a line of the order", _item_on_order),
                                Claim("we can exchange it", "the order was delivered", _delivered)],
    Scenario.changes_summary: [
        Claim("we've prepared these changes", "one acting action per change listed, of its kind, on its order, with"
              " its items, new SKUs, amount, address or method", changes_match),
        Claim("order N is S / tracking T / totals $X", "the named order's gathered status, fulfillment tracking"
              " number or total", answers_hold, lambda c: bool(c.answers))],
    Scenario.which_order: [Claim("the orders listed", "the customer's candidate orders", _choices_are_candidates)],
    Scenario.payment_method_changed: [Claim("the order is now paid with M", "the plan changes the payment method",
                                            _plan_has("change_payment_method"))],
    Scenario.payment_method_choice: [Claim("your other saved methods", "the customer's saved payment methods",
                                           _saved_methods)],
}


def unbacked(case: CaseState, plan: Plan) -> list[str]:
    """Each claim of the plan's message that the facts or the plan's arguments do not back, with why."""
    if plan.scenario is None or plan.message is None:
        return []
    claims = CLAIMS.get(plan.scenario, [])
    if plan.scenario is not Scenario.which_order:
        claims = [ORDER, *claims]
    return [f"'{c.says}' ({c.backed_by}): {why}" for c in claims
            if c.when(plan.message) and (why := c.check(case, plan, plan.message)) is not None]


def enforce(case: CaseState, plan: Plan) -> Plan:
    """The plan as is when its message says only what holds; else no draft, and a person takes the case."""
    problems = unbacked(case, plan)
    if not problems:
        return plan
    reason = f"the {plan.scenario.value if plan.scenario else ''} draft is impossible: " + "; ".join(problems)
    kept = [a for a in plan.actions if a.tool not in CONTACT_TOOLS and a.tool != "escalate_case"]
    owned = [a.args for a in plan.actions if a.tool == "escalate_case"]
    esc = action("escalate", "escalate_case", {"owner": owned[0].owner if owned else "lead",  # type: ignore[attr-defined]
                                               "reason": f"{owned[0].reason}; {reason}" if owned else reason})  # type: ignore[attr-defined]
    return Plan(disposition=Disposition.escalate, actions=[*kept, esc], reasons=[*plan.reasons, reason])
