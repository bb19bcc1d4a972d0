"""What customers write around a request that is not a request of its own.

- A remark on where the order stands beside a change ("I think it hasn't shipped yet", "acho que ainda não foi
  enviado", "or is it too late?") is why the change should still be possible, not a question about delivery.
- A question about how a refund would work ("would I get the whole amount back?", "how long do I have to return
  something?", "do I have to pay the return shipping?") asks for information; nothing is to be returned.
- Money back as the remedy of a payment problem ("two payments... refund one of them", "overcharged... refund the
  difference") or of a compensation ("a partial refund for the trouble") is that request's, not a return of items.
- "change the address to ..." is one address change, not also an item change read from the same words.

Both read the whole sentence of the request, in the six languages the desk reads.
"""

from __future__ import annotations

import re

from copilot.reading.model import ACTING_INTENTS, Intent, Mood, Request
from copilot.reading.text import fold, sentences

# "it hasn't shipped (yet)", "the one that hasn't been sent", "still processing", "dice procesado": a statement
# that the order is still with us. Folded text (no accents, lower case).
NOT_YET = re.compile(
    r"\b(?:hasn'?t|has not|haven'?t|have not|not|isn'?t|is not)\b[^.?!]{0,20}\b(?:shipped|sent|dispatched|gone out|left)\b|"
    r"\bnot (?:yet )?(?:shipped|sent|dispatched)\b|\bstill (?:pending|processing|processed)\b|"
    r"\b(?:aun|todavia) no (?:ha )?(?:sido )?(?:enviad|salid)\w*|\bno (?:ha|han) (?:sido )?(?:enviad|salid)\w*|"
    r"\bpas encore (?:ete )?(?:expedie|envoye|parti)\w*|\bn'(?:a|est) pas encore\b|"
    r"\bnoch nicht (?:verschickt|versandt|versendet|raus)\w*|"
    r"\bainda nao (?:foi )?(?:enviad|despachad|saiu)\w*|\bnao foi (?:enviad|despachad)\w*|"
    r"\bnon (?:e )?ancora (?:stat[oa] )?(?:spedit|partit|inviat)\w*")
TOO_LATE = re.compile(r"\btoo late\b|\bdemasiado tarde\b|\btrop tard\b|\bzu spat\b|\btarde demais\b|\btroppo tardi\b")
# How a refund would work, asked rather than requested.
REFUND_HOW = re.compile(
    r"\bhow (?:long|much|many days)\b|\b(?:would|will|do|does) i (?:get|have to|need to|be (?:charged|refunded))\b|"
    r"\b(?:whole|full|entire) amount\b|\bwho pays\b|\breturn (?:shipping|postage|label) (?:cost|fee)s?\b|"
    r"\bcuanto tiempo\b|\bcombien de (?:temps|jours)\b|\bwie lange\b|\bquanto (?:tempo|dura)\b|"
    r"\bdevo pagare\b|\btengo que pagar\b|\bdois-je payer\b|\bmuss ich\b[^.?!]{0,20}\bzahlen\b|"
    r"\btenho que pagar\b")
# Words that do ask for the return or refund itself, even in a question ("can I return it?").
REFUND_ASKED = re.compile(r"\b(?:can|could|may) i (?:return|send)\b|\bi (?:want|would like|'d like|need) to "
                          r"(?:return|send)\b|\b(?:please|pls) (?:refund|return)\b|\brefund me\b")


def _sentence(text: str, request: Request) -> str:
    at = request.evidence[0].start if request.evidence else 0
    return next((fold(text[s:e]) for s, e in sentences(text) if s <= at < e), fold(text))


# Words that send items back, as opposed to asking for money back.
SEND_BACK = re.compile(r"\breturn\w*|\bsend\w* (?:it|them|\w+ \w+)? ?back\b|\bdevol\w*|\bretourn\w*|\bzuruck\w*|"
                       r"\brucksend\w*|\bdevolv\w*|\brestitu\w*|\brimand\w*|\brenvoy\w*")


def _overlaps(a: Request, b: Request) -> bool:
    return any(x.start < y.end and y.start < x.end for x in a.evidence for y in b.evidence)


def _remedy_of_another(request: Request, requests: list[Request], said: str) -> bool:
    """A request read from words another request owns: money back for a payment problem or a compensation, an
    item change read from "change the address to"."""
    others = [r for r in requests if r is not request]
    if request.intent is Intent.return_refund:
        if any(r.intent is Intent.compensation and _overlaps(request, r) for r in others):
            return True
        return any(r.intent is Intent.payment_problem for r in others) and not SEND_BACK.search(said)
    if request.intent is Intent.change_items:
        return any(r.intent in (Intent.change_address, Intent.change_payment) and _overlaps(request, r)
                   for r in others)
    return False


def context_only(requests: list[Request], text: str) -> list[Request]:
    """The requests less the status remarks beside a change and the remedies another request owns, with refund
    questions read as questions."""
    changes = [r for r in requests if r.intent in ACTING_INTENTS]
    out = []
    for request in requests:
        said = _sentence(text, request)
        if request.intent is Intent.where_is_order and changes and _remark(request, said):
            continue
        if _remedy_of_another(request, requests, said):
            continue
        if request.intent is Intent.return_refund and request.mood is not Mood.instruction \
                and REFUND_HOW.search(said) and not REFUND_ASKED.search(said):
            request = request.model_copy(update={"intent": Intent.question, "mood": Mood.question,
                                                 "topic": "policy"})
        out.append(request)
    return out


def _remark(request: Request, said: str) -> bool:
    """Where the order stands said as a statement (not asked), or "too late" asking whether a change can still be
    made."""
    quote = fold(" ".join(e.quote for e in request.evidence))
    if TOO_LATE.search(said) and "late" in quote or TOO_LATE.search(said) and "tard" in quote:
        return True
    return request.mood is Mood.instruction and "?" not in said and bool(NOT_YET.search(said))
