"""Hybrid facts: what the LLM read, checked against what the systems of record say (guardrail rule 11).

Where the two disagree on anything that changes an action (which order, how much money, which category)
the deterministic side wins and the disagreement is listed, so it can be recorded on the case. An order
the ticket names is only taken when it belongs to the customer the signal identifies (rule 8).
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Literal

from pydantic import Field

from copilot.core.models import Category, Strict
from copilot.llm.uses import Language, TicketFacts, Tone, normalize_order_ref


class DeterministicFacts(Strict):
    """Facts from the case and the systems of record; `customer_order_ids` None means the customer is unknown."""

    order_id: str | None = None
    customer_order_ids: list[str] | None = None
    amount: Decimal | None = None
    category: Category | None = None


class Disagreement(Strict):
    field: Literal["order", "amount", "category"]
    llm_value: str
    deterministic_value: str | None
    kept: Literal["deterministic"] = "deterministic"
    reason: str


class ReconciledFacts(Strict):
    order_id: str | None
    order_source: Literal["deterministic", "llm_verified", "none"]
    category: Category | None
    category_source: Literal["deterministic", "llm", "none"]
    amount: Decimal | None
    requested_change: str | None = None
    new_address: str | None = None
    tone: Tone = Tone.neutral
    language: Language = Language.en
    rejected_order_refs: list[str] = Field(default_factory=list)


def reconcile(llm: TicketFacts | None, det: DeterministicFacts) -> tuple[ReconciledFacts, list[Disagreement]]:
    """Facts to act on, and where the LLM's reading was overruled."""
    if llm is None:
        return _deterministic_only(det), []
    disagreements: list[Disagreement] = []
    order_id, order_source, rejected = _order(llm, det, disagreements)
    amount = _amount(llm, det, disagreements)
    category, category_source = _category(llm, det, disagreements)
    facts = ReconciledFacts(
        order_id=order_id, order_source=order_source, category=category, category_source=category_source,
        amount=amount, requested_change=llm.requested_change, new_address=llm.new_address, tone=llm.tone,
        language=llm.language, rejected_order_refs=rejected,
    )
    return facts, disagreements


def _deterministic_only(det: DeterministicFacts) -> ReconciledFacts:
    return ReconciledFacts(
        order_id=det.order_id, order_source="deterministic" if det.order_id else "none",
        category=det.category, category_source="deterministic" if det.category else "none", amount=det.amount,
    )


def _order(llm: TicketFacts, det: DeterministicFacts,
           out: list[Disagreement]) -> tuple[str | None, Literal["deterministic", "llm_verified", "none"], list[str]]:
    owned = {normalize_order_ref(o) for o in det.customer_order_ids or []}
    case_order = normalize_order_ref(det.order_id) if det.order_id else None
    own_refs, rejected = [], []
    for ref in llm.order_refs:
        if ref == case_order or ref in owned:
            own_refs.append(ref)
            continue
        rejected.append(ref)
        why = ("the customer is not identified, so the order cannot be verified" if det.customer_order_ids is None
               else "the order does not belong to the customer the signal identifies")
        out.append(Disagreement(field="order", llm_value=ref, deterministic_value=det.order_id, reason=why))
    if det.order_id:
        others = [r for r in own_refs if r != case_order]
        if others and case_order not in own_refs:
            out.append(Disagreement(field="order", llm_value=", ".join(others), deterministic_value=det.order_id,
                                    reason="the ticket names another of the customer's orders than the case"))
        return det.order_id, "deterministic", rejected
    if len(own_refs) == 1:
        return _original_id(own_refs[0], det.customer_order_ids or []), "llm_verified", rejected
    return None, "none", rejected


def _original_id(ref: str, ids: list[str]) -> str:
    return next((o for o in ids if normalize_order_ref(o) == ref), ref)


def _amount(llm: TicketFacts, det: DeterministicFacts, out: list[Disagreement]) -> Decimal | None:
    if llm.amount is None:
        return det.amount
    try:
        said = Decimal(str(llm.amount)).quantize(Decimal("0.01"))
    except InvalidOperation:
        said = None
    if det.amount is None or said != det.amount.quantize(Decimal("0.01")):
        out.append(Disagreement(
            field="amount", llm_value=str(llm.amount),
            deterministic_value=None if det.amount is None else str(det.amount),
            reason="amounts come from the order and payment records, never from ticket text",
        ))
    return det.amount


def _category(llm: TicketFacts, det: DeterministicFacts,
              out: list[Disagreement]) -> tuple[Category | None, Literal["deterministic", "llm", "none"]]:
    if det.category is None:
        return Category(llm.intent.value), "llm"
    if llm.intent != det.category:
        out.append(Disagreement(field="category", llm_value=llm.intent.value, deterministic_value=det.category.value,
                                reason="the deterministic classification wins over the model's reading"))
    return det.category, "deterministic"
