"""The domain's vocabulary: categories, dispositions, statuses, and the normalized signal. The shared part
(Strict, Category, Signal, ...) lives in tools/contracts/domain.py, below every layer that uses it."""

from __future__ import annotations

from enum import StrEnum

from tools.contracts.domain import (
    PRE_FULFILLMENT,
    WORKED_CATEGORIES,
    Address,
    Category,
    Signal,
    SignalKind,
    SignalSource,
    Strict,
)

__all__ = ["OPEN_STATUSES", "PRE_FULFILLMENT", "WORKED_CATEGORIES", "Address", "CaseStatus", "Category",
           "Disposition", "Priority", "Signal", "SignalKind", "SignalSource", "Strict"]


class Disposition(StrEnum):
    fixable_now = "fixable_now"
    needs_customer_decision = "needs_customer_decision"
    must_cancel = "must_cancel"
    escalate = "escalate"


class Priority(StrEnum):
    P1 = "P1"
    P2 = "P2"
    P3 = "P3"
    P4 = "P4"


class CaseStatus(StrEnum):
    new = "new"
    triaged = "triaged"
    awaiting_approval = "awaiting_approval"
    executing = "executing"
    awaiting_customer = "awaiting_customer"
    verifying = "verifying"
    escalated = "escalated"
    closed = "closed"
    routed_away = "routed_away"


OPEN_STATUSES = frozenset(s for s in CaseStatus if s not in (CaseStatus.closed, CaseStatus.routed_away))
