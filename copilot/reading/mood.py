"""The mood of a request: an instruction, a question, a condition, a threat or a what-if. Only instructions
may become actions; the rest are reported to the agent."""

from __future__ import annotations

import re

from copilot.reading.lexicon import MOODS, NEGATION, POLITE, compiled
from copilot.reading.model import Intent, Mood

_QUESTION_START = re.compile(r"^\s*(?:should|can|could|may|do|does|did|is|are|was|will|would|what|how|when|which|"
                             r"why|who|where|any)\b")
# A question however politely it is wrapped: "could you check whether I can still return it?"
_ASKS_ANYWAY = re.compile(r"\b(?:should i|do i (?:need|have) to|is it (?:too late|still possible)|whether (?:i|you|we) "
                          r"(?:can|could|may|(?:am|are|'m|'re) (?:able|allowed) to))\b")
_CLAUSE_END = re.compile(r",|\bthen\b|\bentonces\b|\balors\b|\bdann\b|\bentao\b|\ballora\b")


_ACTIONS = (Intent.cancel, Intent.change_items, Intent.change_address, Intent.change_payment, Intent.exchange)
_STATE = re.compile(r"\b(?:ship|sent|left|shipped|arriv|mand|envi|verschickt|versandt|expedi|spedit|enviad|saiu|salio|"
                    r"out|here|processed|delivered)\w*")


def _after_state(condition: str) -> bool:
    """The if-clause before the cue already states its condition (a verb of shipping or arriving)."""
    return bool(_STATE.search(condition))


def _cues(language: str, mood: Mood) -> list[re.Pattern[str]]:
    found = MOODS.get(language, {}).get(mood, [])
    if language != "en":
        found = found + MOODS["en"].get(mood, [])
    return [compiled(p) for p in found]


def condition_clause(sentence: str, language: str) -> tuple[int, int] | None:
    """[start, end) of the if-clause in a sentence (relative offsets), if it holds a real condition."""
    for pattern in _cues(language, Mood.condition):
        m = pattern.search(sentence)
        if m:
            tail = _CLAUSE_END.search(sentence, m.end())
            return m.start(), tail.start() if tail and m.start() < 3 else len(sentence) if not tail else tail.start()
    return None


_NOT_WANTED = re.compile(r"\b(?:want|need)\w* (?:\w+ )?(?:anymore|any more|any longer)\W*$|"
                         r"\b(?:ya no (?:lo |la )?(?:quiero|necesito)|ne (?:le |la )?veux plus|nicht mehr)\W*$")


def negated(before: str, language: str) -> bool:
    """The words just before a cue deny it: "don't cancel", "no need to return it"."""
    window = before[-40:]
    if _NOT_WANTED.search(window):
        return False  # "I don't want it anymore, remove it": the customer wants rid of it, the removal stands
    return any(compiled(NEGATION[lang]).search(window) for lang in {language, "en"} if lang in NEGATION)


def mood_of(sentence: str, cue_start: int, intent: Intent, language: str) -> Mood | None:
    """The mood of the cue at `cue_start` in `sentence` (folded); None when the cue only belongs to a
    condition's own clause ("if it hasn't arrived by Friday ...")."""
    if any(p.search(sentence) for p in _cues(language, Mood.hypothetical)):
        return Mood.hypothetical
    for pattern in _cues(language, Mood.threat):
        m = pattern.search(sentence)
        # The threat's words come before the cue or hold it ("... or I'm calling my bank": the cue is the threat).
        if m and (m.start() < cue_start and (m.end() <= cue_start + 2 or intent is Intent.dispute)
                  and (intent is Intent.dispute or cue_start - m.end() < 40)):
            return Mood.threat
    if intent is Intent.dispute and re.search(r"\b(?:i'?ll|i will|going to|gonna|will have to|about to|"
                                              r"voy a|je vais|werde|vou|faro)\b", sentence[:cue_start]):
        return Mood.threat
    clause = condition_clause(sentence, language)
    if clause is not None:
        start, end = clause
        if start <= cue_start < end:
            # "if it goes to the old address I'm disputing the charge": the dispute is the threat itself
            if intent is Intent.dispute:
                return Mood.threat
            # "if it hasn't shipped cancel it" (no comma): an action the desk would take is the consequence;
            # a state ("if it hasn't arrived") belongs to the condition itself
            return Mood.condition if intent in _ACTIONS and _after_state(sentence[start:cue_start]) else None
        return Mood.threat if intent is Intent.dispute else Mood.condition
    if intent is Intent.question:
        return Mood.question  # asking for information is a question however politely it is put
    polite = compiled(POLITE.get(language, POLITE["en"])).search(sentence) or \
        (language != "en" and compiled(POLITE["en"]).search(sentence))
    asks = any(p.search(sentence) for p in _cues(language, Mood.question))
    if asks and not (polite and not _ASKS_ANYWAY.search(sentence)):
        return Mood.question
    if sentence.rstrip().endswith("?") and not polite:
        if intent in (Intent.where_is_order, Intent.question):
            return Mood.question
        if _QUESTION_START.search(sentence) or intent is not Intent.cancel:
            return Mood.question
    return Mood.instruction
