"""The desk API's request and response bodies, with the examples shown in the OpenAPI document."""

from __future__ import annotations

from typing import Any

from pydantic import ConfigDict, Field, JsonValue, model_validator
from pydantic.config import JsonDict

from copilot.core.models import Strict
from copilot.desk.ownership import CloseOutcome
from copilot.desk.queries import (  # noqa: F401 - the read models are part of this API's schema
    CaseDetail,
    CasePage,
    CaseSummary,
    Out,
    QueueStats,
    QueuesView,
    SlaState,
)


def _examples(*examples: JsonDict) -> ConfigDict:
    return ConfigDict(extra="forbid", json_schema_extra={"examples": list(examples)})


def _has_nul(value: Any) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_has_nul(k) or _has_nul(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_has_nul(v) for v in value)
    return False


class PlanVersioned(Strict):
    plan_version: int = Field(ge=0, description="The plan version the decision was made on; stale answers 409.")

    @model_validator(mode="before")
    @classmethod
    def no_nul_characters(cls, data: Any) -> Any:
        """PostgreSQL text cannot hold NUL: a decision carrying one is refused here (422), not by the database (500)."""
        if _has_nul(data):
            raise ValueError("text may not contain NUL (\\u0000) characters")
        return data


class ApproveRequest(PlanVersioned):
    model_config = _examples({"plan_version": 1, "comment": "checked the AVS result"})
    comment: str | None = Field(default=None, max_length=2000)


class EditRequest(PlanVersioned):
    model_config = _examples(
        {"plan_version": 1, "message": "Hi Ana, could you confirm your apartment number?"},
        {"plan_version": 2, "args": {"a1": {"amount": "25.00"}}, "comment": "partial refund only"},
    )
    message: str | None = Field(default=None, min_length=1, max_length=4000, description="New draft body.")
    args: dict[str, dict[str, JsonValue]] | None = Field(
        default=None, description="Replacement arguments by action id."
    )
    comment: str | None = Field(default=None, max_length=2000)


class RejectRequest(PlanVersioned):
    model_config = _examples({"plan_version": 1, "reason": "customer already called and cancelled"})
    reason: str = Field(min_length=3, max_length=2000)
    close: bool = Field(default=False, description="Close the case with the reason instead of replanning.")


class AssignRequest(PlanVersioned):
    model_config = _examples({"plan_version": 1, "assignee": "maria"})
    assignee: str = Field(min_length=1, max_length=200)


class EscalateRequest(PlanVersioned):
    model_config = _examples({"plan_version": 1, "reason": "needs the risk owner's call"})
    reason: str = Field(min_length=3, max_length=2000)


class NoteRequest(PlanVersioned):
    model_config = _examples({"plan_version": 1, "body": "customer prefers email, not phone"})
    body: str = Field(min_length=1, max_length=4000)


class TakeRequest(PlanVersioned):
    model_config = _examples({"plan_version": 2})


class ReplanRequest(PlanVersioned):
    model_config = _examples({"plan_version": 2, "reason": "the customer called: the parcel arrived"})
    reason: str = Field(min_length=3, max_length=2000)


class HandBackRequest(PlanVersioned):
    model_config = _examples({"plan_version": 2, "note": "risk checked the order: release is fine"})
    note: str = Field(min_length=3, max_length=2000)


class CloseRequest(PlanVersioned):
    model_config = _examples({"plan_version": 2, "outcome": "refunded", "reason": "dispute accepted, amount returned"})
    outcome: CloseOutcome = Field(description="The definition of done the case reached.")
    reason: str = Field(min_length=3, max_length=2000)


class ActionAccepted(Out):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"case_id": 42, "status": "escalated", "plan_version": 1,
                                         "detail": "escalated to ops_lead (level 1)"}]},
    )
    case_id: int
    status: str
    plan_version: int
    detail: str


