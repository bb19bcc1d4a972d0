"""Deterministic categorisation: system signals by kind and code, customer tickets by weighted text rules."""

from __future__ import annotations

import re

from pydantic import Field

from copilot.models import Category, Signal, SignalKind, Strict

C, K = Category, SignalKind


VAGUE_CONFIDENCE = 0.3


class Classification(Strict):
    """`category` None means the signal is informational: it joins a case but does not decide its category."""

    category: Category | None
    confidence: float = Field(ge=0, le=1)
    classified_by: str
    reasons: list[str]

    @property
    def clearly_out_of_scope(self) -> bool:
        """An out-of-scope request was recognised, rather than nothing matching (e.g. "any news?")."""
        return self.category is Category.out_of_scope and self.confidence > VAGUE_CONFIDENCE


_BY_KIND: dict[SignalKind, Category] = {
    K.payment_failed: C.payment_failure,
    K.auth_expiring: C.payment_failure,
    K.payment_review: C.fraud_hold,
    K.fraud_warning: C.fraud_hold,
    K.dispute_opened: C.chargeback,
    K.dispute_updated: C.chargeback,
    K.dispute_closed: C.chargeback,
    K.address_rejected: C.address_issue,
}
_INFORMATIONAL = {K.order_created, K.order_updated, K.order_cancelled, K.payment_review_closed,
                  K.refund_issued, K.fulfillment_update}
_THREEPL_CODES: list[tuple[re.Pattern[str], Category]] = [
    (re.compile(r"PARTIAL|SPLIT"), C.split_shipment),
    (re.compile(r"SHORT|OVERSOLD|OVERSELL|BACKORDER|OUT_OF_STOCK|NO_STOCK|INVENTORY"), C.inventory_mismatch),
    (re.compile(r"CUTOFF|BACKLOG|DELAY|LATE|CAPACITY"), C.fulfillment_delay),
    (re.compile(r"ADDRESS|UNDELIVERABLE"), C.address_issue),
]
_TRACKING_EXCEPTIONS = {"failure", "return_to_sender", "error", "unknown", "available_for_pickup", "cancelled"}
_TRACKING_DETAILS = re.compile(r"lost|damaged|return|refused|not_found|undeliverable|held|exception|delay"
                               r"|weather|incorrect|missing|attempt|stuck")


def classify_signal(signal: Signal) -> Classification:
    kind = signal.kind
    if kind in (K.ticket, K.ticket_reply):
        return classify_ticket(signal.subject or "", signal.text or "")
    if kind in _BY_KIND:
        return Classification(category=_BY_KIND[kind], confidence=1.0, classified_by="kind",
                              reasons=[f"signal kind {kind.value}"])
    if kind == K.order_risk:
        risky = signal.risk_recommendation in ("investigate", "cancel") or signal.risk_level in ("medium", "high")
        if risky:
            return Classification(category=C.fraud_hold, confidence=1.0, classified_by="kind",
                                  reasons=[f"order risk {signal.risk_level}/{signal.risk_recommendation}"])
        return _informational(signal, "order risk is low / accept")
    if kind == K.threepl_exception:
        return _threepl(signal)
    if kind == K.tracking_update:
        return _tracking(signal)
    return _informational(signal, f"{kind.value} carries no exception by itself")


def _informational(signal: Signal, why: str) -> Classification:
    return Classification(category=None, confidence=1.0, classified_by="kind", reasons=[why])


def _threepl(signal: Signal) -> Classification:
    code = (signal.exception_code or "").upper()
    for pattern, category in _THREEPL_CODES:
        if pattern.search(code):
            return Classification(category=category, confidence=1.0, classified_by="exception_code",
                                  reasons=[f"3PL exception code {code}"])
    if not code and signal.note:
        guess = classify_ticket("", signal.note)
        if guess.category not in (None, C.out_of_scope):
            return guess.model_copy(update={"classified_by": "threepl_note", "confidence": guess.confidence * 0.9})
    return Classification(category=C.threepl_exception, confidence=1.0 if code else 0.8,
                          classified_by="exception_code", reasons=[f"3PL exception code {code or 'unknown'}"])


def _tracking(signal: Signal) -> Classification:
    status = (signal.tracking_status or "").lower()
    detail = (signal.status_detail or "").lower()
    if status in _TRACKING_EXCEPTIONS or _TRACKING_DETAILS.search(detail):
        return Classification(category=C.delivery_exception, confidence=1.0, classified_by="kind",
                              reasons=[f"carrier status {status or '-'} / {detail or '-'}"])
    return _informational(signal, f"carrier status {status or 'unknown'} is routine")


def _r(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern)


# (category, phrase, weight). Phrases are written for how customers actually say things; negative
# weights keep a word that belongs to another problem ("cancel" in a refund question) from winning.
RULES: list[tuple[Category, re.Pattern[str], float]] = [
    (C.payment_failure, _r(r"declin|card (?:was |got |keeps )?(?:rejected|refused|denied)|payment (?:failed|didn'?t go|did not go|error|issue|problem|won'?t go|not going)"), 3),
    (C.payment_failure, _r(r"(?:update|change|new|different) (?:my )?(?:card|payment)|authori[sz]ation|insufficient funds|billing (?:failed|issue)|checkout (?:failed|error)|couldn'?t pay|can'?t pay|charge (?:failed|didn'?t)"), 2),
    (C.fraud_hold, _r(r"on hold|held for (?:review|verification)|under review|verif(?:y|ication)|flagged|security (?:check|review)|fraud|suspicious|risk"), 3),
    (C.fraud_hold, _r(r"prove (?:it'?s|it is) me|confirm my identity|id check|photo id"), 3),
    (C.address_issue, _r(r"wrong (?:shipping |delivery )?address|(?:change|update|correct|fix) (?:the |my )?(?:shipping |delivery )?address|address (?:is wrong|was wrong|change|correction|typo)|moved|new address"), 4),
    (C.address_issue, _r(r"apartment|apt\.? ?(?:number|#|no)|unit number|suite|zip ?code|po box|p\.o\. box"), 2),
    (C.inventory_mismatch, _r(r"out of stock|backorder|back order|no longer (?:available|in stock)|(?:said|showed|listed as) in stock|sold out|oversold|not in stock"), 4),
    (C.split_shipment, _r(r"(?:only|just) (?:part|half|some|one) of (?:my |the )?(?:order|items)|rest of (?:my |the )?order|remaining items?|partial(?:ly)? ship|ship (?:what(?:ever)? you have|separately|in two)|split|two (?:packages|shipments)|separate (?:packages|shipments)"), 4),
    (C.fulfillment_delay, _r(r"(?:hasn'?t|has not|didn'?t|did not|not yet|never|still not|still hasn'?t) (?:even )?(?:been )?ship|when will (?:it|my order|this) ship|still (?:processing|preparing|in processing)|not shipped|ship(?:ping)? date|supposed to ship|delayed? (?:shipping|dispatch)|taking (?:so )?long to ship"), 4),
    (C.change_request, _r(r"\bcancel(?!l?ed)|cancel+ation request|(?:change|swap|switch|exchange) (?:the |my )?(?:size|colou?r|item|quantity)|(?:add|remove) (?:an |one |a )?item|edit (?:my |the )?order|ordered (?:the )?wrong|by mistake|before it ships"), 4),
    (C.threepl_exception, _r(r"label (?:was )?(?:created|printed)|pre-?transit|shipping label|awaiting (?:carrier|pickup)|no (?:movement|scan|updates?) since|tracking (?:hasn'?t|has not|doesn'?t) (?:moved|updated|changed)|warehouse (?:error|mistake)|packed wrong"), 3),
    (C.delivery_exception, _r(r"(?:says|shows|marked|showing) (?:as )?delivered|never (?:arrived|received|got|came)|(?:package|parcel|box) (?:is )?(?:lost|missing|stolen)|lost in (?:transit|the mail)|return(?:ed)? to sender|stuck in transit|delivery (?:failed|attempt|exception)|couldn'?t (?:be )?deliver|held at|not (?:been )?delivered|where is my (?:package|parcel|order)|wismo|in transit for"), 4),
    (C.refund_request, _r(r"refund|money back|reimburs|credit(?:ed)? back|haven'?t (?:been )?(?:refunded|credited)|return (?:was )?(?:received|processed)|sent (?:it )?back"), 3),
    (C.refund_request, _r(r"where(?:'s| is) my (?:refund|money)|still (?:no|waiting (?:for|on)) (?:my )?(?:refund|money)"), 3),
    (C.concession_request, _r(r"damaged|broken|crushed|cracked|shattered|defective|dent|torn|scratched|wrong (?:item|size|colou?r|product)|not what i ordered|(?:item|piece|part)s? (?:is |was |were )?missing|missing (?:from|an? item|item|piece|part)|incomplete"), 4),
    (C.chargeback, _r(r"chargeback|charge ?back|dispute[ds]? (?:the |this )?(?:charge|transaction|payment)|(?:opened|filed|raised) a (?:dispute|claim) with (?:my|the) (?:bank|card)|bank (?:dispute|claim)|my bank (?:is|has) (?:investigat|reversing)"), 5),
    (C.out_of_scope, _r(r"unsubscribe|newsletter|password|log ?in|sign ?in|account (?:settings|email)|invoice|vat|receipt|wholesale|partnership|job|career|gift card balance|promo code|discount code|coupon|size guide|restock|catalog"), 3),
]
TIE_ORDER = [C.chargeback, C.fraud_hold, C.payment_failure, C.concession_request, C.delivery_exception,
             C.refund_request, C.change_request, C.address_issue, C.split_shipment, C.inventory_mismatch,
             C.fulfillment_delay, C.threepl_exception, C.out_of_scope]

_SPACE = re.compile(r"\s+")


def _prepare(subject: str, body: str) -> str:
    text = f"{subject}\n{body}".lower().replace("’", "'")
    return _SPACE.sub(" ", text)


def classify_ticket(subject: str, body: str) -> Classification:
    """Score every category by its phrase rules; the best wins, out_of_scope when nothing matches."""
    text = _prepare(subject, body)
    scores: dict[Category, float] = {}
    hits: dict[Category, list[str]] = {}
    for category, pattern, weight in RULES:
        match = pattern.search(text)
        if match:
            scores[category] = scores.get(category, 0.0) + weight
            hits.setdefault(category, []).append(match.group(0))
    positive = {c: s for c, s in scores.items() if s > 0}
    if not positive:
        return Classification(category=C.out_of_scope, confidence=VAGUE_CONFIDENCE, classified_by="ticket_rules",
                              reasons=["no order-problem phrase found"])
    ranked = sorted(positive.items(), key=lambda kv: (-kv[1], TIE_ORDER.index(kv[0])))
    best, score = ranked[0]
    runner_up = ranked[1][1] if len(ranked) > 1 else 0.0
    confidence = round(min(0.99, 0.5 + 0.5 * (score - runner_up) / max(score, 1.0)), 2)
    reasons = [f"matched {', '.join(repr(h) for h in hits[best][:3])}"]
    if len(ranked) > 1:
        reasons.append(f"runner-up {ranked[1][0].value} ({runner_up:g} vs {score:g})")
    return Classification(category=best, confidence=confidence, classified_by="ticket_rules", reasons=reasons)


_NEGATIVE = re.compile(
    r"ridiculous|unacceptable|furious|angry|worst|terrible|horrible|awful|scam|lawyer|attorney|bbb|"
    r"never (?:order|buy|shop)|fed up|sick of|disgust|pathetic|joke|incompetent|rip ?off|wtf|!!!|"
    r"third time|again and again|still (?:no|nothing|waiting)|no one (?:has )?(?:answer|respond|replie)"
)


def negative_tone(text: str) -> bool:
    """Anger or repeated frustration in the customer's words (or shouting in capitals)."""
    if _NEGATIVE.search(text.lower()):
        return True
    letters = [c for c in text if c.isalpha()]
    return len(letters) >= 20 and sum(c.isupper() for c in letters) / len(letters) > 0.6
