"""What the Reading keeps from becoming an action: a ticket nobody could read with confidence, and a
request that is a question, a condition, a threat or a what-if rather than an instruction."""

from __future__ import annotations

from copilot.core.models import Disposition as D
from copilot.decide.plan import CaseState, Plan
from copilot.decide.playbooks.common import escalate, plan
from copilot.reading.derive import primary
from copilot.reading.model import ACTING_INTENTS, Intent, Mood

STATUS_QUESTIONS = frozenset({Intent.return_refund, Intent.compensation})
_SAYS = {Mood.question: "asks whether to", Mood.condition: "sets a condition on", Mood.threat: "threatens",
         Mood.hypothetical: "asks what would happen if they"}


def needs_reading(case: CaseState) -> Plan:
    """A person reads the ticket; the plan shows them what the copilot could and could not tell."""
    reading = case.reading
    reasons = list(reading.needs_reading_reasons) if reading else ["the ticket could not be read"]
    if reading and reading.language != "en":
        reasons.append(f"language: {reading.language}")
    if reading and reading.candidates:
        reasons.append(f"candidate readings: {', '.join(reading.candidates)}")
    return plan(case, D.escalate, [escalate("lead", "needs reading: " + "; ".join(reasons))], reasons)


def not_an_instruction(case: CaseState) -> Plan | None:
    """A cancel the customer only asks about, makes conditional or threatens is reported, not executed."""
    main = primary(case.reading) if case.reading else None
    if main is not None and main.intent is Intent.question:
        topic = main.topic or "the order"
        reason = f"the customer asks a question ({topic}): answer from the order's facts, no action"
        return plan(case, D.escalate, [escalate("lead", reason)], [reason])
    if main is None or main.mood is Mood.instruction or main.intent not in ACTING_INTENTS:
        return None
    if main.mood is Mood.question and main.intent in STATUS_QUESTIONS:
        return None  # "where is my refund?" asks for a status the playbook gives, not whether to refund
    quote = main.evidence[0].quote if main.evidence else main.intent.value
    reading = case.reading
    sentence = _sentence(reading.text, main.evidence[0].start) if reading and main.evidence else quote
    reason = (f"the customer {_SAYS[main.mood]} {main.intent.value.replace('_', ' ')} ({sentence!r}): "
              "reported to the agent, not executed")
    return plan(case, D.escalate, [escalate("lead", reason)], [reason])


def _sentence(text: str, at: int) -> str:
    start = max(text.rfind(c, 0, at) for c in ".!?\n") + 1
    ends = [i for i in (text.find(c, at) for c in ".!?\n") if i >= 0]
    return text[start:min(ends) + 1 if ends else len(text)].strip()[:160]
