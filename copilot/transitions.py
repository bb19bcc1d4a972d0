"""A case's status moves only through this table, and every move is an audit event."""

from __future__ import annotations

from psycopg import AsyncConnection
from psycopg.rows import DictRow
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
    # Out of escalation: re-planned, decided, handed back to where the workflow waits, or closed.
    S.escalated: frozenset({S.escalated, S.triaged, S.awaiting_approval, S.executing, S.awaiting_customer,
                            S.verifying, S.closed}),
    S.closed: frozenset({S.triaged}),
    S.routed_away: frozenset(),
}


def can_move(current: S, target: S) -> bool:
    return target in ALLOWED[current]


# One round trip: lock the row, move it only from a status the table allows, and record the event.
_MOVE = """
WITH old AS (SELECT id, status FROM cases WHERE id = %(id)s FOR UPDATE),
moved AS (
    UPDATE cases c SET status = %(to)s::text, updated_at = now(),
           closed_at = CASE WHEN %(closing)s::boolean THEN now() ELSE NULL END
    FROM old WHERE c.id = old.id AND old.status = ANY(%(sources)s) AND NOT (%(skip_same)s::boolean AND old.status = %(to)s::text)
    RETURNING old.status AS previous
),
event AS (
    INSERT INTO case_events (case_id, actor, kind, data)
    SELECT %(id)s, %(actor)s, 'status_changed',
           jsonb_build_object('from', previous, 'to', %(to)s::text, 'reason', %(reason)s::text) || %(data)s FROM moved
)
SELECT (SELECT status FROM old) AS current, (SELECT previous FROM moved) AS previous
"""


def _sources(target: S) -> list[str]:
    return [status.value for status, targets in ALLOWED.items() if target in targets]


async def _move(conn: AsyncConnection[DictRow], case_id: int, target: S, actor: str, reason: str,
                data: dict[str, object] | None, skip_same: bool) -> S | None:
    cur = await conn.execute(_MOVE, {
        "id": case_id, "to": target.value, "closing": target in (S.closed, S.routed_away),
        "sources": _sources(target), "skip_same": skip_same, "actor": actor, "reason": reason,
        "data": Jsonb(data or {})})
    row = await cur.fetchone()
    if row is None or row["current"] is None:
        raise NotFound(f"case {case_id} does not exist")
    if row["previous"] is None and not (skip_same and row["current"] == target.value):
        raise Conflict(f"case {case_id} cannot move from {row['current']} to {target}")
    return S(row["previous"]) if row["previous"] else None


async def move(conn: AsyncConnection[DictRow], case_id: int, target: S, *, actor: str, reason: str,
               data: dict[str, object] | None = None) -> S:
    """Move the case to `target` (row-locked), record the event, and return the previous status."""
    previous = await _move(conn, case_id, target, actor, reason, data, skip_same=False)
    assert previous is not None
    return previous


async def ensure(conn: AsyncConnection[DictRow], case_id: int, target: S, *, actor: str, reason: str,
                 data: dict[str, object] | None = None) -> None:
    """Move unless the case is already there: a node that re-runs after a crash repeats no event."""
    await _move(conn, case_id, target, actor, reason, data, skip_same=True)
