"""A reading the LLM made, checked by the deterministic grounding: every order, item, variant, address and
payment method it read is looked up in the customer's orders, the catalog and their profile. What the records
do not hold is dropped and said; where the model and the rules read different requests, that is said too.

The model's shape (`ModelReading`) lives here so the reading package owns it; copilot/decide/llm_reader.py
asks the model for it.
"""

from __future__ import annotations

import re

from pydantic import Field

from copilot.core.models import Strict
from copilot.reading.grounding import OrderFacts, World, unknown_of
from copilot.reading.identify import normalize_order_id
from copilot.reading.model import (
    AddressArg,
    Evidence,
    Intent,
    ItemArg,
    Mood,
    OrderArg,
    OutOfScope,
    PaymentArg,
    Reading,
    Request,
    TargetArg,
)
from copilot.reading.products import called, keys_of, product_named, words
from copilot.reading.routing import category_for
from copilot.reading.text import fold
from tools.address import validate_address_text
from tools.connectors.sandbox.world import Address


class ModelOption(Strict):
    option: str = Field(max_length=40)
    value: str = Field(max_length=60)


class ModelRequest(Strict):
    """One request as the model read it: words, not yet ids."""

    intent: Intent
    mood: Mood
    order_id: str | None = Field(default=None, max_length=20)
    items: list[str] = Field(default_factory=list, max_length=8)
    target: list[ModelOption] = Field(default_factory=list, max_length=4)
    new_address: str | None = Field(default=None, max_length=200)
    payment: str | None = Field(default=None, max_length=60)


class ModelReading(Strict):
    language: str = Field(max_length=8)
    out_of_scope: str | None = Field(default=None, max_length=80)
    requests: list[ModelRequest] = Field(default_factory=list, max_length=6)


def checked(model: ModelReading, rules: Reading, world: World) -> Reading:
    """The model's reading in the typed Reading, grounded; `disagreements` lists what the records or the rules
    contradict. Any disagreement holds the reading for a person."""
    said: list[str] = []
    requests = [_request(n, asked, rules.text, world, said) for n, asked in enumerate(model.requests, 1)]
    said += _against_rules(requests, rules)
    if model.language.lower()[:2] != rules.language:
        said.append(f"the model read the language as {model.language!r}; the detector as {rules.language!r}")
    away = None
    if model.out_of_scope and not requests:
        away = OutOfScope(topic=model.out_of_scope, evidence=[], confidence=0.5)
        if rules.out_of_scope is None:
            said.append(f"the model found the text about {model.out_of_scope!r}; the rules did not")
    reasons = ["the model's reading disagrees with the records or the rules"] if said else []
    if not requests and away is None:
        reasons.append("the model read no request")
    return Reading(text=rules.text, removed=rules.removed, language=rules.language,
                   language_confidence=rules.language_confidence, identification=rules.identification,
                   requests=requests, out_of_scope=away, needs_reading=bool(reasons), needs_reading_reasons=reasons,
                   candidates=[f"{r.intent.value} ({r.mood.value})" for r in rules.requests] if said else [],
                   read_by="llm", disagreements=said)


def _request(n: int, asked: ModelRequest, text: str, world: World, said: list[str]) -> Request:
    where = f"request {n} ({asked.intent.value})"
    order, facts = _order(asked, text, world, where, said)
    items = _items(asked, facts, world, text, where, said)
    if facts is None and items:
        owner = next(o for o in world.orders if any(ln.sku == items[0].sku for ln in o.lines))
        order, facts = OrderArg(order_id=owner.order_id, how="inferred", confidence=0.6), owner
    request = Request(intent=asked.intent, mood=asked.mood, category=category_for(asked.intent, {}),
                      evidence=_evidence(text, [asked.order_id or "", *asked.items]), confidence=0.6, order=order,
                      items=items, target=_target(asked, items, world, where, said),
                      address=_address(asked, where, said), payment=_payment(asked, world, where, said))
    return request.model_copy(update={"unknown": unknown_of(request, facts)})


def _order(asked: ModelRequest, text: str, world: World, where: str,
           said: list[str]) -> tuple[OrderArg | None, OrderFacts | None]:
    if not asked.order_id:
        return None, None
    oid = normalize_order_id(asked.order_id)
    facts = next((o for o in world.orders if o.order_id == oid), None)
    if oid.lstrip("#").upper() not in text.upper():
        said.append(f"{where}: order {oid} is not written in the message")
    if facts is None:
        said.append(f"{where}: order {oid} is not one of the customer's orders")
        return None, None
    return OrderArg(order_id=oid, how="named", evidence=_evidence(text, [oid.lstrip("#")]), confidence=0.8), facts


def _items(asked: ModelRequest, facts: OrderFacts | None, world: World, text: str, where: str,
           said: list[str]) -> list[ItemArg]:
    found: list[ItemArg] = []
    orders = [facts] if facts is not None else world.orders
    for name in asked.items:
        keys = keys_of(called(fold(name)))
        lines = [ln for o in orders for ln in o.lines if product_named(ln.name, keys)]
        if not set(words(fold(name))) & set(words(fold(text))):
            said.append(f"{where}: {name!r} is not in the message")
        if not lines:
            said.append(f"{where}: {name!r} is on none of the customer's {'order' if facts else 'orders'}")
        found += [ItemArg(line_no=ln.line_no, sku=ln.sku, name=ln.name, matched_by="name", confidence=0.6,
                          evidence=_evidence(text, [name])) for ln in lines if ln.sku not in {i.sku for i in found}]
    return found


def _target(asked: ModelRequest, items: list[ItemArg], world: World, where: str,
            said: list[str]) -> TargetArg | None:
    if not asked.target:
        return None
    wanted: dict[str, str] = {}
    for option in asked.target:
        variants = [v for i in items for v in world.variants.get(i.name, [])]
        value = next((v.options[k] for v in variants for k in v.options
                      if k.lower() == option.option.lower() and fold(v.options[k]) == fold(option.value)), None)
        if value is None:
            said.append(f"{where}: no variant of {', '.join(sorted({i.name for i in items})) or 'the items'} "
                        f"has {option.option} {option.value!r}")
        else:
            wanted[option.option.lower()] = value
    if not wanted:
        return None
    match = [v for i in items for v in world.variants.get(i.name, [])
             if all(v.options.get(k) == val for k, val in wanted.items())]
    chosen = match[0] if len(match) == 1 else None
    return TargetArg(options=wanted, sku=chosen.sku if chosen else None,
                     available=chosen.available if chosen else None, confidence=0.6)


def _address(asked: ModelRequest, where: str, said: list[str]) -> AddressArg | None:
    if not asked.new_address:
        return None
    result = validate_address_text(asked.new_address)
    if not result.valid:
        said.append(f"{where}: the address {asked.new_address!r} does not validate")
    normalized = result.normalized if isinstance(result.normalized, Address) else None
    return AddressArg(raw=asked.new_address, address=normalized, valid=result.valid,
                      problems=[i.message for i in result.issues], confidence=0.5)


def _payment(asked: ModelRequest, world: World, where: str, said: list[str]) -> PaymentArg | None:
    if not asked.payment:
        return None
    said_words = fold(asked.payment)
    for method in world.payment_methods:
        names = {str(method.get(k) or "").lower().replace("_", " ") for k in ("id", "source", "brand", "last4")}
        if any(n and re.search(rf"\b{re.escape(n)}\b", said_words) for n in names):
            return PaymentArg(payment_method_id=str(method["id"]), label=asked.payment, confidence=0.6)
    said.append(f"{where}: no payment method of the customer is {asked.payment!r}")
    return None


def _against_rules(requests: list[Request], rules: Reading) -> list[str]:
    """Requests one reader found and the other did not (by intent and order)."""
    def key(r: Request) -> tuple[Intent, str | None]:
        return r.intent, r.order.order_id if r.order else None
    mine, theirs = [key(r) for r in requests], [key(r) for r in rules.requests]
    return ([f"the model read {i.value} on {o or 'no order'}; the rules did not" for i, o in mine if (i, o) not in theirs]
            + [f"the rules read {i.value} on {o or 'no order'}; the model did not" for i, o in theirs if (i, o) not in mine])


def _evidence(text: str, quotes: list[str]) -> list[Evidence]:
    found = []
    low = text.lower()
    for quote in quotes:
        at = low.find(quote.lower()) if quote else -1
        if at >= 0:
            found.append(Evidence(start=at, end=at + len(quote), quote=text[at:at + len(quote)]))
    return found

