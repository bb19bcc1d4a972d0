"""Ground one request of a ticket's Reading in the customer's orders: the orders and lines it names, the variant
it wants for each line, the address or payment method it names. Pure over the gathered facts; what cannot be
grounded is returned as a note for the person, never guessed."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from copilot.cases.order_inference import keys_of, product_named
from copilot.decide.plan import CaseState, OrderFacts
from copilot.decide.playbooks import targets as t
from tools.address import street_key, validate_address_text
from tools.connectors.sandbox.world import Address
from tools.schemas import Variant

OPEN = ("pending", "processing")
RECEIVED = ("delivered",)
_ORDER_ID = re.compile(r"#?\b(W?\d{4,})\b", re.I)
# A number under four digits is most often a quantity, price, time, street or unit number ("12 mugs", "12 Main
# St", "at 12:30", "Apt #12"): it is read as an order number only when the customer's words mark it as one.
_SHORT_ORDER_ID = re.compile(
    r"(?:(?<![\w'])order\s*(?:no\.?|nr\.?|num\.?|number)?\s*:?\s*#?\s*|(?<![\w#])#\s?)(\d{1,3})\b"
    r"(?![.:,/-]?\d|\s*(?:%|x\b|days?|weeks?|months?|years?|hours?|hrs?|minutes?|mins?|times?|items?|pieces?|pcs|"
    r"units?)\b)", re.I)
# "Apt #12", and "order" as a verb ("I'd like to order 12 more").
_NOT_AN_ORDER = re.compile(r"\b(?:apt|apartment|unit|suite|ste|room|rm|flat|floor|box|bldg|building|lot|item|line|"
                           r"size|to|i|we|they|you|i'd|we'd|i'll|we'll)\.?\s*$", re.I)
_ALL_ORDERS = re.compile(r"\b(?:all|every|each|both)\b[^.;]{0,25}\borders?\b|\borders? addresses\b|"
                         r"\ball (?:possible )?(?:order )?addresses\b", re.I)
_WHOLE = re.compile(r"\b(?:whole|entire|full|complete)\s+order\b|\bcancel (?:the|that|this|my) order\b", re.I)
_PROFILE_SOURCE = re.compile(r"\b(?:to|with|as|use)\s+(?:my|your|the)\s+(?:default|profile|account|user|home|"
                             r"saved)\s+address\b", re.I)
_PROFILE_TARGET = re.compile(r"\b(?:my|your|the)\s+(?:user|default|profile|account)(?:\s+default)?\s+address\b", re.I)
_OTHER_ORDER = re.compile(r"\b(?:(?:in|on|of|from)\s+(?:my|your|the|one of (?:my|your|the))\s+(?:other\s+)?"
                          r"orders?|same (?:address )?as (?:order\s*)?#?W?\d+)\b", re.I)
_SKU = re.compile(r"\b\d{8,12}\b")


@dataclass
class Grounded:
    """What one request acts on, per order: lines and their wanted variants, or an address."""

    orders: list[str] = field(default_factory=list)
    lines: dict[str, list[t.Named]] = field(default_factory=dict)
    variants: dict[tuple[str, int], Variant] = field(default_factory=dict)
    address: Address | None = None
    profile: bool = False
    notes: list[str] = field(default_factory=list)
    unfinished: list[str] = field(default_factory=list)


def named_order_ids(case: CaseState, text: str) -> list[str]:
    """Order numbers written in the text that are the customer's own (with or without '#', 'W')."""
    mine = {o.order.order.id: o for o in case.all_orders}
    found: list[tuple[int, str]] = []
    marked = [m for m in _SHORT_ORDER_ID.finditer(text) if not _NOT_AN_ORDER.search(text[:m.start()])]
    for m in [*_ORDER_ID.finditer(text), *marked]:
        digits = m.group(1).upper().lstrip("W")
        hit = next((oid for oid in mine if oid.upper().lstrip("#").lstrip("W") == digits), None)
        if hit and hit not in [oid for _, oid in found]:
            found.append((m.start(), hit))
    return [oid for _, oid in sorted(found)]


def _scope(case: CaseState, text: str) -> list[OrderFacts]:
    """The orders a request may touch: those it names by number, else all of the customer's."""
    ids = named_order_ids(case, text)
    return [o for o in case.all_orders if o.order.order.id in ids] if ids else case.all_orders


def _by_order(named: list[t.Named]) -> dict[str, list[t.Named]]:
    out: dict[str, list[t.Named]] = {}
    for n in named:
        out.setdefault(n.order_id, []).append(n)
    return out


def ground_cancel(case: CaseState, text: str, default: list[str]) -> Grounded:
    """Whole orders: the ones named by number, "all my pending orders", or the pending orders holding the items
    named when the text cancels the whole order or the items are all it holds."""
    g = Grounded()
    named_ids = named_order_ids(case, text)
    pending = [o for o in _scope(case, text) if o.order.order.status in OPEN]
    if named_ids:
        g.orders = [o.order.order.id for o in pending if o.order.order.id in named_ids]
    elif _ALL_ORDERS.search(text) or re.search(r"\ball (?:possible |my |the )?(?:pending )?orders\b", text, re.I):
        g.orders = [o.order.order.id for o in pending]
    else:
        whole = bool(_WHOLE.search(text))
        # "The whole order" is one order: the one holding the items named, else the one the ticket is about
        # (for a fallback, the order the request before it could not change), never all of them.
        items, unclear = t.named_lines(pending, _WHOLE.sub(" ", text) if whole else text, OPEN, default)
        g.notes += unclear
        for oid, lines in _by_order(items).items():
            order = next(o for o in pending if o.order.order.id == oid).order.order
            if whole or {n.line.line_no for n in lines} == {ln.line_no for ln in order.lines}:
                g.orders.append(oid)
            else:
                names = ", ".join(n.line.name for n in lines)
                g.unfinished.append(oid)
                g.notes.append(f"only {names} of {oid} should go: no tool removes one line, a person edits the order")
        if not items and default:
            g.orders = [oid for oid in default if any(o.order.order.id == oid for o in pending)]
    if not g.orders and not g.notes:
        g.notes.append("a cancellation of no order that is still pending could be found")
    return g


def ground_lines(case: CaseState, text: str, statuses: tuple[str, ...], default: list[str],
                 want_variant: bool, context: str = "") -> Grounded:
    """The lines named in orders of the right status; with `want_variant`, the variant wanted for each."""
    g = Grounded()
    scope = _scope(case, text)
    named, unclear = t.named_lines(scope, text, statuses, default, context)
    seen = {(n.order_id, n.line.line_no) for n in named}  # a line named by its words and by its new item number
    named += [n for n in _named_by_target(scope, text, statuses) if (n.order_id, n.line.line_no) not in seen]
    g.notes += unclear
    if not named and not unclear:
        g.notes.append(f"no item of a {'/'.join(statuses)} order is named")
        return g
    g.lines = _by_order(named)
    g.orders = list(g.lines)
    if not want_variant:
        return g
    pieces = t.segments(text, named)
    facts = {o.order.order.id: o for o in scope}
    for n in named:
        order = facts[n.order_id]
        family = t.family(order, n.line)
        piece = pieces[(n.order_id, n.line.line_no)]
        by_id = [v for v in family if v.sku in set(_SKU.findall(piece)) and v.sku != n.line.sku]
        chosen = by_id[0] if len(by_id) == 1 else _as_other_order(case, n, piece, family) or \
            t.pick(piece, n.line, t.line_options(order, n.line), family)
        if chosen is None:
            g.notes.append(f"the wanted option of {n.line.name} ({n.order_id}) is unclear or not in stock")
        else:
            g.variants[(n.order_id, n.line.line_no)] = chosen
    return g


def _named_by_target(scope: list[OrderFacts], text: str, statuses: tuple[str, ...]) -> list[t.Named]:
    """A line the text names only through the item number it should become ("change it to item 1421289881"):
    the one line whose product has that variant."""
    skus = set(_SKU.findall(text))
    found = []
    for facts in scope:
        if facts.order.order.status not in statuses:
            continue
        for line in facts.order.order.lines:
            if line.sku not in skus and skus & {v.sku for v in t.family(facts, line)}:
                found.append(t.Named(facts.order.order.id, line, 0))
    return found if len(found) == len({n.line.name for n in found}) else []


_SAME_AS = re.compile(r"\b(?:same|the)\s+(?:type|one|kind|model|version|variant|item)\b[^.;]{0,50}?\b("
                      r"received|delivered|already|pending|other order|have)", re.I)


def _as_other_order(case: CaseState, named: t.Named, piece: str, family: list[Variant]) -> Variant | None:
    """"The same type as the one I already received", "the type in my pending order": the variant of this
    product that another of the customer's orders holds, when exactly one does."""
    m = _SAME_AS.search(piece)
    if m is None:
        return None
    where = m.group(1).lower()
    statuses = OPEN if where == "pending" else RECEIVED if where in ("received", "delivered", "already") else None
    skus = {ln.sku for o in case.all_orders if o.order.order.id != named.order_id
            and (statuses is None or o.order.order.status in statuses)
            for ln in o.order.order.lines if ln.name == named.line.name and ln.sku != named.line.sku}
    found = [v for v in family if v.sku in skus]
    return found[0] if len(found) == 1 else None


def _other_order_address(case: CaseState, text: str, whole: str, targets: list[str]) -> Address | None:
    """An address the customer points at in another of their orders (or one they shipped to before): by the
    order's number, or by the city or state they name, in the request or else anywhere in the ticket."""
    named = [oid for oid in named_order_ids(case, text) if oid not in targets]
    targets_at: list[Address] = []
    if named:
        pool = [o.order.order.shipping_address for o in case.all_orders if o.order.order.id in named]
    else:
        pool = [o.order.order.shipping_address for o in case.all_orders if o.order.order.id not in targets]
        pool += case.customer.previous_addresses if case.customer else []
        targets_at = [o.order.order.shipping_address for o in case.all_orders if o.order.order.id in targets]
    # One building is one candidate: an order's copy of an address and the profile's (with its suite) are the same
    # place, and a place the target orders already ship to is not where they should go.
    here = {street_key(a) for a in targets_at} if not named else set()
    candidates: dict[str, Address] = {}
    for a in pool:
        if street_key(a) not in here:
            candidates.setdefault(street_key(a), a)
    if named:
        return next(iter(candidates.values())) if len(candidates) == 1 else None
    for words_ in (text, whole):
        keys = keys_of(words_) | {_CITY_CALLED[m.group(0).lower()] for m in _CITY_NICKNAME.finditer(words_)}
        cities = {k: a for k, a in candidates.items()
                  if product_named(a.city, keys) or re.search(rf"\b{re.escape(a.state)}\b", words_)}
        if len(cities) == 1:
            return next(iter(cities.values()))
    return None


# What people call a few cities in writing; the capitalized abbreviations only as written ("la" is an article in
# three of the desk's languages), the nicknames in any case. Each maps to the city's key as keys_of makes it.
_CITY_CALLED = {"nyc": "newyork", "la": "losangele", "sf": "sanfrancisco", "dc": "washington",
                "philly": "philadelphia", "vegas": "lasvega", "nola": "neworlean"}
_CITY_NICKNAME = re.compile(r"\b(?:NYC|LA|SF|DC)\b|\b(?i:philly|vegas|nola)\b")


def ground_address(case: CaseState, text: str, default: list[str], whole: str = "") -> Grounded:
    """Where to: an address written out, the profile's ("to my default address"), or another order's; on which
    orders ("all my orders", numbers, the orders of named items) and whether the profile changes too."""
    g = Grounded()
    written = validate_address_text(text)
    if not written.valid and whole:
        written = validate_address_text(whole)  # the address may be written in another sentence of the ticket
    profile_source = bool(_PROFILE_SOURCE.search(text))
    g.profile = bool(_PROFILE_TARGET.search(text)) and not profile_source
    pending = [o for o in case.all_orders if o.order.order.status in OPEN]
    named_ids = [oid for oid in named_order_ids(case, text) if any(o.order.order.id == oid for o in pending)]
    if named_ids:
        g.orders = named_ids[:1] if _OTHER_ORDER.search(text) else named_ids
    elif _ALL_ORDERS.search(text):
        g.orders = [o.order.order.id for o in pending]
    else:
        items, _ = t.named_lines(pending, text, OPEN, default)
        g.orders = list(dict.fromkeys(n.order_id for n in items)) or \
            ([] if g.profile else [oid for oid in default if any(o.order.order.id == oid for o in pending)])
    if written.valid and isinstance(written.normalized, Address):
        g.address = written.normalized
    elif profile_source and case.customer is not None:
        g.address = case.customer.address
    else:
        g.address = _other_order_address(case, text, whole, g.orders)
    if g.address is None:
        g.notes.append("the new address could not be read or found in the customer's orders or profile")
    if not g.orders and not g.profile:
        g.notes.append("no pending order to move to the new address was found")
    return g
