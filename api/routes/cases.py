"""The desk API for cases: the queue listing, a case in full, and the decisions an agent makes."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any, Literal, get_args

from fastapi import APIRouter, Depends, Path, Query, Request
from psycopg import AsyncConnection
from psycopg.rows import DictRow
from pydantic import ValidationError

from api.auth import Caller, DeskCaller
from api.deps import connection
from api.schemas import (
    ActionAccepted,
    ApproveRequest,
    AssignRequest,
    CaseDetail,
    CasePage,
    CloseRequest,
    EditRequest,
    EscalateRequest,
    HandBackRequest,
    NoteRequest,
    RejectRequest,
    ReplanRequest,
    SlaState,
    TakeRequest,
)
from copilot import db, owner_actions, workflow
from copilot.errors import Conflict, InvalidInput, NotFound
from copilot.keys import Principal
from copilot.models import CaseStatus, Category, Priority
from copilot.queries import CaseFilters, case_detail, list_cases
from copilot.sla_scheduler import add_event, escalate_case

router = APIRouter(prefix="/api/cases", tags=["cases"])
Conn = Annotated[AsyncConnection[DictRow], Depends(connection)]
CaseId = Annotated[int, Path(ge=1, le=2**62, description="The case id.")]
StatusFilter = Literal["open", "actionable", "all", "new", "triaged", "awaiting_approval", "executing",
                       "awaiting_customer", "verifying", "escalated", "closed", "routed_away"]
# Spelled out so the type checker sees it; a new status that is not listed here fails at import.
assert set(get_args(StatusFilter)) == {"open", "actionable", "all", *CaseStatus}, "StatusFilter lags CaseStatus"

ERRORS: dict[int | str, dict[str, Any]] = {
    401: {"description": "No API key, or an unknown or revoked one."},
    403: {"description": "The caller's role may not do this (e.g. an approval reserved for a lead)."},
    404: {"description": "No such case."},
    409: {"description": "The plan version is stale, or the case is not in a state that allows this."},
    422: {"description": "The body or a parameter is malformed; the message names the field."},
}


def utcnow() -> datetime:
    return datetime.now(UTC)


Now = Annotated[datetime, Depends(utcnow)]


@router.get("", response_model=CasePage, responses={k: ERRORS[k] for k in (401, 422)})
async def get_cases(
    _: Caller, conn: Conn, now: Now,
    queue: str | None = None,
    category: Category | None = None,
    status: Annotated[StatusFilter, Query(description="open (default), actionable (awaiting approval or escalated), all, or one status")] = "open",
    priority: Priority | None = None,
    sla_state: SlaState | None = None,
    assignee: str | None = None,
    cursor: Annotated[str | None, Query(max_length=200)] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> CasePage:
    """Cases sorted by the nearest deadline, a keyset page at a time."""
    filters = CaseFilters(queue=queue, category=category, status=status, priority=priority,
                          sla_state=sla_state, assignee=assignee)
    return await list_cases(conn, filters, now, cursor=cursor, limit=limit)


@router.get("/{case_id}", response_model=CaseDetail, responses={k: ERRORS[k] for k in (401, 404, 422)})
async def get_case(case_id: CaseId, who: Caller, conn: Conn, now: Now) -> CaseDetail:
    """Signals, the order as the system of record has it, facts, the plan with verdicts, draft, timeline, and
    `available_actions`: what the caller may do now, given the case's status and the caller's role."""
    return await case_detail(conn, case_id, now, who.role, who.name)


def _actor(who: Principal) -> workflow.Actor:
    return workflow.Actor(name=who.name, role=who.role.value)


async def _decide(conn: AsyncConnection[DictRow], case_id: int, who: Principal, **fields: object) -> ActionAccepted:
    try:
        decision = workflow.Decision(**fields)
    except ValidationError as exc:
        first = exc.errors()[0]
        raise InvalidInput(f"{'.'.join(map(str, first['loc'])) or 'body'}: {first['msg']}") from None
    # The request's own connection: a second one from the pool per request starves it under load.
    result = await workflow.decide(conn, case_id, decision, _actor(who))
    return ActionAccepted(case_id=result.case_id, status=result.status.value, plan_version=result.plan_version,
                          detail=f"{decision.action} recorded; the case resumes in the worker")


@router.post("/{case_id}/approve", response_model=ActionAccepted, responses=ERRORS)
async def approve(case_id: CaseId, body: ApproveRequest, who: DeskCaller, request: Request,
                  conn: Conn) -> ActionAccepted:
    """Approve the plan as proposed. A plan whose verdicts reserve approval for a lead or finance
    answers 403 to anyone below that role."""
    return await _decide(conn, case_id, who, action="approve", plan_version=body.plan_version,
                         reason=body.comment)


@router.post("/{case_id}/edit", response_model=ActionAccepted, responses=ERRORS)
async def edit(case_id: CaseId, body: EditRequest, who: DeskCaller, request: Request,
               conn: Conn) -> ActionAccepted:
    """Change the draft message or an action's arguments; the guardrails judge the edited plan again."""
    edits = [{"action_id": k, "args": v} for k, v in (body.args or {}).items()]
    if edits:
        cur = await conn.execute("SELECT action_id FROM proposed_actions WHERE case_id = %s AND plan_version = %s",
                                 (case_id, body.plan_version))
        known = {r["action_id"] for r in await cur.fetchall()}
        unknown = sorted(set(body.args or {}) - known)
        if unknown:
            raise InvalidInput(f"args: no action {', '.join(unknown)} in plan version {body.plan_version}")
    return await _decide(conn, case_id, who, action="edit", plan_version=body.plan_version,
                         reason=body.comment, edits=edits, message=body.message)


@router.post("/{case_id}/reject", response_model=ActionAccepted, responses=ERRORS)
async def reject(case_id: CaseId, body: RejectRequest, who: DeskCaller, request: Request,
                 conn: Conn) -> ActionAccepted:
    """Reject the plan with a reason: the case is planned again, or closed with the reason."""
    return await _decide(conn, case_id, who, action="reject", plan_version=body.plan_version,
                         reason=body.reason, close=body.close)


async def _lock_current(conn: AsyncConnection[DictRow], case_id: int, plan_version: int) -> dict[str, object]:
    cur = await conn.execute("SELECT status, plan_version, assignee FROM cases WHERE id = %s FOR UPDATE",
                             (case_id,))
    row = await cur.fetchone()
    if row is None:
        raise NotFound(f"case {case_id} does not exist")
    if row["plan_version"] != plan_version:
        raise Conflict(f"plan version {plan_version} is stale: case {case_id} is at version "
                       f"{row['plan_version']}; reload the case")
    if row["status"] in (CaseStatus.closed, CaseStatus.routed_away):
        raise Conflict(f"case {case_id} is {row['status']}")
    return row


@router.post("/{case_id}/assign", response_model=ActionAccepted, responses=ERRORS)
async def assign(case_id: CaseId, body: AssignRequest, who: DeskCaller, conn: Conn, now: Now) -> ActionAccepted:
    """Give the case to a desk agent."""
    async with conn.transaction():
        row = await _lock_current(conn, case_id, body.plan_version)
        await conn.execute("UPDATE cases SET assignee = %s, updated_at = %s WHERE id = %s",
                           (body.assignee, now, case_id))
        await add_event(conn, case_id, who.name, "assigned",
                        {"assignee": body.assignee, "previous": row["assignee"]}, now)
    return ActionAccepted(case_id=case_id, status=str(row["status"]), plan_version=body.plan_version,
                          detail=f"assigned to {body.assignee}")


@router.post("/{case_id}/escalate", response_model=ActionAccepted, responses=ERRORS)
async def escalate(case_id: CaseId, body: EscalateRequest, who: DeskCaller, conn: Conn,
                   now: Now) -> ActionAccepted:
    """Hand the case to the next owner on its queue's escalation path."""
    async with conn.transaction():
        await _lock_current(conn, case_id, body.plan_version)
        done = await escalate_case(conn, case_id, who.name, body.reason, now, plan_version=body.plan_version)
    return ActionAccepted(case_id=case_id, status=done.status, plan_version=body.plan_version,
                          detail=f"escalated to {done.owner or 'the desk'} (level {done.level})")


@router.post("/{case_id}/notes", response_model=ActionAccepted, responses=ERRORS)
async def add_note(case_id: CaseId, body: NoteRequest, who: DeskCaller, conn: Conn, now: Now) -> ActionAccepted:
    """An internal note on the case; never sent to the customer."""
    async with conn.transaction():
        row = await _lock_current(conn, case_id, body.plan_version)
        cur = await conn.execute("INSERT INTO case_notes (case_id, at, author, body) VALUES (%s, %s, %s, %s)"
                                 " RETURNING id", (case_id, now, who.name, body.body))
        note = await db.one(cur)
        await add_event(conn, case_id, who.name, "note_added", {"note_id": note["id"]}, now)
    return ActionAccepted(case_id=case_id, status=str(row["status"]), plan_version=body.plan_version,
                          detail="note added")


def _done(result: owner_actions.Done, plan_version: int) -> ActionAccepted:
    return ActionAccepted(case_id=result.case_id, status=result.status.value, plan_version=plan_version,
                          detail=result.detail)


@router.post("/{case_id}/take", response_model=ActionAccepted, responses=ERRORS)
async def take(case_id: CaseId, body: TakeRequest, who: DeskCaller, conn: Conn, now: Now) -> ActionAccepted:
    """The escalation owner (at the owner's role or above) takes the case; its SLA clocks keep running."""
    return _done(await owner_actions.take(conn, case_id, body.plan_version, who.role, who.name, now),
                 body.plan_version)


@router.post("/{case_id}/replan", response_model=ActionAccepted, responses=ERRORS)
async def replan(case_id: CaseId, body: ReplanRequest, who: DeskCaller, conn: Conn, now: Now) -> ActionAccepted:
    """Plan an escalated case again on facts read again; the new plan comes back to its owner."""
    return _done(await owner_actions.replan(conn, case_id, body.plan_version, who.role, who.name, body.reason, now),
                 body.plan_version)


@router.post("/{case_id}/hand-back", response_model=ActionAccepted, responses=ERRORS)
async def hand_back(case_id: CaseId, body: HandBackRequest, who: DeskCaller, conn: Conn,
                    now: Now) -> ActionAccepted:
    """Give an escalated case back to the desk, where its workflow waits (approval, customer, verification)."""
    return _done(await owner_actions.hand_back(conn, case_id, body.plan_version, who.role, who.name, body.note,
                                               now), body.plan_version)


@router.post("/{case_id}/close", response_model=ActionAccepted, responses=ERRORS)
async def close(case_id: CaseId, body: CloseRequest, who: DeskCaller, conn: Conn, now: Now) -> ActionAccepted:
    """Close the case (a lead or above; an escalated case at its owner's role) with a reason from the definition
    of done: released, shipped, delivered, refunded, or cancelled."""
    return _done(await owner_actions.close(conn, case_id, body.plan_version, who.role, who.name, body.outcome,
                                           body.reason, now), body.plan_version)
