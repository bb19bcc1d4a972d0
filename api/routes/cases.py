"""The desk API for cases: the queue listing, a case in full, and the decisions an agent makes."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Query, Request
from psycopg import AsyncConnection

from api.auth import Caller, DeskCaller
from api.deps import Conn, Now
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
from copilot.cases.resume import Approve, Edit, Reject
from copilot.core.models import Category, Priority
from copilot.desk import actions, decisions, owner_actions
from copilot.desk.queries import CaseFilters, case_detail, list_cases, plan_action_ids

router = APIRouter(prefix="/api/cases", tags=["cases"])
CaseId = Annotated[int, Path(ge=1, le=2**62, description="The case id.")]
# "open", "actionable", "all", or one CaseStatus (tests/unit/test_case_store_owner.py checks the list is whole).
StatusFilter = Literal["open", "actionable", "all", "new", "triaged", "awaiting_approval", "executing",
                       "awaiting_customer", "verifying", "escalated", "closed", "routed_away"]

ERRORS: dict[int | str, dict[str, Any]] = {
    401: {"description": "No API key, or an unknown or revoked one."},
    403: {"description": "The caller's role may not do this (e.g. an approval reserved for a lead)."},
    404: {"description": "No such case."},
    409: {"description": "The plan version is stale, or the case is not in a state that allows this."},
    422: {"description": "The body or a parameter is malformed; the message names the field."},
}


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


async def _decide(conn: AsyncConnection[Any], case_id: int, decision: Approve | Edit | Reject,
                  now: datetime) -> ActionAccepted:
    # The request's own connection: a second one from the pool per request starves it under load.
    result = await decisions.decide(conn, case_id, decision, now=now)
    return ActionAccepted(case_id=result.case_id, status=result.status.value, plan_version=result.plan_version,
                          detail=f"{decision.action} recorded; the case resumes in the worker")


@router.post("/{case_id}/approve", response_model=ActionAccepted, responses=ERRORS)
async def approve(case_id: CaseId, body: ApproveRequest, who: DeskCaller, request: Request,
                  conn: Conn, now: Now) -> ActionAccepted:
    """Approve the plan as proposed. A plan whose verdicts reserve approval for a lead or finance
    answers 403 to anyone below that role."""
    decision = decisions.build(Approve, plan_version=body.plan_version, actor=who.name, role=who.role,
                              reason=body.comment)
    return await _decide(conn, case_id, decision, now)


@router.post("/{case_id}/edit", response_model=ActionAccepted, responses=ERRORS)
async def edit(case_id: CaseId, body: EditRequest, who: DeskCaller, request: Request,
               conn: Conn, now: Now) -> ActionAccepted:
    """Change the draft message or an action's arguments; the guardrails judge the edited plan again."""
    decision = decisions.build(Edit, plan_version=body.plan_version, actor=who.name, role=who.role,
                              reason=body.comment, message=body.message,
                              edits=[{"action_id": k, "args": v} for k, v in (body.args or {}).items()])
    if decision.edits:
        decisions.check_edit_targets(decision, await plan_action_ids(conn, case_id, body.plan_version))
    return await _decide(conn, case_id, decision, now)


@router.post("/{case_id}/reject", response_model=ActionAccepted, responses=ERRORS)
async def reject(case_id: CaseId, body: RejectRequest, who: DeskCaller, request: Request,
                 conn: Conn, now: Now) -> ActionAccepted:
    """Reject the plan with a reason: the case is planned again, or closed with the reason."""
    decision = decisions.build(Reject, plan_version=body.plan_version, actor=who.name, role=who.role,
                              reason=body.reason, close=body.close)
    return await _decide(conn, case_id, decision, now)


@router.post("/{case_id}/assign", response_model=ActionAccepted, responses=ERRORS)
async def assign(case_id: CaseId, body: AssignRequest, who: DeskCaller, conn: Conn, now: Now) -> ActionAccepted:
    """Give the case to a desk agent."""
    current = await actions.assign(conn, case_id, body.plan_version, body.assignee, actor=who.name, now=now)
    return ActionAccepted(case_id=case_id, status=current.status.value, plan_version=body.plan_version,
                          detail=f"assigned to {body.assignee}")


@router.post("/{case_id}/escalate", response_model=ActionAccepted, responses=ERRORS)
async def escalate(case_id: CaseId, body: EscalateRequest, who: DeskCaller, conn: Conn,
                   now: Now) -> ActionAccepted:
    """Hand the case to the next owner on its queue's escalation path."""
    done = await actions.escalate(conn, case_id, body.plan_version, body.reason, actor=who.name, now=now)
    return ActionAccepted(case_id=case_id, status=done.status, plan_version=body.plan_version,
                          detail=f"escalated to {done.owner or 'the desk'} (level {done.level})")


@router.post("/{case_id}/notes", response_model=ActionAccepted, responses=ERRORS)
async def add_note(case_id: CaseId, body: NoteRequest, who: DeskCaller, conn: Conn, now: Now) -> ActionAccepted:
    """An internal note on the case; never sent to the customer."""
    current = await actions.add_note(conn, case_id, body.plan_version, body.body, author=who.name, now=now)
    return ActionAccepted(case_id=case_id, status=current.status.value, plan_version=body.plan_version,
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
