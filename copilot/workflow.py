"""Human decisions on a case's plan: checked here, then handed to the case's graph thread as a resume job."""

from __future__ import annotations

from typing import Any, Literal

from psycopg import AsyncConnection
from psycopg.types.json import Jsonb
from psycopg_pool import AsyncConnectionPool
from pydantic import Field, model_validator

from copilot import jobs
from copilot.errors import Conflict, Forbidden, InvalidInput, NotFound
from copilot.keys import APPROVAL_RANK, DESK_ROLES, Role, can_approve
from copilot.models import CaseStatus, Strict
from copilot.transitions import move


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
    ranked = [Role(r) for r in verdict_roles if r in Role.__members__ and Role(r) in DESK_ROLES]
    return max(ranked, key=APPROVAL_RANK.__getitem__) if ranked else Role.agent


async def decide(pool: AsyncConnectionPool | AsyncConnection, case_id: int, decision: Decision,
                 actor: Actor) -> DecisionResult:
    """A request that already holds a pooled connection passes it: taking a second one per request starves
    the pool under concurrent approvals (16 clients on a pool of 10 waited on each other until timeouts)."""
    if isinstance(pool, AsyncConnection):
        return await _decide_on(pool, case_id, decision, actor)
    async with pool.connection() as conn:
        return await _decide_on(conn, case_id, decision, actor)


async def _decide_on(conn: AsyncConnection, case_id: int, decision: Decision, actor: Actor) -> DecisionResult:
    async with conn.transaction():
        cur = await conn.execute("SELECT status, plan_version FROM cases WHERE id = %s FOR UPDATE", (case_id,))
        case = await cur.fetchone()
        if case is None:
            raise NotFound(f"case {case_id} does not exist")
        if case["plan_version"] != decision.plan_version:
            raise Conflict(f"plan version {decision.plan_version} is stale: case {case_id} is at "
                           f"version {case['plan_version']}; reload the case")
        if case["status"] != CaseStatus.awaiting_approval:
            raise Conflict(f"case {case_id} is {case['status']}, not awaiting approval")
        cur = await conn.execute(
            "SELECT role FROM guardrail_verdicts WHERE case_id = %s AND plan_version = %s"
            " AND outcome = 'needs_approval' AND mode = 'active'", (case_id, decision.plan_version))
        needed = required_role([r["role"] for r in await cur.fetchall()])
        if decision.action != "reject" and not can_approve(Role(actor.role), needed):
            raise Forbidden(f"this plan needs a {needed.value} to approve; you are signed in as {actor.role}")
        if decision.action == "reject" and actor.role == "qa":
            raise Forbidden("the qa role reviews cases; it does not decide them")
        await conn.execute(
            "INSERT INTO approvals (case_id, plan_version, decision, actor, role, reason, edits)"
            " VALUES (%s, %s, %s, %s, %s, %s, %s)",
            (case_id, decision.plan_version, decision.action, actor.name, actor.role, decision.reason,
             Jsonb(decision.model_dump(mode="json", include={"edits", "message"})) if decision.action == "edit" else None),
        )
        target = {"approve": CaseStatus.executing, "edit": CaseStatus.awaiting_approval,
                  "reject": CaseStatus.closed if decision.close else CaseStatus.triaged}[decision.action]
        await move(conn, case_id, target, actor=actor.name, reason=f"{decision.action} by {actor.role}",
                   data={"plan_version": decision.plan_version, "note": decision.reason})
        payload = decision.model_dump(mode="json") | {"actor": actor.name, "role": actor.role}
        job_id = await jobs.enqueue(conn, case_id, "resume", payload)
    return DecisionResult(case_id=case_id, status=target, plan_version=decision.plan_version, job_id=job_id)


def check_edit_targets(decision: Decision, action_ids: set[str]) -> None:
    unknown = [e.action_id for e in decision.edits if e.action_id not in action_ids]
    if unknown:
        raise InvalidInput(f"edits name actions that are not in the plan: {', '.join(unknown)}")
