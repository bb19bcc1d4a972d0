"""Which order lines a request names, and which catalog variant it wants for each: read from the words the
customer wrote about that item, matched against the customer's own orders and the product's variants.

Lines are named by product name or head noun ("the lamp"), optionally narrowed by variant words ("the
robotic one"); "everything"/"all" names every line. A wanted variant is grounded by option values the text
names for that product (a short value only beside its option's name: "size 8", "medium sized"), kept options
("same size") and a superlative ("the cheapest one"). Nothing is guessed: no unique variant, no target.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from copilot.cases.order_inference import keys_of, product_named, words
from copilot.decide.plan import OrderFacts
from tools.schemas import LineSnapshot, Variant

SIZE_WORDS = {"extra small": "XS", "small": "S", "medium": "M", "large": "L", "extra large": "XL"}
# "Everything", "all my items", "all possible orders" (not "all the items I want to return", nor "everything
# associated with it": those name their items).
_ALL = re.compile(r"\b(?:everything|every item|all (?:of )?(?:my |your |possible |those |these )?(?:items?|things?|"
                  r"products?|orders?|stuff|of it|of them)|all (?:that|i|you) (?:just )?(?:bought|ordered|received)|"
                  r"the (?:whole|entire) order)\b(?!\s+(?:associated|related|connected|that|which|you want|i want))",
                  re.I)
_EXCEPT = re.compile(r"\b(?:except(?: for)?|but not|other than|apart from|besides|keep(?:ing)?)\b([^.;:!?]*)", re.I)
_CHEAP = re.compile(r"\b(?:cheapest|least expensive|lowest[- ]price[d]?|lowest cost)\b", re.I)
_DEAR = re.compile(r"\b(?:most expensive|priciest|highest[- ]price[d]?|top of the line)\b", re.I)


@dataclass(frozen=True)
class Named:
    order_id: str
    line: LineSnapshot
    start: int  # where in the text the item is named (segments run from here to the next item)


def line_options(facts: OrderFacts, line: LineSnapshot) -> dict[str, str]:
    return next((v.options for i in facts.inventory for v in i.variants if v.sku == line.sku), {})


def family(facts: OrderFacts, line: LineSnapshot) -> list[Variant]:
    return next((i.variants for i in facts.inventory if i.sku == line.sku), [])


def _mention(text: str, name: str) -> int | None:
    """Where the text names the product (full name, or its head noun), or None."""
    tokens = words(name)
    if not tokens:
        return None
    low = text.lower()
    for probe in (" ".join(tokens), name.lower(), tokens[-1]):
        hit = re.search(rf"\b{re.escape(probe[:max(4, len(probe) - 1)])}", low)
        if hit:
            return hit.start()
    return None


def excluded(text: str) -> str:
    """The part of the text that names what the customer wants left alone ("everything except the kettle")."""
    return " ".join(m.group(1) for m in _EXCEPT.finditer(text))


_MODIFIERS = {"electric", "wireless", "smart", "digital", "portable", "indoor", "outdoor", "gaming", "running",
              "hiking", "cycling", "office", "water", "garden", "action", "patio", "fleece", "coffee", "espresso",
              "bluetooth", "mechanical", "light", "makeup"}


def is_named(name: str, keys: set[str]) -> bool:
    """The product is named: its full name, its head noun, a distinctive first word ("the jigsaw"), or the word
    a one-word name ends with ("watch" for "Wristwatch")."""
    if product_named(name, keys):
        return True
    tokens = words(name)
    if len(tokens) == 1 and any(len(k) >= 5 and tokens[0].endswith(k) for k in keys if k.isalpha()):
        return True
    return len(tokens) > 1 and len(tokens[0]) >= 5 and tokens[0] not in _MODIFIERS and tokens[0] in keys


_SIZE_CODES = {code.lower(): word for word, code in SIZE_WORDS.items()}


def _variant_named(options: dict[str, str], keys: set[str]) -> bool:
    """One of the line's option values is named: "the robotic one", "the 17-inch laptop", "my small tshirt"."""
    for value in options.values():
        tokens = words(value)
        if len(value) >= 3 and tokens and set(tokens) <= keys and not all(t.isdigit() for t in tokens):
            return True
        if _SIZE_CODES.get(value.lower()) in keys:
            return True
    return False


def _around(text: str, name: str) -> str:
    """The words right around where the product is named, before any "to/for ...": what describes that item."""
    at = _mention(text, name)
    if at is None:
        return text
    before = text[max(0, at - 40):at]
    after = re.split(r"\b(?:to|for|into|with|instead)\b", text[at:at + 60], maxsplit=1)[0]
    return before + after


def _plural(text: str, name: str) -> bool:
    """The text speaks of several of this product: "all my tshirts", "both kettles", "the two tablets"."""
    head = words(name)[-1] if words(name) else ""
    joined = "".join(words(name))
    low = text.lower().replace("-", "")
    noun = rf"(?:{re.escape(head)}|{re.escape(joined)})(?:s|es)\b"
    return bool(re.search(noun, low)) or bool(re.search(rf"\b(?:all|both|every|each|two|three)\b[^.;]{{0,30}}"
                                                         rf"{re.escape(head)}", low))


def named_lines(orders: list[OrderFacts], text: str, statuses: tuple[str, ...],
                prefer: list[str] | None = None, context: str = "") -> tuple[list[Named], list[str]]:
    """Lines of orders in `statuses` the text names, and what stays ambiguous. "Everything" names all their
    lines but the excepted ones when no item is named; a product named once but found on several lines is
    the one the variant words, the order holding most of the named items, or the case's order point at —
    else a person picks."""
    kept_out = keys_of(excluded(text))
    own = keys_of(_EXCEPT.sub(" ", text))
    found: list[Named] = []
    for facts in orders:
        order = facts.order.order
        if order.status not in statuses:
            continue
        for line in order.lines:
            if is_named(line.name, own) and not is_named(line.name, kept_out):
                at = _mention(text, line.name)
                found.append(Named(order.id, line, at if at is not None else 0))
    if _everything(_EXCEPT.sub(" ", text)):
        in_one = [f for f in orders if f.order.order.status in statuses]
        if _ONE_ORDER.search(text) and len(in_one) > 1:
            # "Return everything in it": one order, and which one is not settled here.
            return [], ["which order 'everything' means is unclear: " + ", ".join(f.order.order.id for f in in_one)]
        # "Everything (except ...)": what the customer keeps may be said anywhere in the ticket.
        kept_out |= keys_of(excluded(context))
        found = [Named(f.order.order.id, line, 0) for f in orders if f.order.order.status in statuses
                 for line in f.order.order.lines if not is_named(line.name, kept_out)]
        return found, []
    return _narrowed(orders, found, own, text, prefer or [])


_IF_SENTENCE = re.compile(r"(?:^|(?<=[.!?;\n]))[^.!?;\n]*\b(?:if|unless|in case)\b[^.!?;\n]*", re.I)
_ONE_ORDER = re.compile(r"\b(?:everything|all (?:the )?(?:items?|things?|products?))\s+(?:in|on|from|of)\s+(?:it|that|this|"
                        r"the|that one)\b(?!\s+orders)", re.I)


def _everything(text: str) -> bool:
    """"Everything" said as the request, not inside an if-sentence ("if that fails, return everything")."""
    return bool(_ALL.search(_IF_SENTENCE.sub(" ", text)))


def _narrowed(orders: list[OrderFacts], found: list[Named], keys: set[str], text: str,
              prefer: list[str]) -> tuple[list[Named], list[str]]:
    by_product: dict[str, list[Named]] = {}
    for n in found:
        by_product.setdefault(n.line.name, []).append(n)
    facts = {o.order.order.id: o for o in orders}
    products_in = {oid: len({n.line.name for n in found if n.order_id == oid}) for oid in facts}
    kept: list[Named] = []
    notes: list[str] = []
    for name, same in by_product.items():
        same = _by_price(same, text)
        if len(same) > 1:
            near = keys_of(_around(text, name))
            hits = [n for n in same if _variant_named(line_options(facts[n.order_id], n.line), near)]
            same = hits if hits and len(hits) < len(same) else same
        if len(same) > 1 and not _plural(text, name):
            if len({n.order_id for n in same}) > 1:
                most = max(products_in[n.order_id] for n in same)
                same = [n for n in same if products_in[n.order_id] == most]
            if len({n.order_id for n in same}) > 1 and any(n.order_id in prefer for n in same):
                same = [n for n in same if n.order_id in prefer]
            if len(same) > 1:
                notes.append(f"which {name} is meant is unclear: " + ", ".join(
                    f"{n.order_id} line {n.line.line_no}" for n in same))
                continue
        kept += same
    return sorted(kept, key=lambda n: (n.start, n.order_id, n.line.line_no)), notes


_DEARER = re.compile(r"\b(?:more expensive|pricier|dearer|costlier)\b", re.I)
_CHEAPER = re.compile(r"\b(?:less expensive|cheaper|lower[- ]priced)\b", re.I)


def _by_price(same: list[Named], text: str) -> list[Named]:
    """"The more expensive one" of two lines of a product: the one with the higher price (a tie stays)."""
    dear, cheap = _DEARER.search(text), _CHEAPER.search(text)
    if len(same) < 2 or bool(dear) == bool(cheap):
        return same
    best = (max if dear else min)(n.line.unit_price for n in same)
    picked = [n for n in same if n.line.unit_price == best]
    return picked if len(picked) == 1 else same


def segments(text: str, named: list[Named]) -> dict[tuple[str, int], str]:
    """Each named line's own words: from where it is named to where the next item is named."""
    starts = sorted({n.start for n in named})
    out = {}
    for n in named:
        later = [s for s in starts if s > n.start]
        out[(n.order_id, n.line.line_no)] = text[n.start:later[0] if later else len(text)]
    return out


def _value_named(text: str, value: str, key: str) -> bool:
    word = rf"(?<![\w.-]){re.escape(value)}(?![\w-])"
    keyword = re.escape(key.split()[0][:5])
    if len(value) < 3 or value.isdigit() or value.lower() in ("yes", "no", "none"):
        near = rf"\b{keyword}\w*\s*(?:of\s+|to\s+|:\s*)?{word}|{word}\s*[- ]?{keyword}"
        return re.search(near, text, re.I) is not None
    return re.search(word, text, re.I) is not None


def _beside_key(text: str, value: str, key: str) -> bool:
    keyword = re.escape(key.split()[0][:5])
    v = re.escape(value)
    return re.search(rf"{v}\W{{0,3}}\w*\W{{0,2}}{keyword}|{keyword}\w*\W{{1,3}}(?:\w+\W+)?{v}", text, re.I) is not None


def wish(text: str, current: dict[str, str], variants: list[Variant]) -> dict[str, str] | None:
    """Option values other than the line's own that the text names, one per option; None when an option gets
    several that its name beside them does not settle ("8 bar, else 9 bar")."""
    low = text.lower()
    for words_, code in SIZE_WORDS.items():
        low = re.sub(rf"\b{words_}(?=[ -]?siz)", code.lower() + " size", low)
    wanted: dict[str, str] = {}
    for key in sorted({k for v in variants for k in v.options}):
        values = {v.options.get(key) for v in variants} - {current.get(key), None}
        named = [value for value in values if value and _value_named(low, value.lower(), key)]
        if len(named) > 1:
            named = [value for value in named if _beside_key(low, value.lower(), key)]
        if len(named) > 1:
            return None
        if named:
            wanted[key] = named[0]
    return wanted


_ORDINAL = ["xs", "s", "m", "l", "xl", "xxl", "low", "medium", "high", "beginner", "intermediate", "expert",
            "small", "large"]
_MOST = re.compile(r"\b(?:max(?:imum|imal)?|highest|most|largest|biggest|longest)\s+(\w+)|(\w+)\W+(?:\w+\W+){0,4}?"
                   r"(?:maximi[sz]ed|as (?:high|large|big) as possible)", re.I)
_LEAST = re.compile(r"\b(?:min(?:imum|imal)?|lowest|least|fewest|smallest|shortest)\s+(\w+)", re.I)


def _rank(value: str) -> float | None:
    number = re.search(r"\d+(?:\.\d+)?", value)
    if number:
        return float(number.group(0))
    low = value.lower()
    return float(_ORDINAL.index(low)) if low in _ORDINAL else None


def _extreme(text: str, keys: set[str]) -> tuple[str, bool] | None:
    """An option the customer wants at its most or least ("the maximum zoom", "fewest pieces")."""
    for pattern, most in ((_MOST, True), (_LEAST, False)):
        for m in pattern.finditer(text):
            word = (m.group(1) or m.group(2) or "").lower() if most else m.group(1).lower()
            key = next((k for k in keys if k.lower().startswith(word[:4]) or word[:4] in k.lower()), None)
            if key is not None and len(word) >= 3:
                return key, most
    return None


_SAME_KEY = re.compile(r"\bsame\s+(\w+)", re.I)
_COMPARATIVES = [(re.compile(r"\bshorter\b", re.I), ("length", "inch", "ft", "size"), False),
                 (re.compile(r"\blonger\b", re.I), ("length", "inch", "ft", "size"), True),
                 (re.compile(r"\b(?:smaller|one size (?:down|smaller))\b", re.I), ("size", "capacity"), False),
                 (re.compile(r"\b(?:bigger|larger|one size (?:up|bigger|larger))\b", re.I), ("size", "capacity"), True),
                 (re.compile(r"\bless bright|\bdimmer\b", re.I), ("bright",), False),
                 (re.compile(r"\bbrighter\b", re.I), ("bright",), True),
                 (re.compile(r"\b(?:lower|less|fewer)\s+(\w+)", re.I), (), False),
                 (re.compile(r"\b(?:higher|more)\s+(\w+)", re.I), (), True)]


def _kept_keys(text: str, keys: set[str]) -> set[str]:
    """Options the customer keeps: "same size", "the same material"."""
    return {k for m in _SAME_KEY.finditer(text) for k in keys if k.lower().startswith(m.group(1).lower()[:4])}


def _direction(text: str, keys: set[str]) -> tuple[str, bool] | None:
    """An option the customer wants lower or higher than theirs: "a shorter one", "less bright", "fewer pieces"."""
    for pattern, hints, up in _COMPARATIVES:
        m = pattern.search(text)
        if m is None:
            continue
        names = (m.group(1).lower()[:4],) if m.groups() else hints
        key = next((k for k in sorted(keys) for h in names if h and h in k.lower()), None)
        if key is not None:
            return key, up
    return None


def pick(text: str, line: LineSnapshot, current: dict[str, str], variants: list[Variant]) -> Variant | None:
    """The one sold, in-stock variant other than the line's own that the text asks for, or None: the options it
    names and keeps ("same size"); an option lower/higher than the line's or at its extreme; the lowest/highest
    price when it says so; else the variant keeping most of the line's other options. Ties are not guessed."""
    wanted = wish(text, current, variants)
    if wanted is None:
        return None
    keys = {k for v in variants for k in v.options}
    kept_keys = _kept_keys(text, keys) - set(wanted)
    stocked = [v for v in variants if v.sku != line.sku and v.sold and v.available >= line.quantity
               and all(v.options.get(k) == want for k, want in wanted.items())
               and all(v.options.get(k) == current.get(k) for k in kept_keys)]
    free = keys - set(wanted) - kept_keys
    moved = _direction(text, free)
    if moved is not None:
        key, up = moved
        have = _rank(current.get(key, ""))
        stocked = [v for v in stocked if have is not None and (r := _rank(v.options.get(key, ""))) is not None
                   and (r > have if up else r < have)]
        wanted = {**wanted, key: "moved"}
    extreme = _extreme(text, free)
    if extreme is not None:
        key, most = extreme
        ranked = [(r, v) for v in stocked if (r := _rank(v.options.get(key, ""))) is not None]
        if not ranked:
            return None
        best = max(r for r, _ in ranked) if most else min(r for r, _ in ranked)
        stocked = [v for r, v in ranked if r == best]
        wanted = {**wanted, key: "extreme"}
    cheap, dear = _CHEAP.search(text), _DEAR.search(text)
    if (cheap or dear) and not (cheap and dear) and stocked:
        ranked_price = sorted(stocked, key=lambda v: v.price, reverse=bool(dear))
        tied = [v for v in ranked_price if v.price == ranked_price[0].price]
        return tied[0] if len(tied) == 1 else None
    if not (wanted or kept_keys) or not stocked:
        return None

    def kept(v: Variant) -> int:
        return sum(1 for k, have in current.items() if k not in wanted and v.options.get(k) == have)

    most_kept = max(kept(v) for v in stocked)
    closest = [v for v in stocked if kept(v) == most_kept]
    return closest[0] if len(closest) == 1 else None
