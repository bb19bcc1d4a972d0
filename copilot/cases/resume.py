"""What wakes a paused case thread: one tagged union from the API (or intake, or a scheduler) to the node.

A resume travels as JSON (a case_jobs row, then LangGraph's checkpoint of the pending write) and is parsed
back into its type at each end, so the checkpoint holds no pickled class and old rows stay readable."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import Field, JsonValue, TypeAdapter, model_validator

from copilot.core.models import Strict
from copilot.core.roles import Role


class ActionEdit(Strict):
    action_id: str = Field(min_length=1)
    args: dict[str, JsonValue]


class _Decided(Strict):
    """A person's (or rule 10's) decision on one plan version."""

    plan_version: int = Field(ge=1)
    actor: str = Field(min_length=1)
    role: Role
    reason: str | None = None


class Approve(_Decided):
    action: Literal["approve"] = "approve"
    auto: bool = False


class Edit(_Decided):
    action: Literal["edit"] = "edit"
    edits: list[ActionEdit] = Field(default_factory=list)
    message: str | None = Field(default=None, description="The edited customer message.")
    while_escalated: bool = Field(default=False, description="Made on an escalated case: the edited plan stays "
                                  "with its owner.")

    @model_validator(mode="after")
    def _changes_something(self) -> Edit:
        if not self.edits and self.message is None:
            raise ValueError("an edit needs edited arguments or an edited message")
        return self


class Reject(_Decided):
    action: Literal["reject"] = "reject"
    close: bool = Field(default=False, description="Close the case with the reason instead of replanning.")

    @model_validator(mode="after")
    def _gives_a_reason(self) -> Reject:
        if not (self.reason and self.reason.strip()):
            raise ValueError("a rejection needs a reason")
        return self


class Replan(Strict):
    """Plan again on facts read again: a material signal joined a case waiting for a decision
    (copilot/workflow/replies.py, with its signal), or an escalated case's owner asked for it (copilot/desk/owner_actions.py)."""

    action: Literal["replan"] = "replan"
    plan_version: int = Field(ge=1)
    reason: str
    reread_ticket: bool
    signal_id: int | None = None
    actor: str | None = None
    role: Role | None = None


class Reply(Strict):
    """The customer answered the one ask."""

    action: Literal["reply"] = "reply"
    signal_id: int
    subject: str = ""
    text: str = ""
    occurred_at: datetime


class Verify(Strict):
    """The scheduled re-read of the system of record is due (copilot/close/verification.py)."""

    action: Literal["verify"] = "verify"
    at: datetime


Decision = Approve | Edit | Reject
Resume = Annotated[Approve | Edit | Reject | Replan | Reply | Verify, Field(discriminator="action")]
_RESUME: TypeAdapter[Approve | Edit | Reject | Replan | Reply | Verify] = TypeAdapter(Resume)
_DECIDED_KEYS = {"edits", "message", "close", "auto", "while_escalated"}


def parse_resume(raw: object) -> Approve | Edit | Reject | Replan | Reply | Verify:
    """The typed resume. Rows queued before the union existed ({"reply": ...}, {"recheck": true}, a decision
    dumped with every field of the request) are read into their variant."""
    if isinstance(raw, dict) and "action" not in raw:
        raw = _legacy(raw)
    elif isinstance(raw, dict) and raw.get("action") in ("approve", "edit", "reject"):
        keep = {"approve": {"auto"}, "edit": {"edits", "message", "while_escalated"}, "reject": {"close"}}[raw["action"]]
        raw = {k: v for k, v in raw.items() if k not in _DECIDED_KEYS - keep}
    return _RESUME.validate_python(raw)


def _legacy(raw: dict[str, Any]) -> dict[str, Any]:
    if "reply" in raw:
        return {"action": "reply", **raw["reply"]}
    if raw.get("recheck"):
        return {"action": "verify", "at": raw["at"]}
    return raw


def dump_resume(resume: Approve | Edit | Reject | Replan | Reply | Verify) -> dict[str, JsonValue]:
    return resume.model_dump(mode="json")
