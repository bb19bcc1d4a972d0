"""The English phrase rules that tell the desk categories apart (which kind of late, which kind of payment
trouble). The Reading decides what is asked; these weigh which category a request of that intent belongs to."""

from __future__ import annotations

import re

from copilot.core.models import Category

C = Category


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
    (C.fraud_hold, _r(r"on (?:a )?(?:security )?hold|\bheld\b(?! at)|\bhold (?:notice|on)|hold(?:ing)? my order|it was me|i'?m the cardholder|i approve|yes,? i placed|under review|in review|(?:pending|manual|risk|fraud|security) (?:review|check|hold)|stuck in review|paused for review|verif\w* (?:my |the |your )?(?:order|purchase|identity|payment|card)|verification (?:pending|required|hold|check|didn'?t match|mismatch)|(?:pending|awaiting|held for|waiting for) verification|flagged|suspicious|unusual activity|high risk|fraud (?:team|check)|release (?:it|my order|the order|the hold)|confirm (?:that )?i (?:did )?place|isn'?t released|not released|identity|photo id|id check|proof of address|blocked my order|treated as a scammer"), 4),
    # address_issue: where it should go is wrong or incomplete
    (C.address_issue, _r(r"apartment|\bapt\b|unit (?:number|\d)|suite|zip|po box|p\.o\. box|house number|street (?:name|number)|room \d|dorm|gate code|building [a-z]\b|wrong (?:city|state)"), 4),
    (C.address_issue, _r(r"address|\bmoved\b|ship (?:it )?to my (?:office|work|new)|reroute.{0,30}(?:to my|apartment)|where .{0,12}ships"), 3),
    (C.address_issue, _r(r"(?:wrong|change|update|correct|fix|incomplete|old|new|different) (?:the |my )?(?:shipping |delivery )?address|address (?:is |was )?(?:wrong|incomplete|missing|typo|correction|update|change|mistake)|to my (?:address|po box|apartment)"), 3),
    # inventory_mismatch: the item is not there to ship
    (C.inventory_mismatch, _r(r"out of stock|out-of-stock|backorder|back order|(?:no|not in|isn'?t in) stock|in stock|sold out|oversold|no inventory|(?:stock|inventory) (?:issue|error|problem|availability|count)|due to (?:stock|inventory)|awaiting (?:inventory|stock)|waiting on (?:inventory|a restock)|(?:no longer|not|now shows?|is) (?:available|unavailable)|unavailable|discontinued|shortage|can'?t (?:fulfill|find my item)|restock"), 4),
    # split_shipment: part now, part later
    (C.split_shipment, _r(r"(?:only|just) (?:part|half|some|one|\d) of|(?:part|half) of (?:my |the )?order|rest of (?:my |the )?order|the rest\b|remaining items?|other half|partial(?:ly)?(?! refund)|\d (?:of|out of) \d items|half (?:my|the) order|ship(?:ped)? what you have|(?:ship|send|arrive|arriving|come)\w* (?:them |the items |it )?(?:separately|in two|in (?:several|multiple) (?:parts|shipments))|\bsplit(?! payment| the payment)|(?:one|some) of (?:my |the )?items (?:shipped|arrived)|the other (?:one )?still|(?:ship|send|come)\w* later|(?:send|ship) the others|two (?:packages|shipments|boxes|tracking)|second (?:package|shipment|box)|multiple shipments|one box (?:out )?of two|available items|in-stock items|(?:first|second) (?:shipment|half)|(?:others?|other one|the rest) (?:later|this week)|all at once|(?:together|combine)"), 4),
    # fulfillment_delay: it has not left the warehouse in time
    (C.fulfillment_delay, _r(r"(?:hasn'?t|has not|haven'?t|didn'?t|did not|not yet|never|still not|still hasn'?t|not) (?:even )?(?:been )?(?:ship|sent|dispatch)|(?:when|will) (?:will |does )?(?:it|my order|this|the order)? ?(?:ship|leave|go out|be shipped)|(?:still|says) (?:processing|preparing|in processing|unfulfilled)|preparing (?:for shipment|your order)|sitting in processing|processing (?:forever|for (?:days|a week|ages))|\beta\b|still says '?preparing|ship(?:ping)? (?:date|window|delay|confirmation|email)|supposed to ship|delay|\blate\b|behind schedule|slow dispatch|expedite|prioriti[sz]e|speed it up|handling time|processing time|sooner|taking (?:so |too )?long|shipped yet|(?:is|has) it (?:been )?shipped|no (?:label|shipping)"), 3),
    # change_request: cancel or edit before it ships
    (C.change_request, _r(r"\bcancel(?!led\b|ed\b| and shop|lation of| nothing)|cancellation request|(?:change|swap|switch|exchange|upgrade|modify|edit)\b.{0,40}(?:size|colou?r|item|quantit|variant|model)|(?:change|modify|edit|upgrade) (?:my |the )?(?:order|#)|(?:add|remove)\b.{0,30}(?:item|\bone\b|pair|line)|replace\b.{0,40}\bwith\b|ordered (?:the )?wrong|by mistake|accidental|placed the same order twice|before (?:it|you) ships?|before packing|don'?t ship|stop (?:my order|it)|undo|changed my mind|don'?t (?:want|need) (?:it|the order)|no longer need"), 4),
    (C.change_request, _r(r"\bcancel\b"), 2),
    # paying an order that went through with another saved method is an edit, not a failed payment
    (C.change_request, _r(r"(?:change|switch|update|move|modify)\b.{0,30}\bpayment (?:method|to|for)|pay (?:for )?(?:it|(?:the |my |this )?order(?: #?\w+)?) (?:with|using) (?:my |the )?(?:paypal|gift ?card|credit card|visa|mastercard|amex|other card|another card)\b.{0,40}\binstead"), 5),
    # threepl_exception: label exists but the carrier never got it, or the warehouse erred
    (C.threepl_exception, _r(r"label (?:was |get |got )?(?:created|printed|made|exists|not found|voided)|(?:only )?a (?:shipping )?label|pre-?\s?transit|pre-shipment|shipment information received|info(?:rmation)? received|not yet in possession|awaiting (?:carrier )?pick ?up|(?:hasn'?t|haven'?t|never|not|didn'?t) (?:been )?(?:picked up|handed|receive[d]? (?:it|the package|my parcel))|never got the package|no (?:first )?scans?|no movement since|carrier (?:has no info|site has nothing|says no package|can'?t find)|tracking (?:number )?(?:doesn'?t work|invalid|is invalid|says invalid|disappeared|link)|belongs to a different|someone else'?s package|your (?:3pl|warehouse|fulfillment center)|waiting at your warehouse|packing error|packed the wrong|at the warehouse before|marked shipped but|said shipped|shipped (?:email|three days ago)|before the carrier"), 5),
    # delivery_exception: it left, the carrier has a problem
    (C.delivery_exception, _r(r"(?:says|shows|marked|showing|notification|notice)\W+(?:as )?delivered|delivered (?:but|notification|to (?:the )?(?:wrong|front desk|mailroom))|delivered\b.{0,30}\bbut (?:i )?(?:don'?t|didn'?t|never|do not)|never (?:arrived|received|got|came)|(?:package|parcel|order|it)\b.{0,20}\b(?:lost|missing|stolen|vanished)|lost in (?:transit|the mail)|lost package|return(?:ed)? to sender|going back to your|stuck in transit|in transit (?:for|since)|transit (?:for|since)|sorting (?:center|facility)|delivery (?:failed|attempt|exception|has been delayed|delayed)|attempted|couldn'?t (?:be )?deliver|undeliverable|held at|pick up my package|redeliver|not delivered|where is my (?:package|parcel)|out for delivery|signed for|refused delivery|misrouted|carrier (?:exception|returned|notice)|damaged in transit|tracking (?:hasn'?t|has not|stopped) (?:moved|updat)|hasn'?t moved|last scan|weather|photo on the delivery|delivered to"), 4),
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



def rule_scores(text: str) -> tuple[dict[Category, float], dict[Category, list[str]]]:
    """Every category's summed rule weight over the (lower-cased) text, and the phrases that matched."""
    scores: dict[Category, float] = {}
    hits: dict[Category, list[str]] = {}
    for category, pattern, weight in RULES:
        match = pattern.search(text)
        if match:
            scores[category] = scores.get(category, 0.0) + weight
            hits.setdefault(category, []).append(match.group(0))
    return scores, hits
