"""A case's status moves only through this table, and every move is an audit event."""

from __future__ import annotations

from psycopg import AsyncConnection
from psycopg.types.json import Jsonb

from copilot.errors import Conflict, NotFound
from copilot.models import CaseStatus as S

ALLOWED: dict[S, frozenset[S]] = {
    S.new: frozenset({S.triaged, S.routed_away, S.escalated}),
    S.triaged: frozenset({S.triaged, S.awaiting_approval, S.executing, S.escalated, S.routed_away, S.closed}),
    S.awaiting_approval: frozenset({S.awaiting_approval, S.executing, S.triaged, S.escalated, S.closed}),
    S.executing: frozenset({S.awaiting_customer, S.verifying, S.escalated, S.closed}),
    S.awaiting_customer: frozenset({S.awaiting_customer, S.triaged, S.escalated, S.closed}),
    S.verifying: frozenset({S.verifying, S.closed, S.triaged, S.escalated}),
    S.escalated: frozenset({S.escalated, S.triaged, S.awaiting_approval, S.executing, S.closed}),
    S.closed: frozenset({S.triaged}),
    S.routed_away: frozenset(),
}


def can_move(current: S, target: S) -> bool:
    return target in ALLOWED[current]


async def move(conn: AsyncConnection, case_id: int, target: S, *, actor: str, reason: str,
               data: dict[str, object] | None = None) -> S:
    """Move the case to `target` (row-locked), record the event, and return the previous status."""
    cur = await conn.execute("SELECT status FROM cases WHERE id = %s FOR UPDATE", (case_id,))
    row = await cur.fetchone()
    if row is None:
        raise NotFound(f"case {case_id} does not exist")
    current = S(row["status"])
    if not can_move(current, target):
        raise Conflict(f"case {case_id} cannot move from {current} to {target}")
    closing = target in (S.closed, S.routed_away)
    await conn.execute(
        "UPDATE cases SET status = %s, updated_at = now(),"
        " closed_at = CASE WHEN %s THEN now() ELSE NULL END WHERE id = %s",
        (target.value, closing, case_id),
    )
    await conn.execute(
        "INSERT INTO case_events (case_id, actor, kind, data) VALUES (%s, %s, 'status_changed', %s)",
        (case_id, actor, Jsonb({"from": current.value, "to": target.value, "reason": reason} | (data or {}))),
    )
    return current


async def ensure(conn: AsyncConnection, case_id: int, target: S, *, actor: str, reason: str,
                 data: dict[str, object] | None = None) -> None:
    """Move unless the case is already there: a node that re-runs after a crash repeats no event."""
    cur = await conn.execute("SELECT status FROM cases WHERE id = %s", (case_id,))
    row = await cur.fetchone()
    if row is None:
        raise NotFound(f"case {case_id} does not exist")
    if row["status"] != target.value:
        await move(conn, case_id, target, actor=actor, reason=reason, data=data)
