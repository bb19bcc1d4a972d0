"""Deterministic categorisation: system signals by kind and code, customer tickets by weighted text rules."""

from __future__ import annotations

import json
import math
import re
from collections import Counter
from functools import lru_cache
from pathlib import Path

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
    # payment_failure: the money did not go through
    (C.payment_failure, _r(r"declin|payment (?:could not|couldn'?t|didn'?t|did not|was not|wasn'?t|not) (?:be )?(?:go|process|complet|accept|work)|payment (?:failed|failure|error|problem|issue|pending)|(?:pay|payment|charge|transaction) (?:failed|declined|not accepted|not completed|didn'?t complete|won'?t go)"), 4),
    (C.payment_failure, _r(r"\b(?:card|visa|mastercard|amex|debit card|credit card|paypal|apple pay)\b.{0,40}\b(?:rejected|refused|declined|bounc|won'?t (?:take|work)|not (?:accepted|working)|failed|expired|blocked|limit)|won'?t (?:take|accept) my"), 3),
    (C.payment_failure, _r(r"(?:retry|re-?run|run it again|try (?:charging|again)|charge (?:it|me|my card) again|charging again)|insufficient funds|unpaid|couldn'?t (?:charge|pay)|can'?t pay|link to pay|finish (?:paying|the purchase)|(?:different|new|another|other) (?:card|payment)|change (?:the )?card|billing (?:info|issue|problem)|3d secure|authori[sz]ation (?:attempt|failed)|do_not_honor|processing error|payment another way|pay (?:with|by|another)"), 3),
    # fraud_hold: we are holding a paid order to check it
    (C.fraud_hold, _r(r"on (?:a )?(?:security )?hold|\bheld\b(?! at)|\bhold (?:notice|on)|hold(?:ing)? my order|it was me|i'?m the cardholder|i approve|yes,? i placed|under review|in review|(?:pending|manual|risk|fraud|security) (?:review|check|hold)|stuck in review|paused for review|verif|flagged|suspicious|unusual activity|high risk|fraud (?:team|check)|release (?:it|my order|the order)|isn'?t released|not released|identity|photo id|id check|proof of address|blocked my order|treated as a scammer"), 4),
    # address_issue: where it should go is wrong or incomplete
    (C.address_issue, _r(r"apartment|\bapt\b|unit (?:number|\d)|suite|zip|po box|p\.o\. box|house number|street (?:name|number)|room \d|dorm|gate code|building [a-z]\b|wrong (?:city|state)"), 4),
    (C.address_issue, _r(r"address|\bmoved\b|ship (?:it )?to my (?:office|work|new)|reroute.{0,30}(?:to my|apartment)|where .{0,12}ships"), 3),
    (C.address_issue, _r(r"(?:wrong|change|update|correct|fix|incomplete|old|new|different) (?:the |my )?(?:shipping |delivery )?address|address (?:is |was )?(?:wrong|incomplete|missing|typo|correction|update|change|mistake)|to my (?:address|po box|apartment)"), 3),
    # inventory_mismatch: the item is not there to ship
    (C.inventory_mismatch, _r(r"out of stock|out-of-stock|backorder|back order|(?:no|not in|isn'?t in) stock|in stock|sold out|oversold|no inventory|(?:stock|inventory) (?:issue|error|problem|availability|count)|due to (?:stock|inventory)|awaiting (?:inventory|stock)|waiting on (?:inventory|a restock)|(?:no longer|not|now shows?|is) (?:available|unavailable)|unavailable|discontinued|shortage|can'?t (?:fulfill|find my item)|restock"), 4),
    # split_shipment: part now, part later
    (C.split_shipment, _r(r"(?:only|just) (?:part|half|some|one|\d) of|(?:part|half) of (?:my |the )?order|rest of (?:my |the )?order|the rest\b|remaining items?|other half|partial(?:ly)?(?! refund)|\d (?:of|out of) \d items|half (?:my|the) order|ship(?:ped)? what you have|(?:ship|send|arrive|arriving|come)\w* (?:them |the items |it )?(?:separately|in two|in (?:several|multiple) (?:parts|shipments))|\bsplit(?! payment| the payment)|(?:one|some) of (?:my |the )?items (?:shipped|arrived)|the other (?:one )?still|(?:ship|send|come)\w* later|(?:send|ship) the others|two (?:packages|shipments|boxes|tracking)|second (?:package|shipment|box)|multiple shipments|one box (?:out )?of two|available items|in-stock items|(?:first|second) (?:shipment|half)|(?:others?|other one|the rest) (?:later|this week)|all at once|(?:together|combine)"), 4),
    # fulfillment_delay: it has not left the warehouse in time
    (C.fulfillment_delay, _r(r"(?:hasn'?t|has not|haven'?t|didn'?t|did not|not yet|never|still not|still hasn'?t|not) (?:even )?(?:been )?(?:ship|sent|dispatch)|(?:when|will) (?:will |does )?(?:it|my order|this|the order)? ?(?:ship|leave|go out|be shipped)|(?:still|says) (?:processing|preparing|in processing|unfulfilled)|preparing (?:for shipment|your order)|sitting in processing|ship(?:ping)? (?:date|window|delay|confirmation|email)|supposed to ship|delay|\blate\b|behind schedule|slow dispatch|expedite|prioriti[sz]e|speed it up|handling time|processing time|sooner|taking (?:so |too )?long|shipped yet|(?:is|has) it (?:been )?shipped|no (?:label|shipping)"), 3),
    # change_request: cancel or edit before it ships
    (C.change_request, _r(r"\bcancel(?!led\b|ed\b| and shop|lation of| nothing)|cancellation request|(?:change|swap|switch|exchange|upgrade|modify|edit)\b.{0,40}(?:size|colou?r|item|quantit|variant|model)|(?:change|modify|edit|upgrade) (?:my |the )?(?:order|#)|(?:add|remove)\b.{0,30}(?:item|\bone\b|pair|line)|replace\b.{0,40}\bwith\b|ordered (?:the )?wrong|by mistake|accidental|placed the same order twice|before (?:it|you) ships?|before packing|don'?t ship|stop (?:my order|it)|undo|changed my mind|don'?t (?:want|need) (?:it|the order)|no longer need"), 4),
    (C.change_request, _r(r"\bcancel\b"), 2),
    # paying an order that went through with another saved method is an edit, not a failed payment
    (C.change_request, _r(r"(?:change|switch|update|move|modify)\b.{0,30}\bpayment (?:method|to|for)|pay (?:for )?(?:it|(?:the |my |this )?order(?: #?\w+)?) (?:with|using) (?:my |the )?(?:paypal|gift ?card|credit card|visa|mastercard|amex|other card|another card)\b.{0,40}\binstead"), 5),
    # threepl_exception: label exists but the carrier never got it, or the warehouse erred
    (C.threepl_exception, _r(r"label (?:was |get |got )?(?:created|printed|made|exists|not found|voided)|(?:only )?a (?:shipping )?label|pre-?\s?transit|pre-shipment|shipment information received|info(?:rmation)? received|not yet in possession|awaiting (?:carrier )?pick ?up|(?:hasn'?t|haven'?t|never|not|didn'?t) (?:been )?(?:picked up|handed|receive[d]? (?:it|the package|my parcel))|never got the package|no (?:first )?scans?|no movement since|carrier (?:has no info|site has nothing|says no package|can'?t find)|tracking (?:number )?(?:doesn'?t work|invalid|is invalid|says invalid|disappeared|link)|belongs to a different|someone else'?s package|your (?:3pl|warehouse|fulfillment center)|waiting at your warehouse|packing error|packed the wrong|at the warehouse before|marked shipped but|said shipped|shipped (?:email|three days ago)|before the carrier"), 5),
    # delivery_exception: it left, the carrier has a problem
    (C.delivery_exception, _r(r"(?:says|shows|marked|showing|notification|notice)\W+(?:as )?delivered|delivered (?:but|notification|to (?:the )?(?:wrong|front desk|mailroom))|never (?:arrived|received|got|came)|(?:package|parcel|order|it)\b.{0,20}\b(?:lost|missing|stolen|vanished)|lost in (?:transit|the mail)|lost package|return(?:ed)? to sender|going back to your|stuck in transit|in transit (?:for|since)|transit (?:for|since)|sorting (?:center|facility)|delivery (?:failed|attempt|exception|has been delayed|delayed)|attempted|couldn'?t (?:be )?deliver|undeliverable|held at|pick up my package|redeliver|not delivered|where is my (?:package|parcel)|out for delivery|signed for|refused delivery|misrouted|carrier (?:exception|returned|notice)|damaged in transit|tracking (?:hasn'?t|has not|stopped) (?:moved|updat)|hasn'?t moved|last scan|weather|photo on the delivery|delivered to"), 4),
    # refund_request: money back for something returned, cancelled or overcharged
    (C.refund_request, _r(r"refund|money back|reimburs|credit(?:ed)? (?:be )?back|credited|where(?:'s| is) (?:my |the )?money|get (?:the )?(?:full )?amount back|charged twice|double charged|duplicate charge|store credit|(?:returned|sent back|shipped back)\b.{0,40}|return (?:was )?(?:received|processed|delivered|scanned|window)|my return|price drop"), 3),
    # A customer who wants to send items back is asking for their money, whatever the reason.
    (C.refund_request, _r(r"\b(?:want|like|need|wish) to return\b|\bcan i return\b|\bhow (?:do|can) i return\b|\breturn (?:the|these|this|my|both|all)\b(?! (?:label|to sender))"), 3),
    # concession_request: what arrived is damaged, wrong or incomplete
    (C.concession_request, _r(r"damaged|broken|broke\b|crushed|cracked|shattered|defective|faulty|\bdent(?:ed)?\b|torn|stained|scratched|leak|dead on arrival|doesn'?t (?:work|heat|charge)|won'?t power|not what i ordered|wrong (?:item|size|colou?r|product|model|quantity)|(?:sent|got|received) (?:me )?(?:a |an |the )?(?:small|wrong|someone else)|i ordered \w+ and got|instead of the|missing (?:from|parts?|an? item|item|piece|accessory)|(?:was|is|were) missing|without the|only \d+ pack|only (?:got|received) \d|incomplete order|order is incomplete|two different sizes|looks used|box arrived empty|replacement"), 4),
    # chargeback: the customer went to the bank
    (C.chargeback, _r(r"charge ?back|dispute|disputing|contested|(?:my|the) bank (?:is|has|opened|reversed|says|claim)|bank claim|card (?:issuer|company)|issuer|credit union|reported (?:the|it|\S+ as)|(?:reversing|reversed) the (?:charge|payment)|filed a claim|unauthori[sz]ed|visa dispute|paypal dispute|(?:to|with) (?:my|the) bank"), 5),
    # out_of_scope: not an order problem
    (C.out_of_scope, _r(r"unsubscribe|newsletter|marketing emails|password|log ?in|sign ?in|\b2fa\b|account (?:and|settings|email)|(?:delete|email address on) my account|profile|invoice (?:for|with|to)|(?:send|need|get|resend) (?:me )?(?:a |an |the )?(?:vat )?invoice|\bvat\b|receipt for|expense report|wholesale|partnership|influencer|sponsor|hiring|open roles|\bcv\b|apply|size guide|what size should|promo code|discount code|student discount|coupon|gift card balance|loyalty points|store hours|physical store|catalog|price match|tax-exempt|nonprofit|ccpa|personal data|review removed|quote for|won a free|just wanted to say"), 5),
    (C.out_of_scope, _r(r"warranty|before (?:i buy|i order|buying)|thinking (?:of|about) (?:buying|placing)|do you (?:ship|have|offer)|want to buy"), 3),
    # words that name another problem's fix, or a threat, not a request
    (C.change_request, _r(r"(?:i'?ll|i will|going to|or i|otherwise i) cancel|don'?t cancel|cancel nothing|not (?:to )?cancel|rather wait than cancel"), -5),
    (C.fulfillment_delay, _r(r"delivery (?:has been )?delayed|delayed due to (?:weather|stock)"), -3),
    (C.concession_request, _r(r"ordered (?:the )?wrong|by mistake|before (?:it|you) ships?|before packing|(?:package|parcel) (?:is |was )?missing"), -4),
    (C.delivery_exception, _r(r"return (?:was )?(?:delivered|received)|delivered to (?:you|your warehouse)"), -4),
    (C.delivery_exception, _r(r"(?:carrier|tracking|courier)\b.{0,30}\b(?:damaged|returned|held|wrong address|different city)|delivered to (?:the )?wrong address"), 3),
    (C.fraud_hold, _r(r"verif\w* (?:my |the )?address"), -4),
    # a threat to go to the bank is leverage in another request, not a dispute the bank opened
    (C.chargeback, _r(r"(?:i'?ll|i will|i'?m going to|going to|or i|otherwise i|will have to|about to|before i)\s+(?:\w+\s+){0,3}(?:charge ?back|dispute|(?:call|contact) (?:my|the) bank)"), -6),
]
TIE_ORDER = [C.chargeback, C.fraud_hold, C.payment_failure, C.concession_request, C.delivery_exception,
             C.refund_request, C.address_issue, C.inventory_mismatch, C.split_shipment, C.change_request,
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
        return _fallback(text)
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


# A multinomial naive Bayes over words and word pairs, trained on the train and dev splits of our
# labelled tickets; it only speaks when no phrase rule matched, so the rules stay the explanation.
TRAINING_DATA = Path(__file__).resolve().parents[1] / "evals" / "datasets" / "tickets.jsonl"
TRAINING_SPLITS = ("train", "dev")
MODEL_MIN_PROBABILITY = 0.5
_TOKEN = re.compile(r"[a-z]+(?:'[a-z]+)?")


def _features(text: str) -> list[str]:
    words = _TOKEN.findall(text)
    return words + [f"{a} {b}" for a, b in zip(words, words[1:], strict=False)]


class NaiveBayes:
    def __init__(self, examples: list[tuple[str, Category]], alpha: float = 0.5) -> None:
        self.counts: dict[Category, Counter[str]] = {}
        docs: Counter[Category] = Counter()
        for text, label in examples:
            self.counts.setdefault(label, Counter()).update(_features(text))
            docs[label] += 1
        vocabulary = {f for c in self.counts.values() for f in c}
        self.prior = {c: math.log(n / sum(docs.values())) for c, n in docs.items()}
        self.unknown = {c: math.log(alpha / (sum(n.values()) + alpha * len(vocabulary))) for c, n in self.counts.items()}
        self.logp = {c: {f: math.log((k + alpha) / (sum(n.values()) + alpha * len(vocabulary))) for f, k in n.items()}
                     for c, n in self.counts.items()}

    def predict(self, text: str) -> tuple[Category, float]:
        features = _features(text)
        scores = {c: self.prior[c] + sum(self.logp[c].get(f, self.unknown[c]) for f in features) for c in self.prior}
        top = max(scores.values())
        total = sum(math.exp(v - top) for v in scores.values())
        best = max(scores, key=lambda c: scores[c])
        return best, 1 / total


@lru_cache(maxsize=1)
def _model() -> NaiveBayes | None:
    if not TRAINING_DATA.exists():
        return None
    examples = []
    for line in TRAINING_DATA.read_text().splitlines():
        row = json.loads(line)
        if row["split"] in TRAINING_SPLITS:
            examples.append((_prepare(row["subject"], row["body"]), Category(row["label"])))
    return NaiveBayes(examples) if examples else None


def _fallback(text: str) -> Classification:
    model = _model()
    if model is not None:
        category, probability = model.predict(text)
        if probability >= MODEL_MIN_PROBABILITY and category is not C.out_of_scope:
            return Classification(category=category, confidence=round(min(0.9, probability) * 0.8, 2),
                                  classified_by="ticket_model",
                                  reasons=[f"no phrase rule matched; word model says {category.value} "
                                           f"(p={probability:.2f})"])
    return Classification(category=C.out_of_scope, confidence=VAGUE_CONFIDENCE, classified_by="ticket_rules",
                          reasons=["no order-problem phrase found"])
