"""The deterministic reader: ticket text in, a Reading out (not yet grounded in the customer's orders)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from copilot.core.models import Category
from copilot.reading import language as lang_detect
from copilot.reading.context import context_only
from copilot.reading.elsewhere import elsewhere
from copilot.reading.identify import identify, order_mentions
from copilot.reading.lexicon import ANCHORS, INTENTS, OUT_OF_SCOPE, compiled
from copilot.reading.model import SUPPORTED_LANGUAGES, Evidence, Intent, Mood, OutOfScope, Reading, Request
from copilot.reading.mood import mood_of, negated
from copilot.reading.products import CATALOG_HEADS, called, keys_of
from copilot.reading.routing import category_for
from copilot.reading.rules import rule_scores
from copilot.reading.text import clauses, fold, new_text, scope_of, sentences
from copilot.reading.typos import Corrected, correct
from tools.address import address_span

# When cues of two intents meet in one sentence, the first is what is asked and the second its reason or
# its consequence ("it arrived broken, I want a refund": a refund; "cancel and refund me": a cancel).
SUBSUMES: dict[Intent, set[Intent]] = {
    Intent.return_refund: {Intent.where_is_order},
    Intent.damaged_missing_wrong: {Intent.where_is_order},
    Intent.exchange: {Intent.change_items, Intent.return_refund},
    Intent.cancel: {Intent.return_refund, Intent.where_is_order},
    Intent.change_address: {Intent.where_is_order},
    Intent.change_payment: {Intent.payment_problem, Intent.change_items},
}
QUESTION_TOPICS = [("price", r"\b(?:how much|price|cost|pay|paid|total|cuanto|combien|wie ?viel|quanto)\b"),
                   ("status", r"\b(?:status|ship|arrive|deliver|track)\w*"),
                   ("options", r"\b(?:colou?rs?|sizes?|options|variants?|available|in stock)\b"),
                   ("payment_method", r"\b(?:payment methods?|credit cards?|debit cards?|paypal|apple pay|pay with)\b"),
                   ("policy", r"\b(?:policy|how long|how many days|window)\b")]


@dataclass
class Cue:
    intent: Intent
    start: int  # offsets in the corrected text
    end: int
    sentence: int


@lru_cache(maxsize=2048)
def read_text(subject: str, body: str) -> Reading:
    """Read a ticket. Offsets in evidence point into Reading.text (the new text). Cached: triage reads every
    signal of a case again on each new one; callers change a Reading only by model_copy."""
    new = new_text(subject or "", body or "")
    text = new.text
    folded = fold(text)
    language, confidence = lang_detect.detect(text, _votes(folded))
    base = dict(text=text, removed=list(new.removed), language=language, language_confidence=round(confidence, 3))
    if not any(c.isalnum() for c in text):
        return Reading(**base, needs_reading=True, needs_reading_reasons=["the ticket has no text of its own"])
    if language not in SUPPORTED_LANGUAGES:
        return Reading(**base, needs_reading=True,
                       needs_reading_reasons=[f"written in '{language}': the desk reads en es fr de pt it"])
    fixed = correct(folded, language)
    addresses = _address_spans(text)
    identification, id_spans = identify(text, addresses)
    masked = _mask(fixed, id_spans)
    cues = _cues(masked, fixed, language)
    rules_text = _rules_text(text, id_spans)
    requests = _requests(text, masked, fixed, cues, language, rules_text)
    if not any(r.mood is Mood.instruction for r in requests):
        read = {r.category for r in requests}
        requests += [r for r in _from_rules(text, masked, fixed, language, rules_text) if r.category not in read]
    reading = Reading(**base, identification=identification, requests=context_only(requests, text))
    return _judge(reading, masked, fixed)


def _votes(folded: str) -> dict[str, int]:
    votes = {}
    for language, intents in INTENTS.items():
        votes[language] = sum(bool(compiled(p).search(folded)) for group in intents.values() for p in group)
    return votes


def _address_spans(text: str) -> list[tuple[int, int]]:
    """Where the customer wrote a postal address (validated later); a ZIP inside one is not identification."""
    spans = []
    for line_start, line in _lines(text):
        span = address_span(line)
        if span and span != line.strip() or re.search(r"^\s*\d+\s+\w+.*\b[A-Z]{2}\b,?\s+\d{5}", line):
            at = line.find(span) if span else 0
            spans.append((line_start + max(at, 0), line_start + max(at, 0) + len(span or line)))
    return spans


def _lines(text: str) -> list[tuple[int, str]]:
    out, pos = [], 0
    for line in text.split("\n"):
        out.append((pos, line))
        pos += len(line) + 1
    return out


def _mask(fixed: Corrected, spans: list[tuple[int, int]]) -> str:
    chars = list(fixed.text)
    for i, origin in enumerate(fixed.origin):
        if any(a <= origin < b for a, b in spans):
            chars[i] = " "
    return "".join(chars)


def _cues(masked: str, fixed: Corrected, language: str) -> list[Cue]:
    lexicons = [language] + (["en"] if language != "en" else [])
    found: list[Cue] = []
    for index, (s, e) in enumerate(sentences(masked)):
        sentence = masked[s:e]
        for lexicon in lexicons:
            for intent, patterns in INTENTS[lexicon].items():
                for pattern in patterns:
                    for m in compiled(pattern).finditer(sentence):
                        if not negated(sentence[:m.start()], language):
                            found.append(Cue(intent, s + m.start(), s + m.end(), index))
    return found


def _rules_text(text: str, spans: list[tuple[int, int]]) -> str:
    """The new text as the phrase rules read it: lower case, one space, identification blanked out."""
    chars = [" " if any(a <= i < b for a, b in spans) else c for i, c in enumerate(text)]
    return re.sub(r"\s+", " ", "".join(chars).lower().replace("’", "'"))


def _requests(text: str, masked: str, fixed: Corrected, cues: list[Cue], language: str,
              rules_text: str) -> list[Request]:
    spans = sentences(masked)
    by_sentence: dict[int, list[Cue]] = {}
    for cue in sorted(cues, key=lambda c: c.start):
        by_sentence.setdefault(cue.sentence, []).append(cue)
    requests: list[tuple[Request, frozenset[str]]] = []
    scores, _ = rule_scores(rules_text)
    for index, group in sorted(by_sentence.items()):
        s, e = spans[index]
        kept = _unsubsumed(masked, s, e, group)
        starts = [c.start for c in kept]
        scoped: dict[tuple[Intent, tuple[int, int]], Cue] = {}
        for cue in kept:  # one request per intent and clause: "remove X and change Y to Z" asks twice
            scope = scope_of(masked, s, e, cue.start, starts)
            if not _products(masked[scope[0]:scope[1]]):  # "the headphones - can i get them in black"
                scope = scope_of(masked, s, e, cue.start, starts, back=True)
            scoped.setdefault((cue.intent, scope), cue)
        for (intent, scope), cue in scoped.items():
            mood = mood_of(masked[s:e], cue.start - s, intent, language)
            if mood is None:
                continue
            start, end = fixed.span(cue.start, cue.end)
            evidence = [Evidence(start=start, end=end, quote=text[start:end])]
            request = _request(intent, mood, evidence, text, masked[s:e], fixed.span(s, e), scores)
            requests.append((request, _products(masked[scope[0]:scope[1]])))
    return _merge(requests)


def _unsubsumed(masked: str, s: int, e: int, group: list[Cue]) -> list[Cue]:
    """The cues of a sentence that ask something of their own. A cue another intent subsumes (SUBSUMES) is its
    reason or consequence, unless its clause names a product the subsuming cue's clause does not ("cancel the
    order with the toothbrush, and where's my keyboard?" asks twice)."""
    parts = clauses(masked, s, e)
    def named(cue: Cue) -> frozenset[str]:
        a, b = next(((a, b) for a, b in parts if a <= cue.start < b), (s, e))
        return _products(masked[a:b])
    kept = []
    for cue in group:
        over = [c for c in group if cue.intent in SUBSUMES.get(c.intent, set())]
        if not over or any(named(cue) and not named(cue) <= named(c) for c in over):
            kept.append(cue)
    if len({c.intent for c in kept}) > 1:
        kept = [c for c in kept if c.intent is not Intent.question or named(c)
                and all(not named(c) <= named(o) for o in kept if o.intent is not Intent.question)]
    return sorted(kept, key=lambda c: c.start)


def _request(intent: Intent, mood: Mood, evidence: list[Evidence], text: str, sentence: str,
             bounds: tuple[int, int], scores: dict[Category, float]) -> Request:
    topic = None
    if intent is Intent.question:
        topic = next((name for name, pattern in QUESTION_TOPICS if re.search(pattern, sentence)), "other")
    orders = [o for o, a, _ in order_mentions(text) if bounds[0] <= a < bounds[1]]
    # A question is as clearly read as an instruction ("where is my refund?"); that it asks rather than
    # orders is the mood's business (copilot/decide/playbooks route an action asked about to a person).
    confidence = 0.9 if mood in (Mood.instruction, Mood.question) else 0.8
    return Request(intent=intent, mood=mood, category=category_for(intent, scores, sentence), evidence=evidence,
                   confidence=confidence, topic=topic,
                   unknown=[], **({"order": None} if not orders else {}))


# A desk problem the customer describes without asking in so many words ("my order is held for
# verification", "half my order arrived"): the intent its category implies.
RULE_INTENT: dict[Category, Intent] = {
    Category.payment_failure: Intent.payment_problem, Category.fraud_hold: Intent.other,
    Category.address_issue: Intent.change_address, Category.inventory_mismatch: Intent.other,
    Category.split_shipment: Intent.other, Category.fulfillment_delay: Intent.where_is_order,
    Category.change_request: Intent.change_items, Category.threepl_exception: Intent.where_is_order,
    Category.delivery_exception: Intent.where_is_order, Category.refund_request: Intent.return_refund,
    Category.concession_request: Intent.damaged_missing_wrong, Category.chargeback: Intent.dispute,
}
RULE_MIN_SCORE = 3.0


def _from_rules(text: str, masked: str, fixed: Corrected, language: str, rules_text: str) -> list[Request]:
    """No cue of any intent: the phrase rules may still recognise a described desk problem (English only)."""
    if language != "en":
        return []
    scores, hits = rule_scores(rules_text)
    worked = sorted(((v, c) for c, v in scores.items() if c in RULE_INTENT and v >= RULE_MIN_SCORE), reverse=True,
                    key=lambda vc: vc[0])
    if not worked:
        return []
    score, category = worked[0]
    runner_up = worked[1][0] if len(worked) > 1 else 0.0
    phrase = hits[category][0]
    at = masked.find(phrase)
    start, end = fixed.span(at, at + len(phrase)) if at >= 0 else (0, 0)
    at = max(at, 0)
    sentence = next(((s, e) for s, e in sentences(masked) if s <= max(at, 0) < e), (0, len(masked)))
    mood = mood_of(masked[sentence[0]:sentence[1]], max(at, 0) - sentence[0], RULE_INTENT[category], language)
    confidence = round(min(0.85, 0.5 + 0.35 * (score - runner_up) / score), 2)
    return [Request(intent=RULE_INTENT[category], mood=mood or Mood.instruction, category=category,
                    evidence=[Evidence(start=start, end=end, quote=text[start:end])], confidence=confidence)]


def _products(scope: str) -> frozenset[str]:
    """The catalog head nouns a clause names (in the customer's words, any of the six languages)."""
    keys = keys_of(called(scope))
    return frozenset(h for h in CATALOG_HEADS if h.replace("-", "") in keys)


def _merge(requests: list[tuple[Request, frozenset[str]]]) -> list[Request]:
    """One request per intent and thing: "cancel it. please cancel!!" asks once; "remove the bookshelf and change
    the headphones to wireless" asks twice (grounding splits a request again when it names several orders)."""
    merged: list[tuple[Request, frozenset[str]]] = []
    for request, products in requests:
        same = next((i for i, (r, p) in enumerate(merged) if r.intent is request.intent
                     and (not p or not products or p <= products or products <= p)), None)
        if same is None:
            merged.append((request, products))
        else:
            kept, known = merged[same]
            kept.evidence.extend(request.evidence)
            merged[same] = (kept, known | products)
    return _remedies(merged)


# A bare "can it be changed?" / "replace it" / "where is the other one?" naming nothing is the remedy or the
# echo of a more specific request in the same ticket: a payment or address change, or a damaged item.
_ECHOES: dict[Intent, set[Intent]] = {
    Intent.change_payment: {Intent.exchange, Intent.change_items},
    Intent.change_address: {Intent.exchange, Intent.change_items},
    Intent.damaged_missing_wrong: {Intent.exchange, Intent.change_items, Intent.where_is_order},
}


def _remedies(merged: list[tuple[Request, frozenset[str]]]) -> list[Request]:
    present = {r.intent for r, _ in merged}
    echoed = {i for main in present for i in _ECHOES.get(main, set())}
    return [r for r, products in merged if products or r.intent not in echoed]


def _judge(reading: Reading, masked: str, fixed: Corrected) -> Reading:
    """Out of scope only on a positive finding; nothing found (or only contradictions) needs a person."""
    topic = _out_of_scope(masked, reading.text, fixed)
    # A question about prices, status, options or policy is the desk's; "how do I ...?" about an account is not.
    worked = [r for r in reading.requests if r.intent is not Intent.question or r.topic != "other"]
    if topic is not None and (not worked or not _about_orders(masked, reading)):
        return reading.model_copy(update={"out_of_scope": topic, "requests": []})
    if not _about_orders(masked, reading) and (away := elsewhere(masked)) is not None:
        # Nothing of the desk's world and plainly about banking, travel, a chore, small talk...: a finding.
        where, match = away
        start, end = fixed.span(match.start(), match.end())
        return reading.model_copy(update={"requests": [], "out_of_scope": OutOfScope(
            topic=where, confidence=0.85, evidence=[Evidence(start=start, end=end, quote=reading.text[start:end])])})
    if reading.requests and not _about_orders(masked, reading):
        # Kept, but held: a text with no word of the desk's world ("cancel that") is read as a request only when
        # the sender is a customer of the store (anchored_by_customer), never from the words alone.
        return reading.model_copy(update={
            "needs_reading": True, "needs_reading_reasons": [UNANCHORED],
            "candidates": [f"{r.intent.value} ({r.mood.value})" for r in reading.requests]})
    if not reading.requests:
        return reading.model_copy(update={"needs_reading": True,
                                          "needs_reading_reasons": ["no request found in the text"]})
    contradictions = _contradictions(reading.requests, masked)
    if contradictions:
        return reading.model_copy(update={"needs_reading": True, "needs_reading_reasons": contradictions,
                                          "candidates": [f"{r.intent.value} ({r.mood.value})" for r in reading.requests]})
    return reading


UNANCHORED = "nothing in the text is about an order, a delivery or a payment"


def anchored_by_customer(reading: Reading) -> Reading:
    """The sender is a known customer of the store: what they ask is about their orders even when the text names
    none ("cancel pls", "cancel everything"). A positive out-of-scope finding or any other doubt still holds."""
    if reading.needs_reading_reasons != [UNANCHORED] or not reading.requests or reading.out_of_scope is not None:
        return reading
    return reading.model_copy(update={"needs_reading": False, "needs_reading_reasons": [], "candidates": []})


def _about_orders(masked: str, reading: Reading) -> bool:
    """Anchored in the order desk's world: an order number, a product of the catalog, or an order word."""
    if reading.identification.order_ids or ANCHORS.search(masked):
        return True
    if any(r.intent in (Intent.payment_problem, Intent.dispute) for r in reading.requests):
        return True  # a declined or disputed payment is the desk's whether or not an order is named
    return called(masked) != masked or bool(re.search(r"\b(?:" + "|".join(CATALOG_HEADS) + r")s?\b", masked))


def _out_of_scope(masked: str, text: str, fixed: Corrected) -> OutOfScope | None:
    scores, hits = rule_scores(masked)
    if scores.get(Category.out_of_scope, 0) > 0 and not any(v > 0 for c, v in scores.items()
                                                              if c is not Category.out_of_scope):
        phrase = hits[Category.out_of_scope][0]
        at = masked.find(phrase)
        start, end = fixed.span(at, at + len(phrase))
        return OutOfScope(topic="not an order problem", confidence=0.8,
                          evidence=[Evidence(start=start, end=end, quote=text[start:end])])
    for topic, patterns in OUT_OF_SCOPE.items():
        for pattern in patterns:
            m = compiled(pattern).search(masked)
            if m:
                start, end = fixed.span(m.start(), m.end())
                return OutOfScope(topic=topic, confidence=0.9,
                                  evidence=[Evidence(start=start, end=end, quote=text[start:end])])
    return None


_RETRACTED = re.compile(r"\b(?:actually|wait|scratch that|never ?mind|on second thought)\W+(?:no|don'?t|do not)\b|"
                        r"\bi (?:don'?t|do not) know\b[^.?!]{0,30}\b(?:think|decide)|\bor (?:not|everything)\?")


def _contradictions(requests: list[Request], masked: str = "") -> list[str]:
    """The customer takes back what they asked, or cannot decide: a person reads it."""
    if any(r.mood is Mood.instruction for r in requests) and _RETRACTED.search(masked):
        return ["the customer takes back or cannot settle what they ask"]
    return []
