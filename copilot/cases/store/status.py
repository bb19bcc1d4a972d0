"""Status moves, only through the transition table (copilot/cases/transitions.py), each with its audit event; and a
decision on a plan, whose approval row, move, event and resume job are one statement."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from psycopg import AsyncConnection
from psycopg.types.json import Jsonb

from copilot.cases.resume import Approve, Edit, Reject, dump_resume
from copilot.cases.store.jobs import enqueue
from copilot.cases.store.rows import fetch_one
from copilot.cases.transitions import FINAL, can_move, sources
from copilot.core.errors import Conflict, NotFound
from copilot.core.models import CaseStatus as S

# One round trip: lock the row, move it only from a status the table allows, and record the event.
_MOVE = """
WITH old AS (SELECT id, status FROM cases WHERE id = %(id)s FOR UPDATE),
moved AS (
    UPDATE cases c SET status = %(to)s::text, updated_at = %(now)s,
           closed_at = CASE WHEN %(closing)s::boolean THEN %(now)s END
    FROM old WHERE c.id = old.id AND old.status = ANY(%(sources)s) AND NOT (%(skip_same)s::boolean AND old.status = %(to)s::text)
    RETURNING old.status AS previous
),
event AS (
    INSERT INTO case_events (case_id, at, actor, kind, data)
    SELECT %(id)s, %(now)s, %(actor)s, 'status_changed',
           jsonb_build_object('from', previous, 'to', %(to)s::text, 'reason', %(reason)s::text) || %(data)s FROM moved
)
SELECT (SELECT status FROM old) AS current, (SELECT previous FROM moved) AS previous
"""


async def _move(conn: AsyncConnection[Any], case_id: int, target: S, actor: str, reason: str, now: datetime,
                data: Mapping[str, object] | None, skip_same: bool) -> S | None:
    row = await fetch_one(conn, _MOVE, {
        "id": case_id, "to": target.value, "closing": target in FINAL, "now": now,
        "sources": sources(target), "skip_same": skip_same, "actor": actor, "reason": reason,
        "data": Jsonb(dict(data or {}))})
    if row is None or row["current"] is None:
        raise NotFound(f"case {case_id} does not exist")
    if row["previous"] is None and not (skip_same and row["current"] == target.value):
        raise Conflict(f"case {case_id} cannot move from {row['current']} to {target}")
    return S(row["previous"]) if row["previous"] else None


async def move(conn: AsyncConnection[Any], case_id: int, target: S, *, actor: str, reason: str, now: datetime,
               data: Mapping[str, object] | None = None) -> S:
    """Move the case to `target` (row-locked), record the event, and return the previous status."""
    previous = await _move(conn, case_id, target, actor, reason, now, data, skip_same=False)
    if previous is None:  # unreachable: _move raised unless the case moved
        raise Conflict(f"case {case_id} did not move to {target}")
    return previous


async def ensure(conn: AsyncConnection[Any], case_id: int, target: S, *, actor: str, reason: str, now: datetime,
                 data: Mapping[str, object] | None = None) -> None:
    """Move unless the case is already there: a node that re-runs after a crash repeats no event."""
    await _move(conn, case_id, target, actor, reason, now, data, skip_same=True)


# The decision in one statement: the case moves only if it is still where the decision found it (awaiting
# approval, or escalated to an owner) at this version (the UPDATE re-checks that after any row lock it waited
# for), and the approval, the audit event and the resume job are written with it or not at all.
_DECIDE = """
WITH moved AS (
    UPDATE cases SET status = %(to)s::text, updated_at = %(now)s,
           closed_at = CASE WHEN %(closing)s::boolean THEN %(now)s END
    WHERE id = %(id)s AND status = %(from)s AND plan_version = %(version)s
    RETURNING id
),
approval AS (
    INSERT INTO approvals (case_id, plan_version, decision, actor, role, reason, edits, created_at)
    SELECT id, %(version)s, %(decision)s, %(actor)s, %(role)s, %(reason)s, %(edits)s, %(now)s FROM moved
),
event AS (
    INSERT INTO case_events (case_id, at, actor, kind, data)
    SELECT id, %(now)s, %(actor)s, 'status_changed', jsonb_build_object('from', %(from)s::text, 'to', %(to)s::text,
           'reason', %(why)s::text, 'plan_version', %(version)s::int, 'note', %(reason)s::text) FROM moved
)
INSERT INTO case_jobs (case_id, kind, payload) SELECT id, 'resume', %(payload)s FROM moved RETURNING id"""

DECIDABLE = frozenset({S.awaiting_approval, S.escalated})


def decision_target(decision: Approve | Edit | Reject, current: S) -> S:
    """Where a decision moves the case. An edit leaves it where it was (an escalated case stays with its
    owner) until the guardrails judge the edited plan."""
    match decision:
        case Approve():
            return S.executing
        case Edit():
            return current
        case Reject(close=True):
            return S.closed
        case Reject():
            return S.triaged


async def record_decision(conn: AsyncConnection[Any], case_id: int, decision: Approve | Edit | Reject, current: S,
                          now: datetime) -> int | None:
    """Record a person's decision on the plan version it names, made while the case was `current`, and queue
    the resume that carries it; the resume job's id, or None when the case has moved on since."""
    target = decision_target(decision, current)
    if current not in DECIDABLE or not can_move(current, target):
        raise Conflict(f"a {decision.action} cannot move a case from {current} to {target}")
    edits = decision.model_dump(mode="json", include={"edits", "message"}) if isinstance(decision, Edit) else None
    job = await fetch_one(conn, _DECIDE, {
        "id": case_id, "version": decision.plan_version, "from": current.value, "to": target.value,
        "closing": target in FINAL, "now": now, "decision": decision.action, "actor": decision.actor,
        "role": decision.role.value, "reason": decision.reason, "edits": Jsonb(edits) if edits else None,
        "why": f"{decision.action} by {decision.role.value}", "payload": Jsonb(dump_resume(decision)),
    })
    return int(job["id"]) if job is not None else None


async def record_auto_approval(conn: AsyncConnection[Any], case_id: int, approval: Approve, now: datetime) -> bool:
    """Rule 10's approval of a plan version, once: True when this call recorded it (and queued its resume)."""
    recorded = await fetch_one(
        conn, "INSERT INTO approvals (case_id, plan_version, decision, actor, role, reason, created_at)"
        " VALUES (%s, %s, 'auto', %s, %s, %s, %s) ON CONFLICT DO NOTHING RETURNING id",
        (case_id, approval.plan_version, approval.actor, approval.role.value, approval.reason, now))
    if recorded is None:
        return False
    await enqueue(conn, case_id, approval)
    return True
