"""What a desk agent does to a case besides deciding its plan: assign it, escalate it, write a note. Each acts
on the plan version the agent saw, on an open case, and leaves an audit event."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from psycopg import AsyncConnection

from copilot.cases import store
from copilot.cases.case_log import StoreCaseLog
from copilot.cases.escalation import Escalation, escalate_along_path
from copilot.core.errors import Conflict, CopilotError, NotFound
from copilot.core.models import CaseStatus, Strict
from tools.connectors.helpdesk.notes import note_on_ticket


class Current(Strict):
    status: CaseStatus
    plan_version: int
    assignee: str | None


async def lock_current(conn: AsyncConnection[Any], case_id: int, plan_version: int) -> Current:
    """The open case at the plan version the caller saw, row-locked for the caller's transaction."""
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
    return Current.model_validate(row)


async def assign(conn: AsyncConnection[Any], case_id: int, plan_version: int, assignee: str, *, actor: str,
                 now: datetime) -> Current:
    async with conn.transaction():
        current = await lock_current(conn, case_id, plan_version)
        await store.set_assignee(conn, case_id, assignee, now)
        await store.record_event(conn, case_id, "assigned", {"assignee": assignee, "previous": current.assignee},
                                 actor=actor, at=now)
    return current


async def escalate(conn: AsyncConnection[Any], case_id: int, plan_version: int, reason: str, *, actor: str,
                   now: datetime) -> Escalation:
    async with conn.transaction():
        await lock_current(conn, case_id, plan_version)
        return await escalate_along_path(conn, case_id, actor=actor, reason=reason, now=now,
                                         plan_version=plan_version)


async def add_note(conn: AsyncConnection[Any], case_id: int, plan_version: int, body: str, *, author: str,
                   now: datetime) -> Current:
    """An internal note; never sent to the customer."""
    async with conn.transaction():
        current = await lock_current(conn, case_id, plan_version)
        cur = await conn.execute("INSERT INTO case_notes (case_id, at, author, body) VALUES (%s, %s, %s, %s)"
                                 " RETURNING id", (case_id, now, author, body))
        note = await cur.fetchone()
        if note is None:  # an INSERT ... RETURNING without a conflict clause returns its row
            raise Conflict(f"the note on case {case_id} was not stored")
        await store.record_event(conn, case_id, "note_added", {"note_id": note["id"]}, actor=author, at=now)
        await _to_helpdesk(conn, case_id, int(note["id"]), body, author, now)
    return current


async def _to_helpdesk(conn: AsyncConnection[Any], case_id: int, note_id: int, body: str, author: str,
                       now: datetime) -> None:
    """The note also goes to the connected helpdesk's ticket as an internal note; a refusal there is recorded on
    the case and does not lose the note, which is the desk's own record."""
    try:
        await note_on_ticket(conn, now, case_id, note_id, f"{body}\n— {author}, recovery desk", StoreCaseLog(
            conn, case_id, now))
    except CopilotError as exc:
        await store.record_event(conn, case_id, "note_not_posted", {"note_id": note_id, "reason": exc.message},
                                 actor="connector", at=now)
