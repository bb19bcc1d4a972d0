"""Which desk category a request belongs to: its intent decides the family, and the English phrase rules
(copilot/reading/rules.py) pick within it (a late order that never left the warehouse vs one lost by the
carrier). Facts refine it again in triage (copilot/reading/derive.py)."""

from __future__ import annotations

from copilot.core.models import Category
from copilot.reading.model import Intent

C = Category

FAMILY: dict[Intent, tuple[Category, ...]] = {
    Intent.cancel: (C.change_request,),
    Intent.change_items: (C.change_request, C.inventory_mismatch, C.split_shipment),
    Intent.change_address: (C.address_issue,),
    Intent.change_payment: (C.change_request, C.payment_failure),
    Intent.exchange: (C.change_request,),
    Intent.return_refund: (C.refund_request,),
    Intent.where_is_order: (C.delivery_exception, C.fulfillment_delay, C.threepl_exception, C.split_shipment,
                            C.inventory_mismatch, C.fraud_hold, C.address_issue, C.payment_failure),
    Intent.damaged_missing_wrong: (C.concession_request, C.delivery_exception, C.split_shipment),
    Intent.payment_problem: (C.payment_failure, C.refund_request, C.fraud_hold),
    Intent.dispute: (C.chargeback,),
    Intent.compensation: (C.concession_request, C.refund_request),
    Intent.question: tuple(c for c in Category if c is not C.out_of_scope),
    Intent.other: tuple(c for c in Category if c is not C.out_of_scope),
}
DEFAULT: dict[Intent, Category] = {
    Intent.question: C.fulfillment_delay, Intent.other: C.fulfillment_delay,
}


def category_for(intent: Intent, scores: dict[Category, float], sentence: str = "") -> Category:
    family = FAMILY[intent]
    ranked = sorted(((s, c) for c, s in scores.items() if c in family and s > 0), key=lambda sc: (-sc[0], family.index(sc[1])))
    if ranked:
        return ranked[0][1]
    return DEFAULT.get(intent, family[0])
