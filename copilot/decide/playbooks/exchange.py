"""Exchanges of delivered items and profile address edits: which variant the ticket names, then one plan.

The wanted variant is read deterministically: option dicts the customer pasted ("to {'color': 'red'}"), or
option values of the same product named in the text ("with clicky switches"). Anything less certain asks.
"""

from __future__ import annotations

import ast
import re

from copilot.core.models import Disposition as D
from copilot.core.policy import Policy
from copilot.decide import guardrails as g
from copilot.decide import guardrails_exchange as gx
from copilot.decide.messages import (
    AddressConfirmation,
    AddressProblem,
    AddressUpdated,
    ExchangeConfirmation,
    ExchangeDetails,
    ProfileAddressUpdated,
    Scenario,
)
from copilot.decide.plan import CaseState, Plan, ProposedAction, action
from copilot.decide.playbooks.common import args_origin, context, escalate, one_line, order_of, plan
from tools.schemas import LineSnapshot, Variant

_DICT = re.compile(r"\{[^{}]*\}")
_VAGUE_VALUES = frozenset({"yes", "no", "none", "true", "false"})
_ORDER_TOO = re.compile(r"\borders?\b.{0,40}\baddress|\baddress\b.{0,40}\borders?\b", re.I)
_METHOD_WORDS = {"gift card": "gift_card", "paypal": "paypal", "credit card": "credit_card", "card": "credit_card"}


def _noun(name: str) -> str:
    """The head word of a product name ("Desk Lamp" -> "Lamp"), how customers tend to refer to it."""
    words = name.split()
    return words[-1] if words else name


def _text(case: CaseState) -> str:
    sig = case.signal
    return f"{sig.subject or ''}\n{sig.text or ''}" if sig else ""


def _family(case: CaseState, sku: str) -> list[Variant]:
    return next((i.variants for i in case.inventory if i.sku == sku), [])


def _options(case: CaseState, line: LineSnapshot) -> dict[str, str]:
    return next((v.options for v in _family(case, line.sku) if v.sku == line.sku), {})


def _pasted_wishes(case: CaseState, text: str) -> dict[int, dict[str, str]]:
    """Pairs of pasted option dicts, from -> to, matched to the order's lines in order (equal lines in turn)."""
    dicts = []
    for raw in _DICT.findall(text):
        try:
            value = ast.literal_eval(raw)
        except (ValueError, SyntaxError):
            continue
        if isinstance(value, dict):
            dicts.append({str(k): str(v) for k, v in value.items()})
    wishes: dict[int, dict[str, str]] = {}
    for old, new in zip(dicts[::2], dicts[1::2], strict=False):
        line = next((ln for ln in order_of(case).lines if ln.line_no not in wishes and _options(case, ln) == old), None)
        if line is not None:
            wishes[line.line_no] = new
    return wishes


def _named(text: str, value: str, key: str | None = None) -> bool:
    """The value as a whole word; a short or vague one ("L", "9", "no") only right after its option's name."""
    word = rf"(?<![\w-]){re.escape(value)}(?![\w-])"
    if len(value) < 3 or value.lower() in _VAGUE_VALUES:
        return key is not None and re.search(rf"\b{re.escape(key)}\s*:?\s*(?:of\s+|to\s+)?{word}", text, re.I) is not None
    return re.search(word, text, re.I) is not None


def _mentioned_wish(case: CaseState, line: LineSnapshot, text: str) -> dict[str, str] | None:
    """Option values of the line's product other than its own that the text names, one per option;
    None when it names several for one option ("8 bar, else 9 bar"): a person must ask which."""
    lines = order_of(case).lines
    if len(lines) > 1 and not (_named(text, line.name) or _named(text, _noun(line.name))):
        return {}
    current, wish, family = _options(case, line), {}, _family(case, line.sku)
    for key in sorted({k for v in family for k in v.options}):
        others = {v.options.get(key) for v in family} - {current.get(key), None}
        named = [value for value in others if value is not None and _named(text, value, key)]
        if len(named) > 1:
            return None
        if named:
            wish[key] = named[0]
    return wish


def _pick(case: CaseState, line: LineSnapshot, wish: dict[str, str]) -> Variant | None:
    """The one in-stock variant with the wished options, keeping the options not mentioned when possible."""
    current = _options(case, line)
    matches = [v for v in _family(case, line.sku)
               if v.sku != line.sku and all(v.options.get(k) == want for k, want in wish.items())]
    kept = [v for v in matches if all(v.options.get(k) == have for k, have in current.items() if k not in wish)]
    stocked = [v for v in (kept or matches) if v.sold and v.available >= line.quantity]
    return stocked[0] if len(stocked) == 1 else None


def resolve(case: CaseState) -> tuple[dict[int, Variant], list[LineSnapshot]]:
    """The variant wished for each line the ticket is about, and the lines it is about but leaves unclear."""
    req, text = case.request, _text(case)
    lines = {ln.line_no: ln for ln in order_of(case).lines}
    if req is not None and req.line_no is not None and req.line_no in lines and req.new_sku:
        found = next((v for v in _family(case, lines[req.line_no].sku) if v.sku == req.new_sku), None)
        return ({req.line_no: found}, []) if found else ({}, [lines[req.line_no]])
    wishes: dict[int, dict[str, str] | None] = dict(_pasted_wishes(case, text)) or {
        no: wish for no, ln in lines.items() if (wish := _mentioned_wish(case, ln, text)) != {}}
    chosen, unclear = {}, []
    for no, wish in sorted(wishes.items()):
        variant = _pick(case, lines[no], wish) if wish is not None else None
        if variant is None:
            unclear.append(lines[no])
        else:
            chosen[no] = variant
    return chosen, unclear


def payment_method(case: CaseState) -> str | None:
    """The method the ticket names by kind if the customer has exactly one such, else the order's own, else
    the customer's only one; None leaves the choice to the customer."""
    owned = case.customer.payment_method_ids if case.customer else []
    text = _text(case).lower()
    for words, prefix in _METHOD_WORDS.items():
        if words in text:
            kind = [m for m in owned if m.startswith(prefix)]
            if len(kind) == 1:
                return kind[0]
            break
    paid = [p.method for p in (case.payment.payments if case.payment else []) if p.method in owned]
    if paid:
        return paid[0]
    return owned[0] if len(owned) == 1 else None


def _ask(case: CaseState, reason: str, line: LineSnapshot | None = None) -> Plan:
    text, lines = _text(case), order_of(case).lines
    named = [ln for ln in lines if _named(text, ln.name) or _named(text, _noun(ln.name))]
    line = line or (named[0] if named else lines[0] if len(lines) == 1 else None)
    item = line.name if line else "item"
    return plan(case, D.needs_customer_decision, [], [reason], Scenario.exchange_details,
                context(case, ExchangeDetails, item_name=item), "Name the exact option wanted and the payment method")


def plan_exchange(case: CaseState, policy: Policy) -> Plan:
    order = order_of(case)
    if order.status != "delivered":
        reason = f"an exchange needs a delivered order; {order.id} is {order.status}"
        return plan(case, D.escalate, [escalate("lead", reason)], [reason])
    chosen, unclear = resolve(case)
    if unclear or not chosen:
        why = f"the wanted option of {unclear[0].name} is unclear or not in stock" if unclear \
            else "the ticket names no other option of an item on the order"
        return _ask(case, why, unclear[0] if unclear else None)
    method = payment_method(case)
    if method is None:
        return _ask(case, "no payment method of the customer's to settle the price difference")
    lines = [{"line_no": no, "new_sku": v.sku} for no, v in sorted(chosen.items())]
    swap = action("exchange", "exchange_items", {"order_id": order.id, "lines": lines, "payment_method_id": method},
                  args_origin(case))
    verdict = gx.rule_exchange(case, swap, policy)
    if verdict.outcome == "block":
        owner = verdict.role.value if verdict.role else "lead"
        return plan(case, D.escalate, [escalate(owner, verdict.reason)], [verdict.reason])
    return plan(case, D.fixable_now, [swap], [verdict.reason], Scenario.exchange_confirmation,
                context(case, ExchangeConfirmation, exchange=_describe(case, chosen),
                        difference=gx.exchange_difference(case, swap)),
                "Reply if anything about the exchange is wrong")


def _describe(case: CaseState, chosen: dict[int, Variant]) -> str:
    lines = {ln.line_no: ln for ln in order_of(case).lines}
    parts = []
    for no, variant in sorted(chosen.items()):
        changed = {k: v for k, v in variant.options.items() if _options(case, lines[no]).get(k) != v}
        parts.append(f"{lines[no].name} for the one with " + ", ".join(f"{k} {v}" for k, v in changed.items()))
    return "; ".join(parts)


def _order_address_too(case: CaseState, policy: Policy) -> list[ProposedAction]:
    """When the ticket also asks for the order's address, the same change on the order if the rules allow it."""
    req = case.request
    asked = case.signal is not None and _ORDER_TOO.search(case.signal.text or "")
    if req is None or req.new_address is None or case.order is None or not asked:
        return []
    update = action("address", "update_address", {"order_id": case.order.order.id, "address": req.new_address},
                    args_origin(case))
    return [update] if g.rule_address_change(case, update, policy).outcome == "allow" else []


def plan_profile_address(case: CaseState, policy: Policy) -> Plan:
    req, customer = case.request, case.customer
    new = req.new_address if req else None
    if customer is None:
        reason = "a profile edit needs the customer identified"
        return plan(case, D.escalate, [escalate("lead", reason)], [reason])
    if new is None:
        current = one_line(customer.address) if customer.address else "not on file"
        return plan(case, D.needs_customer_decision, [], ["no new address could be read from the ticket"],
                    Scenario.address_confirmation,
                    context(case, AddressConfirmation, address=current,
                            problem="we couldn't read the new address for your profile",
                            cause=AddressProblem.unreadable_request),
                    "Send the new address in full")
    update = action("profile", "update_profile_address", {"customer_id": customer.id, "address": new},
                    args_origin(case))
    verdict = gx.rule_profile_address(case, update, policy)
    if verdict.outcome == "block":
        owner = verdict.role.value if verdict.role else "lead"
        return plan(case, D.escalate, [escalate(owner, verdict.reason)], [verdict.reason])
    also = _order_address_too(case, policy)
    scenario, ctx = ((Scenario.address_updated, context(case, AddressUpdated, address=one_line(new))) if also
                     else (Scenario.profile_address_updated, context(case, ProfileAddressUpdated, address=one_line(new))))
    return plan(case, D.fixable_now, [update, *also], [verdict.reason], scenario, ctx,
                "Reply if the new address is wrong")

