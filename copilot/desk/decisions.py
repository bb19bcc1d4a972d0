"""Human decisions on a case's plan: checked here against copilot.desk.ownership (the rules the desk draws its buttons
from), then recorded by the case store with the resume job that hands them to the case's graph thread."""

from __future__ import annotations

from datetime import datetime
from typing import Any, TypeVar

from psycopg import AsyncConnection
from psycopg_pool import AsyncConnectionPool
from pydantic import BaseModel, ValidationError

from copilot.cases import store
from copilot.cases.resume import Approve, Edit, Reject
from copilot.core.errors import Conflict, Forbidden, InvalidInput, NotFound
from copilot.core.models import CaseStatus, Strict
from copilot.core.roles import DESK_ROLES
from copilot.desk.case_view import VIEW_COLUMNS, view_of
from copilot.desk.ownership import CaseView, DeskAction, approval_role, available_actions, owner_role

D = TypeVar("D", bound=BaseModel)


class DecisionResult(Strict):
    case_id: int
    status: CaseStatus
    plan_version: int
    job_id: int


def build(kind: type[D], **fields: object) -> D:
    """A decision from a request's fields; what the model refuses is a 422 naming the field."""
    try:
        return kind.model_validate(fields)
    except ValidationError as exc:
        first = exc.errors()[0]
        raise InvalidInput(f"{'.'.join(map(str, first['loc'])) or 'body'}: {first['msg']}") from None


async def decide(pool: AsyncConnectionPool[Any] | AsyncConnection[Any], case_id: int, decision: Approve | Edit | Reject,
                 *, now: datetime) -> DecisionResult:
    """A request that already holds a pooled connection passes it: taking a second one per request starves
    the pool under concurrent approvals (16 clients on a pool of 10 waited on each other until timeouts)."""
    if isinstance(pool, AsyncConnection):
        return await _decide_on(pool, case_id, decision, now)
    async with pool.connection() as conn:
        return await _decide_on(conn, case_id, decision, now)


# What the checks need, in one round trip: the case's status, version and owner, where its thread waits, the
# roles its verdicts reserve and whether a rule blocks the plan.
_READ = f"""SELECT c.status, c.owner, c.assignee, c.plan_version, {VIEW_COLUMNS} FROM cases c WHERE c.id = %(id)s"""


async def _decide_on(conn: AsyncConnection[Any], case_id: int, decision: Approve | Edit | Reject,
                     now: datetime) -> DecisionResult:
    cur = await conn.execute(_READ, {"id": case_id})
    case = await cur.fetchone()
    if case is None:
        raise NotFound(f"case {case_id} does not exist")
    view = view_of(case)
    _check(case_id, case["plan_version"], view, decision)
    if isinstance(decision, Edit) and view.status == CaseStatus.escalated:
        decision = decision.model_copy(update={"while_escalated": True})  # the edited plan stays with the owner
    job = await store.record_decision(conn, case_id, decision, view.status, now)
    if job is None:  # another decision, or the worker, moved the case between the read and the write
        raise Conflict(f"case {case_id} changed while you decided (plan version {decision.plan_version}); "
                       "reload the case")
    return DecisionResult(case_id=case_id, status=store.decision_target(decision, view.status),
                          plan_version=decision.plan_version, job_id=job)


def _check(case_id: int, version: int, view: CaseView, decision: Approve | Edit | Reject) -> None:
    if version != decision.plan_version:
        raise Conflict(f"plan version {decision.plan_version} is stale: case {case_id} is at "
                       f"version {version}; reload the case")
    if decision.role not in DESK_ROLES:
        raise Forbidden("the qa role reviews cases; it does not decide them")
    allowed = available_actions(view, decision.role, decision.actor)
    if DeskAction(decision.action) in allowed:
        return
    if view.status not in (CaseStatus.awaiting_approval, CaseStatus.escalated) or view.waits_at != "approval":
        raise Conflict(f"case {case_id} is {view.status.value}, not awaiting approval: no plan waits for a "
                       f"decision; {_what_instead(allowed)}")
    if isinstance(decision, Approve) and view.blocked:
        raise Conflict(f"a guardrail blocks plan version {version} of case {case_id}: edit the plan so the rule "
                       "allows it, re-plan, or reject it")
    needed = approval_role(view) if isinstance(decision, Approve) else owner_role(view.owner)
    raise Forbidden(f"this plan needs a {needed.value} to {decision.action}; you are signed in as "
                    f"{decision.role.value}")


def _what_instead(allowed: list[DeskAction]) -> str:
    return "you may " + ", ".join(a.value.replace("_", " ") for a in allowed) if allowed else "nothing to do"


def check_edit_targets(decision: Edit, action_ids: set[str]) -> None:
    """An edit may only name actions of the plan version it decides."""
    unknown = sorted({e.action_id for e in decision.edits} - action_ids)
    if unknown:
        raise InvalidInput(f"args: no action {', '.join(unknown)} in plan version {decision.plan_version}")
