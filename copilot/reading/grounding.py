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
from copilot.reading.products import CATALOG_HEADS, called, keys_of, product_named, words
from copilot.reading.reader import anchored_by_customer
from copilot.reading.text import clauses, fold, scope_of, sentences
from copilot.reading.typos import correct
from tools.address import address_span, validate_address_text
from tools.connectors.sandbox.world import Address

SIZES = {"extra small": "XS", "x-small": "XS", "xs": "XS", "small": "S", "medium": "M", "large": "L",
         "extra large": "XL", "x-large": "XL", "xl": "XL", "xxl": "XXL", "2xl": "XXL", "petite": "S",
         "pequena": "S", "pequeno": "S", "mediana": "M", "grande": "L", "petit": "S", "moyenne": "M",
         "klein": "S", "mittel": "M", "gross": "L", "media": "M", "piccola": "S", "medio": "M"}
CATALOG_KEYS = frozenset(h.replace("-", "") for h in CATALOG_HEADS)
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
    if world.orders:
        reading = anchored_by_customer(reading)
    requests = _merged([g for r in reading.requests for g in _ground(r, reading, world)])
    return reading.model_copy(update={"requests": requests})


def _merged(requests: list[Request]) -> list[Request]:
    """Clauses read apart that land on the same intent, order and lines ask one thing."""
    out: list[Request] = []
    for request in requests:
        key = {i.sku for i in request.items}
        same = next((i for i, r in enumerate(out) if r.intent is request.intent and r.order == request.order
                     and {x.sku for x in r.items} == key), None)
        if same is None:
            out.append(request)
        else:
            out[same] = out[same].model_copy(update={"evidence": out[same].evidence + request.evidence})
    return out


def _bounds(text: str, request: Request) -> list[tuple[int, int]]:
    """The sentences the request was read from."""
    spans = sentences(text)
    found = [next(((s, e) for s, e in spans if s <= ev.start < e), (0, len(text))) for ev in request.evidence]
    return sorted(set(found)) or [(0, len(text))]


ITEM_LEVEL = (Intent.change_items, Intent.exchange, Intent.return_refund, Intent.damaged_missing_wrong)
NO_ITEMS = (Intent.cancel, Intent.change_address, Intent.change_payment)
_WHOLE_ORDER = re.compile(r"\border (?:with|of|for|containing|that has|where)\b|\b\w+ orders?\b(?! (?:with|of|for))|"
                          r"\bpedido (?:con|de|del)\b|\bcommande (?:avec|de|du)\b|\bbestellung (?:mit|von)\b|"
                          r"\bordine (?:con|col|coi|del|di)\b|\bpedido (?:com|do|da)\b|\bthe one (?:with|that has)\b|"
                          r"\bquell[oa] (?:con|col)\b|\bcelle (?:avec|du)\b|\bdie (?:mit|von)\b|\baquel[ea]? (?:com|do|da)\b")
# The order as where an item is taken from: "cancel the smart watch from my order", "togliere ... dall'ordine".
_PART_OF = re.compile(r"\b(?:from|off|out of) (?:my|the|this|that|our) (?:\w+ )?order\b|\bde (?:mi|mon|ma|meu|minha) "
                      r"(?:pedido|commande|encomenda)\b|\bdel pedido\b|\bdo (?:meu )?pedido\b|\bde la commande\b|"
                      r"\b(?:aus|von) (?:meiner|der) bestellung\b|\bdall'ordine\b|\bdal mio ordine\b")
# A removal names the lines to take off; its variant words pick among them rather than ask for a new variant.
_REMOVAL = re.compile(r"\b(?:remove|take\b.{0,30}\boff|take off|quit|saca|retir|enlev|supprim|entfern|rausnehm|"
                      r"herausnehm|streich|remov|tira|togli|elimin)")
# A clause that keeps something: "keep the on-ear", "the kettle and speaker are fine", "die Kopfhörer will ich behalten".
_KEEP = re.compile(r"\b(?:keep|still want|(?:is|are) fine|(?:is|are) ok(?:ay)?|behalten|va bene|vanno bene|quiero|"
                   r"mantener|garder|garde|manter|quero|tenere|tengo|only (?:need|want))\b")


_EVERY = re.compile(r"\b(?:everything|all (?:of )?(?:my |the )?orders|both(?: orders)?|all of them|beide\w*|todos|todas|"
                    r"tous|toutes|tutti|entrambi|ambos)\b")


def _scopes(text: str, request: Request, reading: Reading) -> list[tuple[int, int]]:
    """The clauses the request's cues govern (text.scope_of), where they name a product or an order; else the
    sentences they are in."""
    cues = [ev.start for r in reading.requests for ev in r.evidence]
    folded = fold(text)
    found = []
    for s, e in _bounds(text, request):
        for ev in request.evidence:
            if s <= ev.start < e:
                a, b = scope_of(folded, s, e, ev.start, cues)
                if not _names_something(folded[a:b]):
                    a, b = scope_of(folded, s, e, ev.start, cues, back=True)
                found.append((a, b) if _names_something(folded[a:b]) else (s, e))
    return sorted(set(found)) or _bounds(text, request)


def _names_something(part: str) -> bool:
    """A product of the catalog (in the customer's words, typos forgiven) or an order number."""
    return bool(said_keys(part) & CATALOG_KEYS) or bool(re.search(r"#?w\d{7}", part))


def said_keys(text: str) -> set[str]:
    """Product keys of a text as written and as typo-corrected ("the jaket" names the jacket)."""
    folded = fold(text)
    return keys_of(called(folded)) | keys_of(called(correct(folded, "en").text))


def _ground(request: Request, reading: Reading, world: World) -> list[Request]:
    text = reading.text
    bounds = _scopes(text, request, reading)
    own = " ".join(text[s:e] for s, e in bounds)
    first = bounds[0]
    orders = [_order(request, reading, world, first)]
    named_ids = [oid for oid in reading.identification.order_ids
                 if any(oid.lstrip("#").upper() in text[s:e].upper() for s, e in bounds)]
    fits = FITS.get(request.intent)
    if not named_ids and _EVERY.search(fold(own)) and request.intent in (Intent.cancel, Intent.where_is_order):
        every = [o.order_id for o in world.orders if fits and o.status in fits]
        if len(every) > 1:  # "cancel everything", "where are both orders?"
            return [_argue(request, reading, world, OrderArg(order_id=oid, how="inferred", confidence=0.7), own,
                           first[0]) for oid in every]
    if not named_ids and request.intent not in (Intent.question, Intent.other):
        several = _holding(world, own, fits)
        if len(several) > 1:  # "cancel the pet bed order and the one with the speaker": one request per order
            orders = [OrderArg(order_id=oid, how="inferred", confidence=0.8) for oid in several]
    return [_argue(request, reading, world, order, own, first[0]) for order in orders]


def _argue(request: Request, reading: Reading, world: World, order: OrderArg | None, own: str,
           offset: int) -> Request:
    facts = next((o for o in world.orders if order and o.order_id == order.order_id), None)
    intent = request.intent
    items = _items(facts, own, offset) if facts is not None else []
    removal = bool(_REMOVAL.search(fold(" ".join(e.quote for e in request.evidence))))
    if intent is Intent.cancel and facts is not None and items and len(items) < len(facts.lines) \
            and (not _WHOLE_ORDER.search(fold(own)) or _PART_OF.search(fold(own))):
        intent = Intent.change_items  # "cancel the wristwatch, I still want the mouse": one line, not the order
        removal = True  # the line comes off: no new variant is wanted
    if facts is not None and intent in SWAPS and facts.status in ("delivered", "pending", "processing"):
        intent = Intent.exchange if facts.status == "delivered" else Intent.change_items
    if intent in NO_ITEMS or intent is Intent.where_is_order and _WHOLE_ORDER.search(fold(own)):
        items = []
    elif not items and facts is not None and intent in ITEM_LEVEL:
        items = _items(facts, reading.text, 0, prefer=keys_of(called(fold(own))))
    if facts is not None and intent in (Intent.change_items, Intent.return_refund, Intent.exchange) and len(items) > 1:
        items = _not_kept(items, reading.text, [e.start for e in request.evidence]) or items
    update: dict[str, object] = {"intent": intent, "order": order, "items": items}
    if facts is not None and intent in SWAPS and not removal:
        update["target"] = _target(items or facts.lines, world, own, offset)
    if intent is Intent.change_address:
        update["address"] = _address(reading.text)
    if intent in (Intent.change_payment, Intent.exchange, Intent.return_refund):
        update["payment"] = _payment(world, own, offset)
    grounded = request.model_copy(update=update)
    unknown = [u for u in unknown_of(grounded, facts) if not (removal and u == "target")]
    return grounded.model_copy(update={"unknown": unknown})


# Which order statuses a request fits: a cancel or an edit needs one not yet shipped, a return one delivered.
FITS: dict[Intent, tuple[str, ...]] = {
    Intent.cancel: ("pending", "processing"), Intent.change_items: ("pending", "processing"),
    Intent.change_address: ("pending", "processing"), Intent.change_payment: ("pending", "processing"),
    Intent.exchange: ("delivered",), Intent.return_refund: ("delivered",),
    Intent.damaged_missing_wrong: ("delivered",), Intent.where_is_order: ("shipped", "pending", "processing"),
}


def _order(request: Request, reading: Reading, world: World, bounds: tuple[int, int]) -> OrderArg | None:
    """The order a request is about: one it names; else the one order holding the items it names (whose status
    fits the request); else the case's order; else the only order whose status fits. Never a guess among ties."""
    mine = {o.order_id for o in world.orders}
    named = [e for e in reading.identification.evidence if re.search(r"\d{3,}", e.quote)
             and not re.fullmatch(r"\d{5}", e.quote.strip())]
    ids = reading.identification.order_ids
    near = [oid for oid in ids if any(bounds[0] <= ev.start < bounds[1] and oid.lstrip("#").upper() in
                                      ev.quote.upper() for ev in named)]
    pick = near[0] if near else ids[0] if len(ids) == 1 else None
    if pick is not None:
        evidence = [ev for ev in named if pick.lstrip("#").upper() in ev.quote.upper()][:1]
        return OrderArg(order_id=pick, how="named", evidence=evidence, confidence=1.0 if pick in mine else 0.5)
    fits = FITS.get(request.intent)
    holding = _holding(world, reading.text[bounds[0]:bounds[1]], fits) or _holding(world, reading.text, fits)
    if len(holding) == 1:
        return OrderArg(order_id=holding[0], how="inferred", confidence=0.8)
    if world.case_order_id and (not holding or world.case_order_id in holding):
        return OrderArg(order_id=world.case_order_id, how="case", confidence=0.8)
    fitting = [o.order_id for o in world.orders if fits and o.status in fits]
    if not holding and len(fitting) == 1:
        return OrderArg(order_id=fitting[0], how="inferred", confidence=0.6)
    if len(world.orders) == 1:
        return OrderArg(order_id=world.orders[0].order_id, how="only_order", confidence=0.7)
    return None


# An order called by its item: "the kettle order", "the order with just / only the tablet" (six languages).
BY_ITEM = re.compile(r"\b(?:the|my|that) (?!whole\b|entire\b|last\b|first\b|other\b|new\b|old\b|pending\b)\w+"
                     r"(?: \w+)? order\b|\b(?:order|pedido|commande|bestellung|ordine|encomenda)\b[^.?!]{0,20}\b"
                     r"(?:just|only|solo|solamente|juste|seulement|uniquement|nur|apenas|so|soltanto)\b")


def _holding(world: World, text: str, fits: tuple[str, ...] | None) -> list[str]:
    """Orders holding an item the text names, narrowed to those whose status fits (when any does)."""
    keys = said_keys(text)
    found = [o for o in world.orders if any(product_named(ln.name, keys) for ln in o.lines)]
    sole = [o for o in found if all(product_named(ln.name, keys) for ln in o.lines)]
    if len(found) > 1 and len(sole) == 1 and BY_ITEM.search(fold(text)):
        # "the kettle order", "the order with just the tablet": the order that is that item, whatever its status
        # (a cancel it no longer allows is the guardrails' to refuse, not a reason to pick another order).
        return [sole[0].order_id]
    fitting = [o for o in found if fits and o.status in fits]
    chosen = fitting or found
    named = {o.order_id: {ln.name for ln in o.lines if product_named(ln.name, keys)} for o in chosen}
    # "the order with the laptop and the camera": an order holding only some of what is named is not it
    chosen = [o for o in chosen if not any(named[o.order_id] < named[p.order_id] for p in chosen)]
    if len(chosen) > 1:
        # Variant words ("the black one") tell apart orders holding the same product.
        best = max(sum(_variant_hits(ln, keys) for ln in o.lines) for o in chosen)
        chosen = [o for o in chosen if sum(_variant_hits(ln, keys) for ln in o.lines) == best] if best else chosen
    return [o.order_id for o in chosen]


def _ev(text: str, offset: int, start: int, end: int) -> list[Evidence]:
    return [Evidence(start=offset + start, end=offset + end, quote=text[start:end])]


def _not_kept(items: list[ItemArg], text: str, cues: list[int]) -> list[ItemArg]:
    """The lines a request names, without those another clause of the text says to keep."""
    folded = fold(text)
    kept: set[str] = set()
    for s, e in sentences(folded):
        for a, b in clauses(folded, s, e, commas=True):
            part = folded[a:b]
            if _KEEP.search(part) and not any(a <= c < b for c in cues):
                keys = keys_of(called(part))
                kept |= {i.sku for i in items if product_named(i.name, keys)}
    return [i for i in items if i.sku not in kept]


def _items(facts: OrderFacts, sentence: str, offset: int, prefer: set[str] | None = None) -> list[ItemArg]:
    low = fold(sentence)
    keys = said_keys(sentence)
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
    found = _best_named(found, keys)
    names = {i.name for i in found}
    if len([i for i in found if i.matched_by == "name"]) > 1 and len(names) < len(found):
        # Two lines of the same product: the variant words tell them apart, else both stay (a person picks).
        for words_said in ([prefer] if prefer else []) + [keys]:
            best = max(_variant_hits(_line(facts, i.line_no), words_said) for i in found)
            if best:
                found = [i for i in found if _variant_hits(_line(facts, i.line_no), words_said) == best]
                break
    return found


def _best_named(found: list[ItemArg], keys: set[str]) -> list[ItemArg]:
    """Of lines sharing a head noun, those whose name is said most fully ("security camera" is not the digital
    camera)."""
    def said(item: ItemArg) -> int:
        return sum(1 for w in words(item.name) if w in keys)
    heads: dict[str, int] = {}
    for item in found:
        head = words(item.name)[-1] if words(item.name) else ""
        heads[head] = max(heads.get(head, 0), said(item))
    return [i for i in found if i.matched_by == "sku" or said(i) == heads.get(words(i.name)[-1] if words(i.name) else "", 0)]


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


def unknown_of(request: Request, facts: OrderFacts | None) -> list[str]:
    """The arguments a request needs that it does not hold (or holds invalid)."""
    if not request.acts and request.intent is not Intent.where_is_order:
        return []
    absent = {"order_id": request.order is None,
              "items": not request.items and facts is not None and len(facts.lines) > 1,
              "target": request.target is None,
              "address": request.address is None or not request.address.valid,
              "payment_method_id": request.payment is None}
    return [need for need in NEEDS.get(request.intent, ()) if absent[need]]
