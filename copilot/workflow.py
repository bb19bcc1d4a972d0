"""Human decisions on a case's plan: checked here, then handed to the case's graph thread as a resume job."""

from __future__ import annotations

from typing import Any, Literal

from psycopg import AsyncConnection
from psycopg.rows import DictRow
from psycopg.types.json import Jsonb
from pydantic import Field, model_validator

from copilot.case_view import VIEW_COLUMNS, view_of
from copilot.db import Pool
from copilot.errors import Conflict, Forbidden, InvalidInput, NotFound
from copilot.keys import DESK_ROLES, Role
from copilot.models import CaseStatus, Strict
from copilot.ownership import CaseView, DeskAction, approval_role, available_actions, owner_role
from copilot.transitions import can_move


class Actor(Strict):
    name: str = Field(min_length=1)
    role: Literal["agent", "lead", "finance", "qa", "admin"]


class ActionEdit(Strict):
    action_id: str = Field(min_length=1)
    args: dict[str, Any]


class Decision(Strict):
    action: Literal["approve", "edit", "reject"]
    plan_version: int = Field(ge=1)
    reason: str | None = None
    edits: list[ActionEdit] = Field(default_factory=list)
    message: str | None = Field(default=None, description="The edited customer message, for edit.")
    close: bool = Field(default=False, description="With reject: close the case with the reason instead of replanning.")

    @model_validator(mode="after")
    def _complete(self) -> Decision:
        if self.action == "reject" and not (self.reason and self.reason.strip()):
            raise ValueError("a rejection needs a reason")
        if self.action == "edit" and not self.edits and self.message is None:
            raise ValueError("an edit needs edited arguments or an edited message")
        return self


class DecisionResult(Strict):
    case_id: int
    status: CaseStatus
    plan_version: int
    job_id: int


async def decide(pool: Pool | AsyncConnection[DictRow], case_id: int, decision: Decision,
                 actor: Actor) -> DecisionResult:
    """A request that already holds a pooled connection passes it: taking a second one per request starves
    the pool under concurrent approvals (16 clients on a pool of 10 waited on each other until timeouts)."""
    if isinstance(pool, AsyncConnection):
        return await _decide_on(pool, case_id, decision, actor)
    async with pool.connection() as conn:
        return await _decide_on(conn, case_id, decision, actor)


# What the checks need, in one round trip: the case's status, version and owner, where its thread waits, the
# roles its verdicts reserve and whether a rule blocks the plan.
_READ = f"""SELECT c.status, c.owner, c.assignee, c.plan_version, {VIEW_COLUMNS} FROM cases c WHERE c.id = %(id)s"""

# The decision in one statement: the case moves only if it is still awaiting approval at this version (the
# UPDATE re-checks that after any row lock it waited for), and the approval, the audit event and the resume
# job are written with it or not at all.
_RECORD = """
WITH moved AS (
    UPDATE cases SET status = %(to)s::text, updated_at = now(),
           closed_at = CASE WHEN %(closing)s::boolean THEN now() END
    WHERE id = %(id)s AND status = %(from)s::text AND plan_version = %(version)s
    RETURNING id
),
approval AS (
    INSERT INTO approvals (case_id, plan_version, decision, actor, role, reason, edits)
    SELECT id, %(version)s, %(decision)s, %(actor)s, %(role)s, %(reason)s, %(edits)s FROM moved
),
event AS (
    INSERT INTO case_events (case_id, actor, kind, data)
    SELECT id, %(actor)s, 'status_changed', jsonb_build_object('from', %(from)s::text, 'to', %(to)s::text,
           'reason', %(why)s::text, 'plan_version', %(version)s::int, 'note', %(reason)s::text) FROM moved
)
INSERT INTO case_jobs (case_id, kind, payload) SELECT id, 'resume', %(payload)s FROM moved RETURNING id"""


async def _decide_on(conn: AsyncConnection[DictRow], case_id: int, decision: Decision, actor: Actor) -> DecisionResult:
    cur = await conn.execute(_READ, {"id": case_id, "version": decision.plan_version})
    case = await cur.fetchone()
    if case is None:
        raise NotFound(f"case {case_id} does not exist")
    view = view_of(case)
    _check(case_id, case["plan_version"], view, decision, actor)
    # An edit leaves the case where it was (an escalated case stays with its owner) until the guardrails judge it.
    target = {"approve": CaseStatus.executing, "edit": view.status,
              "reject": CaseStatus.closed if decision.close else CaseStatus.triaged}[decision.action]
    assert can_move(view.status, target)
    edits = decision.model_dump(mode="json", include={"edits", "message"}) if decision.action == "edit" else None
    payload = decision.model_dump(mode="json") | {"actor": actor.name, "role": actor.role,
                                                  "while_escalated": view.status == CaseStatus.escalated}
    cur = await conn.execute(_RECORD, {
        "id": case_id, "version": decision.plan_version, "from": view.status.value, "to": target.value,
        "closing": target == CaseStatus.closed, "decision": decision.action, "actor": actor.name, "role": actor.role,
        "reason": decision.reason, "edits": Jsonb(edits) if edits else None,
        "why": f"{decision.action} by {actor.role}", "payload": Jsonb(payload),
    })
    job = await cur.fetchone()
    if job is None:  # another decision, or the worker, moved the case between the read and the write
        raise Conflict(f"case {case_id} changed while you decided (plan version {decision.plan_version}); "
                       "reload the case")
    return DecisionResult(case_id=case_id, status=target, plan_version=decision.plan_version, job_id=job["id"])


def _check(case_id: int, version: int, view: CaseView, decision: Decision, actor: Actor) -> None:
    if version != decision.plan_version:
        raise Conflict(f"plan version {decision.plan_version} is stale: case {case_id} is at "
                       f"version {version}; reload the case")
    role = Role(actor.role)
    if role not in DESK_ROLES:
        raise Forbidden("the qa role reviews cases; it does not decide them")
    allowed = available_actions(view, role, actor.name)
    if DeskAction(decision.action) in allowed:
        return
    if view.status not in (CaseStatus.awaiting_approval, CaseStatus.escalated) or view.waits_at != "approval":
        raise Conflict(f"case {case_id} is {view.status.value}, not awaiting approval: no plan waits for a "
                       f"decision; {_what_instead(allowed)}")
    if decision.action == "approve" and view.blocked:
        raise Conflict(f"a guardrail blocks plan version {version} of case {case_id}: edit the plan so the rule "
                       "allows it, re-plan, or reject it")
    needed = approval_role(view) if decision.action == "approve" else owner_role(view.owner)
    raise Forbidden(f"this plan needs a {needed.value} to {decision.action}; you are signed in as {actor.role}")


def _what_instead(allowed: list[DeskAction]) -> str:
    return "you may " + ", ".join(a.value.replace("_", " ") for a in allowed) if allowed else "nothing to do"


def check_edit_targets(decision: Decision, action_ids: set[str]) -> None:
    unknown = [e.action_id for e in decision.edits if e.action_id not in action_ids]
    if unknown:
        raise InvalidInput(f"edits name actions that are not in the plan: {', '.join(unknown)}")
