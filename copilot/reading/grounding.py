"""Grounding: every argument a Reading holds is checked against the customer's own orders, the catalog and
their profile. What cannot be found there is listed as unknown; nothing is guessed."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from copilot.reading.model import (
    AddressArg,
    Evidence,
    Intent,
    ItemArg,
    OrderArg,
    PaymentArg,
    Reading,
    Request,
    TargetArg,
)
from copilot.reading.products import keys_of, product_named, words
from copilot.reading.text import fold, sentences
from tools.address import address_span, validate_address_text
from tools.connectors.sandbox.world import Address

SIZES = {"extra small": "XS", "x-small": "XS", "xs": "XS", "small": "S", "medium": "M", "large": "L",
         "extra large": "XL", "x-large": "XL", "xl": "XL", "xxl": "XXL", "2xl": "XXL", "petite": "S",
         "pequena": "S", "pequeno": "S", "mediana": "M", "grande": "L", "petit": "S", "moyenne": "M",
         "klein": "S", "mittel": "M", "gross": "L", "media": "M", "piccola": "S", "medio": "M"}
SWAPS = (Intent.change_items, Intent.exchange)
NEEDS = {Intent.cancel: ("order_id",), Intent.change_items: ("order_id", "items", "target"),
         Intent.exchange: ("order_id", "items", "target"), Intent.change_address: ("order_id", "address"),
         Intent.change_payment: ("order_id", "payment_method_id"), Intent.return_refund: ("order_id",),
         Intent.damaged_missing_wrong: ("order_id",), Intent.where_is_order: ("order_id",)}


@dataclass
class Line:
    line_no: int
    sku: str
    name: str
    options: dict[str, str]


@dataclass
class OrderFacts:
    order_id: str
    status: str
    lines: list[Line]


@dataclass
class Variant:
    sku: str
    options: dict[str, str]
    available: bool


@dataclass
class World:
    """What grounding may read: the customer's orders, the catalog variants of their products, the profile."""

    orders: list[OrderFacts] = field(default_factory=list)
    variants: dict[str, list[Variant]] = field(default_factory=dict)  # product name -> variants
    payment_methods: list[dict[str, str | None]] = field(default_factory=list)
    case_order_id: str | None = None


def ground(reading: Reading, world: World) -> Reading:
    requests = [_ground(r, reading, world) for r in reading.requests]
    return reading.model_copy(update={"requests": requests})


def _sentence_of(text: str, request: Request) -> tuple[int, int]:
    at = request.evidence[0].start if request.evidence else 0
    return next(((s, e) for s, e in sentences(text) if s <= at < e), (0, len(text)))


def _ground(request: Request, reading: Reading, world: World) -> Request:
    text = reading.text
    s, e = _sentence_of(text, request)
    sentence = text[s:e]
    order = _order(request, reading, world, (s, e))
    facts = next((o for o in world.orders if order and o.order_id == order.order_id), None)
    intent = request.intent
    if facts is not None and intent in SWAPS and facts.status in ("delivered", "pending", "processing"):
        intent = Intent.exchange if facts.status == "delivered" else Intent.change_items
    update: dict[str, object] = {"intent": intent, "order": order}
    if facts is not None:
        update["items"] = _items(facts, sentence, s)
        if intent in SWAPS:
            update["target"] = _target(update["items"] or facts.lines, world, sentence, s)  # type: ignore[arg-type]
    if intent is Intent.change_address:
        update["address"] = _address(text)
    if intent in (Intent.change_payment, Intent.exchange):
        update["payment"] = _payment(world, sentence, s)
    grounded = request.model_copy(update=update)
    return grounded.model_copy(update={"unknown": _unknown(grounded, facts)})


def _order(request: Request, reading: Reading, world: World, bounds: tuple[int, int]) -> OrderArg | None:
    mine = {o.order_id for o in world.orders}
    named = [(e.quote, e) for e in reading.identification.evidence if re.search(r"\d{3,}", e.quote)
             and not re.fullmatch(r"\d{5}", e.quote.strip())]
    ids = reading.identification.order_ids
    near = [oid for oid in ids if any(bounds[0] <= ev.start < bounds[1] and oid.lstrip("#").upper() in
                                      ev.quote.upper() for _, ev in named)]
    pick = near[0] if near else ids[0] if len(ids) == 1 else None
    if pick is not None:
        evidence = [ev for _, ev in named if pick.lstrip("#").upper() in ev.quote.upper()][:1]
        return OrderArg(order_id=pick, how="named", evidence=evidence, confidence=1.0 if pick in mine else 0.5)
    if world.case_order_id:
        return OrderArg(order_id=world.case_order_id, how="case", confidence=0.8)
    if len(world.orders) == 1:
        return OrderArg(order_id=world.orders[0].order_id, how="only_order", confidence=0.7)
    return None


def _ev(text: str, offset: int, start: int, end: int) -> list[Evidence]:
    return [Evidence(start=offset + start, end=offset + end, quote=text[start:end])]


def _items(facts: OrderFacts, sentence: str, offset: int) -> list[ItemArg]:
    keys = keys_of(sentence)
    low = fold(sentence)
    found: list[ItemArg] = []
    for line in facts.lines:
        hit = re.search(rf"\b{re.escape(line.sku)}\b", sentence)
        if hit:
            found.append(ItemArg(line_no=line.line_no, sku=line.sku, name=line.name, matched_by="sku", confidence=1.0,
                                 evidence=_ev(sentence, offset, hit.start(), hit.end())))
        elif product_named(line.name, keys):
            head = words(line.name)[-1]
            at = low.find(head[:4]) if head else -1
            found.append(ItemArg(line_no=line.line_no, sku=line.sku, name=line.name, matched_by="name", confidence=0.9,
                                 evidence=_ev(sentence, offset, max(at, 0), max(at, 0) + len(head)) if at >= 0 else []))
    names = {i.name for i in found}
    if len([i for i in found if i.matched_by == "name"]) > 1 and len(names) < len(found):
        # Two lines of the same product: the variant words tell them apart, else both stay (a person picks).
        by_variant = [i for i in found if _variant_hits(_line(facts, i.line_no), keys)]
        found = by_variant or found
    return found


def _line(facts: OrderFacts, line_no: int) -> Line:
    return next(ln for ln in facts.lines if ln.line_no == line_no)


def _variant_hits(line: Line, keys: set[str]) -> int:
    return sum(1 for v in line.options.values() if words(str(v)) and set(words(str(v))) <= keys)


def _wanted_options(sentence: str, variants: list[Variant]) -> dict[str, str]:
    low = fold(sentence)
    tail = re.split(r"\b(?:for|to|into|with|instead|in|por|contre|gegen|com|con)\b", low, maxsplit=1)
    wish = tail[1] if len(tail) > 1 else low
    wanted: dict[str, str] = {}
    for option in sorted({k for v in variants for k in v.options}):
        values = sorted({v.options[option] for v in variants if option in v.options}, key=len, reverse=True)
        for value in values:
            folded = fold(value)
            if re.search(rf"(?<![\w-]){re.escape(folded)}(?![\w-])", wish) and len(folded) >= 1:
                wanted[option] = value
                break
            if option == "size":
                alias = next((k for k, code in SIZES.items() if code == value and re.search(rf"\b{k}\b", wish)), None)
                if alias:
                    wanted[option] = value
                    break
    return wanted


def _target(lines: list[ItemArg] | list[Line], world: World, sentence: str, offset: int) -> TargetArg | None:
    for line in lines:
        variants = world.variants.get(line.name, [])
        wanted = _wanted_options(sentence, variants)
        current = next((ln.options for o in world.orders for ln in o.lines if ln.sku == line.sku), {})
        wanted = {k: v for k, v in wanted.items() if current.get(k) != v}
        if not wanted:
            continue
        goal = {**current, **wanted}
        match = [v for v in variants if v.options == goal] or \
                [v for v in variants if all(v.options.get(k) == val for k, val in wanted.items())]
        chosen = match[0] if len(match) == 1 else None
        return TargetArg(options=wanted, sku=chosen.sku if chosen else None,
                         available=chosen.available if chosen else None, confidence=0.9 if chosen else 0.5)
    return None


def _address(text: str) -> AddressArg | None:
    span = address_span(text)
    if not re.search(r"\d", span) or span == text.strip() and not re.search(r"\b[A-Z]{2}\b,?\s+\d{5}", span):
        return None
    checked = validate_address_text(span)
    at = text.find(span)
    profile = bool(re.search(r"\b(?:account|profile|default|on file|user)\b", fold(text)))
    return AddressArg(raw=span, address=checked.normalized if isinstance(checked.normalized, Address) else None,
                      valid=checked.valid, problems=[i.message for i in checked.issues], profile=profile,
                      confidence=0.9 if checked.valid else 0.4,
                      evidence=[Evidence(start=at, end=at + len(span), quote=span)] if at >= 0 else [])


_METHOD_WORDS = {"paypal": r"\bpaypal\b", "gift_card": r"\bgift ?card\b|\btarjeta regalo\b|\bcarte cadeau\b",
                 "credit_card": r"\b(?:credit|debit) card\b|\bvisa\b|\bmastercard\b|\bamex\b|\bcard ending\b|\bcarte\b|\btarjeta\b|\bkarte\b"}


def _payment(world: World, sentence: str, offset: int) -> PaymentArg | None:
    low = fold(sentence)
    last4 = re.search(r"\b(\d{4})\b", sentence)
    for method in world.payment_methods:
        source = str(method.get("source") or "")
        if last4 and method.get("last4") == last4.group(1):
            return PaymentArg(payment_method_id=str(method["id"]), label=f"{source} ending {last4.group(1)}",
                              confidence=1.0, evidence=_ev(sentence, offset, last4.start(), last4.end()))
        pattern = _METHOD_WORDS.get(source)
        brand = str(method.get("brand") or "")
        hit = re.search(pattern, low) if pattern else None
        if hit and sum(1 for m in world.payment_methods if m.get("source") == source) == 1:
            return PaymentArg(payment_method_id=str(method["id"]), label=brand or source, confidence=0.9,
                              evidence=_ev(sentence, offset, hit.start(), hit.end()))
    return None


def _unknown(request: Request, facts: OrderFacts | None) -> list[str]:
    if not request.acts and request.intent is not Intent.where_is_order:
        return []
    absent = {"order_id": request.order is None,
              "items": not request.items and facts is not None and len(facts.lines) > 1,
              "target": request.target is None,
              "address": request.address is None or not request.address.valid,
              "payment_method_id": request.payment is None}
    return [need for need in NEEDS.get(request.intent, ()) if absent[need]]
