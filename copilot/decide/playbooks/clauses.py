"""The words of each request in a ticket: the sentences it was read in, split where another action verb starts a
clause ("cancel my pending orders and return the watch"), and the if-sentences that follow it. Pure text."""

from __future__ import annotations

import re

from copilot.decide.plan import CaseState
from copilot.reading.model import Intent


def texts(case: CaseState) -> list[str]:
    """Each request's own words: from the sentence it was read in up to the next request's sentence, so a
    sentence that only adds detail ("(Everything except the kettle.)") stays with the request before it."""
    reading = case.reading
    if reading is None:
        return []
    spans = sentences(reading.text)
    starts: list[int] = []
    for request in reading.requests:
        at = request.evidence[0].start if request.evidence else 0
        start = next((s for s, e in spans if s <= at < e), at)
        if any(b == start and r.intent is not request.intent for b, r in zip(starts, reading.requests, strict=False)):
            # Read in the same sentence as another request ("cancel my pending orders and return the watch"): its
            # words start where its own clause does, when a clause starts at it.
            start = next((m.end() for m in _CLAUSE.finditer(reading.text, start)
                          if m.end() == at and not in_condition(reading.text, at)), start)
        starts.append(start)
    if starts:
        first = min(starts)  # what the ticket says before its first request(s) is their context
        starts = [0 if b == first else b for b in starts]
    bounds = sorted(set(starts))
    texts = []
    for start in starts:
        later = [b for b in bounds if b > start]
        texts.append(reading.text[start:later[0] if later else len(reading.text)])
    return texts


def sentences(text: str) -> list[tuple[int, int]]:
    return [(m.start(), m.end()) for m in re.finditer(r"[^.!?;\n]+[.!?;]*", text)]


# A clause that starts with another action verb is its own request, even when the reader heard one intent in
# the sentence ("cancel my pending orders and return the watch", "return the bottle, and exchange the bed").
_CLAUSE = re.compile(r"(?:,|;|[.!?]|\band\b|\balso\b|\bthen\b)\s+(?:(?:you|i)\s+)?(?:(?:also\s+)?(?:want|would like|"
                     r"'d like|wish|need)\s+to\s+)?(?:also\s+)?(?=(?:return|cancel|exchange|modify|change|swap|switch|"
                     r"upgrade|adjust)\b)", re.I)
_VERBS = [(re.compile(r"^return\b", re.I), Intent.return_refund), (re.compile(r"^cancel\b", re.I), Intent.cancel),
          (re.compile(r"^(?:exchange|swap)\b", re.I), Intent.exchange),
          (re.compile(r"^(?:modify|change|switch|upgrade)\b[^.;]{0,60}\baddress", re.I), Intent.change_address),
          (re.compile(r"^(?:modify|change|switch|upgrade|adjust)\b", re.I), Intent.change_items)]
EITHER = re.compile(r"\bcancel\w* or return\w*\b|\breturn\w* or cancel\w*\b", re.I)


_ADDRESS_EDIT = re.compile(r"\b(?:modify|change|update|correct|switch|fix)\b[^.;]{0,60}\baddress", re.I)
_NOT_NEEDED = re.compile(r"\bno longer (?:need|want)\b|\bdon'?t (?:need|want)\b[^.;]{0,60}\banymore\b", re.I)


def _really(intent: Intent, text: str) -> Intent:
    """An edit whose object is an address is an address change; items no longer needed are cancelled."""
    if intent in (Intent.change_items, Intent.exchange) and _ADDRESS_EDIT.search(text) and \
            not re.search(r"\b(?:size|colou?r|material|item|to (?:a|the) (?:\w+ ){0,3}(?:one|version))\b", text, re.I):
        return Intent.change_address
    if intent is Intent.change_items and _NOT_NEEDED.search(text):
        return Intent.cancel
    return intent


def clauses(intent: Intent, text: str) -> list[tuple[Intent, str]]:
    """The request split where another action verb starts a clause; the first part keeps the read intent."""
    parts, last = [], 0
    for m in _CLAUSE.finditer(text):
        if in_condition(text, m.end()):
            continue  # "If that fails, cancel it" is a fallback (see _fallback), not a request of its own
        parts.append(text[last:m.start()])
        last = m.end()
    parts.append(text[last:])
    out = [(_really(intent, parts[0]), parts[0])]
    for part in parts[1:]:
        verb = next((i for pattern, i in _VERBS if pattern.search(part.strip())), intent)
        if verb is out[-1][0]:
            out[-1] = (verb, out[-1][1] + " " + part)
        else:
            out.append((verb, part))
    return out


_IF = re.compile(r"^\s*(?:if|unless|in case|should)\b", re.I)
VERB_INTENT = {"cancel": Intent.cancel, "return": Intent.return_refund, "exchange": Intent.exchange,
               "modify": Intent.change_items, "change": Intent.change_items}


def conditions(text: str) -> list[str]:
    """The if-sentences after a request's first sentence: what to do in some other case."""
    spans = sentences(text)
    return [text[a:b] for a, b in spans[1:] if _IF.search(text[a:b])]


def in_condition(text: str, at: int) -> bool:
    return any(a <= at < b and _IF.search(text[a:b]) for a, b in sentences(text))
