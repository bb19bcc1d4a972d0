"""Rules 6b and 8b: exchanges of delivered items and profile address edits (tau2 retail policy).

Pure like the rules of copilot/decide/guardrails.py, registered there on import.
"""

from __future__ import annotations

from decimal import Decimal

from copilot.core.policy import Policy
from copilot.decide.plan import CaseState, ProposedAction, Verdict
from copilot.decide.rules import allow, approve, block, rule
from tools.schemas import ExchangeItemsInput, UpdateProfileAddressInput


def exchange_difference(case: CaseState, action: ProposedAction) -> Decimal:
    """New minus old price over the exchanged lines, from the located variants."""
    lines = {ln.line_no: ln for ln in (case.order.order.lines if case.order else [])}
    prices = {v.sku: v.price for i in case.inventory for v in i.variants}
    return sum(((prices[x.new_sku] - lines[x.line_no].unit_price) * lines[x.line_no].quantity
                for x in action.args_as(ExchangeItemsInput).lines if x.line_no in lines and x.new_sku in prices),
               Decimal(0))


def _exchange_problems(case: CaseState, action: ProposedAction) -> list[str]:
    lines = {ln.line_no: ln for ln in (case.order.order.lines if case.order else [])}
    problems = []
    for wanted in action.args_as(ExchangeItemsInput).lines:
        line = lines.get(wanted.line_no)
        if line is None:
            problems.append(f"line {wanted.line_no} is not on the order")
            continue
        family = {v.sku: v for i in case.inventory if i.sku == line.sku for v in i.variants}
        new = family.get(wanted.new_sku)
        if new is None:
            problems.append(f"{wanted.new_sku} is not a located variant of {line.sku} ({line.name})")
        elif new.sku == line.sku:
            problems.append(f"{new.sku} is the variant already delivered")
        elif not new.sold or new.available < line.quantity:
            problems.append(f"{new.sku} is not available ({new.available} in stock)")
    return problems


@rule("exchange", {"exchange_items"})
def rule_exchange(case: CaseState, action: ProposedAction, policy: Policy) -> Verdict:
    p, rid = policy.exchange, "exchange"
    if case.order is None or case.payment is None:
        return block(rid, "no order or payment facts to check the exchange against")
    status = case.order.order.status
    if status not in p.exchangeable_statuses:
        hint = "; edit the order instead" if status in ("pending", "processing") else ""
        return block(rid, f"order is {status}: only {' or '.join(p.exchangeable_statuses)} orders are exchanged{hint}")
    if case.payment.open_dispute:
        return block(rid, "a dispute is open on this order: no exchange while it is open", p.lead_role)
    problems = _exchange_problems(case, action)
    if problems:
        return block(rid, "; ".join(problems))
    method = action.args_as(ExchangeItemsInput).payment_method_id
    if case.customer is None or method not in case.customer.payment_method_ids:
        return block(rid, f"payment method {method} is not one the customer owns")
    diff = exchange_difference(case, action)
    if abs(diff) > p.lead_above:
        return approve(rid, p.lead_role, f"price difference {diff} is beyond {p.lead_above} either way")
    return allow(rid, f"same product, in stock, delivered order; price difference {diff}")


@rule("profile_address", {"update_profile_address"})
def rule_profile_address(case: CaseState, action: ProposedAction, policy: Policy) -> Verdict:
    rid, owner = "profile_address", policy.profile_address.escalate_to
    customer, email = case.customer, case.identified_email
    if customer is None or email is None or customer.email.lower() != email:
        return block(rid, "identity not verified: the profile is not the one of the customer who wrote in", owner)
    args = action.args_as(UpdateProfileAddressInput)
    if args.customer_id != customer.id:
        return block(rid, f"targets profile {args.customer_id}, not {customer.id} who wrote in", owner)
    new = args.address
    if customer.address is not None and new.country != customer.address.country:
        return block(rid, f"changes the country from {customer.address.country} to {new.country}")
    if new == customer.address:
        return block(rid, "that is already the address on the profile")
    check = case.check_for(new)
    if check is not None and case.unlisted_zip_on_record(new, check):
        return approve(rid, owner, f"{check.reason}, but the customer has this address on record: a person confirms it")
    if check is None or not check.valid:
        why = "was not validated" if check is None else f"does not validate: {check.reason or ', '.join(check.issues)}"
        return block(rid, f"the new address {why}")
    return allow(rid, "verified customer, validated address, same country")
