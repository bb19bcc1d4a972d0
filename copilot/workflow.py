"""Human decisions on a case's plan: checked here, then handed to the case's graph thread as a resume job."""

from __future__ import annotations

from typing import Any, Literal

from psycopg import AsyncConnection
from psycopg.rows import DictRow
from psycopg.types.json import Jsonb
from pydantic import Field, model_validator

from copilot.db import Pool
from copilot.errors import Conflict, Forbidden, InvalidInput, NotFound
from copilot.keys import APPROVAL_RANK, DESK_ROLES, Role, can_approve
from copilot.models import CaseStatus, Strict
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


def required_role(verdict_roles: list[str | None]) -> Role:
    """The lowest role that satisfies every needs_approval verdict of the plan."""
    ranked = [Role(r) for r in verdict_roles if r and r in Role.__members__ and Role(r) in DESK_ROLES]
    return max(ranked, key=APPROVAL_RANK.__getitem__) if ranked else Role.agent


async def decide(pool: Pool | AsyncConnection[DictRow], case_id: int, decision: Decision,
                 actor: Actor) -> DecisionResult:
    """A request that already holds a pooled connection passes it: taking a second one per request starves
    the pool under concurrent approvals (16 clients on a pool of 10 waited on each other until timeouts)."""
    if isinstance(pool, AsyncConnection):
        return await _decide_on(pool, case_id, decision, actor)
    async with pool.connection() as conn:
        return await _decide_on(conn, case_id, decision, actor)


# What the checks need, in one round trip: the case's status and version, and the roles its verdicts reserve.
_READ = """
SELECT c.status, c.plan_version,
       ARRAY(SELECT v.role FROM guardrail_verdicts v WHERE v.case_id = c.id AND v.plan_version = %(version)s
             AND v.outcome = 'needs_approval' AND v.mode = 'active') AS roles
FROM cases c WHERE c.id = %(id)s"""

# The decision in one statement: the case moves only if it is still awaiting approval at this version (the
# UPDATE re-checks that after any row lock it waited for), and the approval, the audit event and the resume
# job are written with it or not at all.
_RECORD = """
WITH moved AS (
    UPDATE cases SET status = %(to)s::text, updated_at = now(),
           closed_at = CASE WHEN %(closing)s::boolean THEN now() END
    WHERE id = %(id)s AND status = 'awaiting_approval' AND plan_version = %(version)s
    RETURNING id
),
approval AS (
    INSERT INTO approvals (case_id, plan_version, decision, actor, role, reason, edits)
    SELECT id, %(version)s, %(decision)s, %(actor)s, %(role)s, %(reason)s, %(edits)s FROM moved
),
event AS (
    INSERT INTO case_events (case_id, actor, kind, data)
    SELECT id, %(actor)s, 'status_changed', jsonb_build_object('from', 'awaiting_approval', 'to', %(to)s::text,
           'reason', %(why)s::text, 'plan_version', %(version)s::int, 'note', %(reason)s::text) FROM moved
)
INSERT INTO case_jobs (case_id, kind, payload) SELECT id, 'resume', %(payload)s FROM moved RETURNING id"""


async def _decide_on(conn: AsyncConnection[DictRow], case_id: int, decision: Decision, actor: Actor) -> DecisionResult:
    cur = await conn.execute(_READ, {"id": case_id, "version": decision.plan_version})
    case = await cur.fetchone()
    if case is None:
        raise NotFound(f"case {case_id} does not exist")
    _check(case_id, case, decision, actor)
    target = {"approve": CaseStatus.executing, "edit": CaseStatus.awaiting_approval,
              "reject": CaseStatus.closed if decision.close else CaseStatus.triaged}[decision.action]
    assert can_move(CaseStatus.awaiting_approval, target)
    edits = decision.model_dump(mode="json", include={"edits", "message"}) if decision.action == "edit" else None
    cur = await conn.execute(_RECORD, {
        "id": case_id, "version": decision.plan_version, "to": target.value, "closing": target == CaseStatus.closed,
        "decision": decision.action, "actor": actor.name, "role": actor.role, "reason": decision.reason,
        "edits": Jsonb(edits) if edits else None, "why": f"{decision.action} by {actor.role}",
        "payload": Jsonb(decision.model_dump(mode="json") | {"actor": actor.name, "role": actor.role}),
    })
    job = await cur.fetchone()
    if job is None:  # another decision, or the worker, moved the case between the read and the write
        raise Conflict(f"case {case_id} changed while you decided (plan version {decision.plan_version}); "
                       "reload the case")
    return DecisionResult(case_id=case_id, status=target, plan_version=decision.plan_version, job_id=job["id"])


def _check(case_id: int, case: dict[str, Any], decision: Decision, actor: Actor) -> None:
    if case["plan_version"] != decision.plan_version:
        raise Conflict(f"plan version {decision.plan_version} is stale: case {case_id} is at "
                       f"version {case['plan_version']}; reload the case")
    if case["status"] != CaseStatus.awaiting_approval:
        raise Conflict(f"case {case_id} is {case['status']}, not awaiting approval")
    needed = required_role(case["roles"])
    if decision.action != "reject" and not can_approve(Role(actor.role), needed):
        raise Forbidden(f"this plan needs a {needed.value} to approve; you are signed in as {actor.role}")
    if decision.action == "reject" and actor.role == "qa":
        raise Forbidden("the qa role reviews cases; it does not decide them")


def check_edit_targets(decision: Decision, action_ids: set[str]) -> None:
    unknown = [e.action_id for e in decision.edits if e.action_id not in action_ids]
    if unknown:
        raise InvalidInput(f"edits name actions that are not in the plan: {', '.join(unknown)}")
