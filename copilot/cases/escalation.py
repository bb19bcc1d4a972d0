"""Escalation, in one place: a case handed to a named owner (the escalate_case tool, a reopen, an unreadable
reply), or moved one step along its queue's escalation path (an SLA breach, the desk's escalate button)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from psycopg import AsyncConnection

from copilot.cases import store
from copilot.core.errors import Conflict, NotFound
from copilot.core.models import CaseStatus, Strict


class Escalation(Strict):
    case_id: int
    level: int
    owner: str | None
    previous_owner: str | None
    status: str


async def hand_to(conn: AsyncConnection[Any], case_id: int, owner: str, reason: str, *, actor: str,
                  now: datetime) -> int:
    """Make `owner` responsible for the case one level up, with the reason; returns the level. The status is
    the caller's to move (the graph escalates after the tool; a reopened case is planned again)."""
    level = await store.hand_to(conn, case_id, owner, now)
    if level is None:
        raise NotFound(f"no case {case_id}")
    await store.record_event(conn, case_id, "escalated", {"owner": owner, "reason": reason, "level": level},
                             actor=actor, at=now)
    return level


async def escalate_along_path(conn: AsyncConnection[Any], case_id: int, *, actor: str, reason: str, now: datetime,
                              plan_version: int | None = None) -> Escalation:
    """Move an open case one step along its escalation path and into `escalated`; the caller holds the
    transaction. With `plan_version`, only while the case is at that version."""
    row = await store.step_along_path(conn, case_id, now, plan_version)
    if row is None:
        await _explain_refusal(conn, case_id, plan_version)
    await store.move(conn, case_id, CaseStatus.escalated, actor=actor, reason=reason, now=now)
    result = Escalation.model_validate(dict(row or {}) | {"status": CaseStatus.escalated.value})
    await store.record_event(conn, case_id, "escalated", {
        "reason": reason, "level": result.level, "owner": result.owner, "previous_owner": result.previous_owner},
        actor=actor, at=now)
    return result


async def _explain_refusal(conn: AsyncConnection[Any], case_id: int, plan_version: int | None) -> None:
    cur = await conn.execute("SELECT status, plan_version FROM cases WHERE id = %s", (case_id,))
    row = await cur.fetchone()
    if row is None:
        raise NotFound(f"case {case_id} does not exist")
    if plan_version is not None and row["plan_version"] != plan_version:
        raise Conflict(f"case {case_id} is at plan version {row['plan_version']}, not {plan_version}; "
                       "reload the case and decide again")
    raise Conflict(f"case {case_id} is {row['status']} and cannot be escalated")
