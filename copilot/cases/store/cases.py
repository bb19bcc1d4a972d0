"""Writes to a case row other than its status: opening it, triage, plans, touches, verification, closing."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from psycopg import AsyncConnection
from psycopg.types.json import Jsonb

from copilot.cases.store.rows import fetch_one
from copilot.cases.transitions import OPEN_SQL, can_move
from copilot.core.errors import Conflict
from copilot.core.models import CaseStatus

_OPEN = """
INSERT INTO cases (order_id, customer_email, ticket_id, created_at, updated_at)
VALUES (%(order)s, %(email)s, %(ticket)s, %(now)s, %(now)s)
ON CONFLICT (order_id) WHERE order_id IS NOT NULL AND status NOT IN ('closed', 'routed_away') DO NOTHING
RETURNING id
"""


async def open_case(conn: AsyncConnection[Any], order_id: str | None, email: str | None, ticket_id: str | None,
                    now: datetime) -> int | None:
    """A new case (its `run` job comes from the trigger); None when the order already has an open one."""
    row = await fetch_one(conn, _OPEN, {"order": order_id, "email": email, "ticket": ticket_id, "now": now})
    return int(row["id"]) if row is not None else None


_TRIAGE = """
UPDATE cases SET category = %(category)s, disposition = %(disposition)s, classified_by = %(classified_by)s,
    confidence = %(confidence)s, priority = %(priority)s, priority_score = %(priority_score)s,
    priority_reasons = %(priority_reasons)s, queue = %(queue)s, owner = %(owner)s,
    escalation_path = %(escalation_path)s, deadline_at = %(deadline_at)s, first_touch_due = %(first_touch_due)s,
    resolution_due = %(resolution_due)s, order_value = %(order_value)s, customer_id = %(customer_id)s,
    customer_email = %(customer_email)s, ticket_id = %(ticket_id)s, status = %(status)s, updated_at = %(now)s
WHERE id = %(id)s
"""

TRIAGE_FIELDS = frozenset({"category", "disposition", "classified_by", "confidence", "priority", "priority_score",
                           "priority_reasons", "queue", "owner", "escalation_path", "deadline_at", "first_touch_due",
                           "resolution_due", "order_value", "customer_id", "customer_email", "ticket_id"})


async def write_triage(conn: AsyncConnection[Any], case_id: int, fields: Mapping[str, object],
                       moves: tuple[CaseStatus, CaseStatus], now: datetime) -> None:
    """Triage's result on the (row-locked) case. Its status move (new → triaged or routed_away) is checked
    against the transition table; the caller's `triaged` event records it."""
    previous, status = moves
    if previous != status and not can_move(previous, status):
        raise Conflict(f"case {case_id} cannot move from {previous} to {status}")
    if set(fields) != TRIAGE_FIELDS:
        raise ValueError(f"triage fields differ: {sorted(set(fields) ^ TRIAGE_FIELDS)}")
    params = {k: Jsonb(v) if k in ("priority_reasons", "escalation_path") else v for k, v in fields.items()}
    await conn.execute(_TRIAGE, params | {"status": status.value, "now": now, "id": case_id})


async def mark_first_touch(conn: AsyncConnection[Any], case_id: int, now: datetime) -> None:
    await conn.execute("UPDATE cases SET first_touched_at = coalesce(first_touched_at, %s) WHERE id = %s",
                       (now, case_id))


async def set_close_reason(conn: AsyncConnection[Any], case_id: int, reason: str) -> None:
    await conn.execute("UPDATE cases SET close_reason = %s, verify_next_at = NULL WHERE id = %s", (reason, case_id))


async def set_assignee(conn: AsyncConnection[Any], case_id: int, assignee: str, now: datetime) -> None:
    await conn.execute("UPDATE cases SET assignee = %s, updated_at = %s WHERE id = %s", (assignee, now, case_id))


async def link_order(conn: AsyncConnection[Any], case_id: int, order_id: str, now: datetime) -> bool:
    """Give a case without an order the one the customer named; False when it already had one."""
    cur = await conn.execute("UPDATE cases SET order_id = %s, updated_at = %s WHERE id = %s AND order_id IS NULL",
                             (order_id, now, case_id))
    return cur.rowcount > 0


async def set_root_cause(conn: AsyncConnection[Any], case_id: int, cause: str, cost: Mapping[str, object]) -> None:
    await conn.execute("UPDATE cases SET root_cause = %s, cost = %s WHERE id = %s", (cause, Jsonb(dict(cost)), case_id))


async def mark_sla(conn: AsyncConnection[Any], case_id: int, mark: str, now: datetime) -> None:
    """The first time a clock crossed 75% of its budget (at_risk) or its end (breached)."""
    column = {"at_risk": "sla_flagged_at", "breached": "sla_breached_at"}[mark]
    await conn.execute(f"UPDATE cases SET {column} = COALESCE({column}, %s) WHERE id = %s", (now, case_id))


async def start_verify_window(conn: AsyncConnection[Any], case_id: int, now: datetime, due: datetime,
                              next_at: datetime) -> None:
    await conn.execute("UPDATE cases SET verify_started_at = %s, verify_due_at = %s, verify_next_at = %s"
                       " WHERE id = %s", (now, due, next_at, case_id))


async def schedule_verify(conn: AsyncConnection[Any], case_ids: list[int], next_at: datetime | None) -> None:
    """When the next re-read of these verifying cases is due (None: a resume for it is queued)."""
    await conn.execute("UPDATE cases SET verify_next_at = %s WHERE id = ANY(%s)", (next_at, case_ids))


async def count_reopen(conn: AsyncConnection[Any], case_id: int) -> None:
    await conn.execute("UPDATE cases SET reopen_count = reopen_count + 1, verify_next_at = NULL,"
                       " verify_due_at = NULL WHERE id = %s", (case_id,))



# The path's entry at the current level becomes the owner; past its end the last owner keeps it.
_ALONG_PATH = f"""
WITH before AS (SELECT id, owner FROM cases WHERE id = %(id)s FOR UPDATE)
UPDATE cases c SET
    escalation_level = c.escalation_level + 1,
    owner = COALESCE(
        CASE jsonb_typeof(c.escalation_path -> LEAST(c.escalation_level, jsonb_array_length(c.escalation_path) - 1))
            WHEN 'string' THEN c.escalation_path ->> LEAST(c.escalation_level, jsonb_array_length(c.escalation_path) - 1)
            WHEN 'object' THEN c.escalation_path -> LEAST(c.escalation_level, jsonb_array_length(c.escalation_path) - 1) ->> 'owner'
        END, c.owner),
    updated_at = %(now)s
FROM before
WHERE c.id = before.id AND {OPEN_SQL} AND (%(version)s::int IS NULL OR c.plan_version = %(version)s::int)
RETURNING c.id AS case_id, c.escalation_level AS level, c.owner, before.owner AS previous_owner"""


async def step_along_path(conn: AsyncConnection[Any], case_id: int, now: datetime,
                          plan_version: int | None) -> dict[str, Any] | None:
    """The next owner on the case's escalation path (an open case, at `plan_version` when given); the row
    (case_id, level, owner, previous_owner), or None when the case refused."""
    return await fetch_one(conn, _ALONG_PATH, {"id": case_id, "now": now, "version": plan_version})


async def hand_to(conn: AsyncConnection[Any], case_id: int, owner: str, now: datetime) -> int | None:
    """Make `owner` responsible one escalation level up; the new level, or None without such a case."""
    row = await fetch_one(conn, "UPDATE cases SET owner = %s, escalation_level = escalation_level + 1,"
                          " updated_at = %s WHERE id = %s RETURNING escalation_level", (owner, now, case_id))
    return int(row["escalation_level"]) if row is not None else None


async def return_to_desk(conn: AsyncConnection[Any], case_id: int, desk_owner: str, now: datetime) -> None:
    """An owner hands the case back: the desk owns it again and nobody holds it."""
    await conn.execute("UPDATE cases SET owner = %s, assignee = NULL, updated_at = %s WHERE id = %s",
                       (desk_owner, now, case_id))
