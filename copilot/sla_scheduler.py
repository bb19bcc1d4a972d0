"""The SLA clock: flag a case at 75% of a clock's budget, escalate it along its path at breach.

The worker calls `run_sla_tick` periodically with its clock. Each (case, clock, mark) is recorded once
in `sla_marks`, so ticks from several workers, or a tick repeated after a crash, act exactly once.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import NoReturn

from psycopg import AsyncConnection
from psycopg.rows import DictRow
from psycopg.types.json import Jsonb

from copilot.errors import Conflict, NotFound
from copilot.models import CaseStatus, Strict
from copilot.queries import OPEN_SQL, SLA_STATE_SQL
from copilot.transitions import move

ACTOR = "sla_scheduler"
SNAPSHOT_EVERY = timedelta(minutes=5)


class SlaMark(Strict):
    case_id: int
    clock: str
    mark: str
    due: datetime


class Escalation(Strict):
    case_id: int
    level: int
    owner: str | None
    previous_owner: str | None
    status: str


class SlaTickResult(Strict):
    flagged: list[SlaMark]
    breached: list[SlaMark]
    escalations: list[Escalation]
    snapshot_written: bool


_MARK_DUE = f"""
WITH clocks AS (
    SELECT c.id, 'first_touch' AS clock, c.created_at, c.first_touch_due AS due FROM cases c
    WHERE {OPEN_SQL} AND c.first_touched_at IS NULL AND c.first_touch_due IS NOT NULL
    UNION ALL
    SELECT c.id, 'resolution', c.created_at, c.resolution_due FROM cases c
    WHERE {OPEN_SQL} AND c.resolution_due IS NOT NULL
), due AS (
    SELECT id, clock, due, CASE WHEN due <= %(now)s THEN 'breached' ELSE 'at_risk' END AS mark
    FROM clocks WHERE %(now)s >= created_at + (due - created_at) * 0.75
), marked AS (
    INSERT INTO sla_marks (case_id, clock, mark, at)
    SELECT id, clock, mark, %(now)s FROM due ORDER BY id, clock  -- one lock order for concurrent ticks
    ON CONFLICT DO NOTHING
    RETURNING case_id, clock, mark
)
SELECT m.case_id, m.clock, m.mark, d.due FROM marked m
JOIN due d ON d.id = m.case_id AND d.clock = m.clock
ORDER BY m.case_id, m.clock"""

# The path's entry at the current level becomes the owner; past its end the last owner keeps it.
_ESCALATE = f"""
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


async def add_event(conn: AsyncConnection[DictRow], case_id: int, actor: str, kind: str, data: Mapping[str, object],
                    at: datetime) -> None:
    await conn.execute(
        "INSERT INTO case_events (case_id, at, actor, kind, data) VALUES (%s, %s, %s, %s, %s)",
        (case_id, at, actor, kind, Jsonb(data)),
    )


async def escalate_case(conn: AsyncConnection[DictRow], case_id: int, actor: str, reason: str, now: datetime,
                        plan_version: int | None = None) -> Escalation:
    """Move an open case one step along its escalation path; the caller holds the transaction."""
    cur = await conn.execute(_ESCALATE, {"id": case_id, "now": now, "version": plan_version})
    row = await cur.fetchone()
    if row is None:
        await _explain_refusal(conn, case_id, plan_version)
    await move(conn, case_id, CaseStatus.escalated, actor=actor, reason=reason)
    result = Escalation.model_validate(row | {"status": CaseStatus.escalated.value})
    await add_event(conn, case_id, actor, "escalated",
                    {"reason": reason, "level": result.level, "owner": result.owner,
                     "previous_owner": result.previous_owner}, now)
    return result


async def _explain_refusal(conn: AsyncConnection[DictRow], case_id: int, plan_version: int | None) -> NoReturn:
    cur = await conn.execute("SELECT status, plan_version FROM cases WHERE id = %s", (case_id,))
    row = await cur.fetchone()
    if row is None:
        raise NotFound(f"case {case_id} does not exist")
    if plan_version is not None and row["plan_version"] != plan_version:
        raise Conflict(f"case {case_id} is at plan version {row['plan_version']}, not {plan_version}; "
                       "reload the case and decide again")
    raise Conflict(f"case {case_id} is {row['status']} and cannot be escalated")


async def run_sla_tick(conn: AsyncConnection[DictRow], now: datetime) -> SlaTickResult:
    """Flag and escalate every case whose SLA clock crossed a mark since the last tick."""
    flagged: list[SlaMark] = []
    breached: list[SlaMark] = []
    escalations: list[Escalation] = []
    async with conn.transaction():
        cur = await conn.execute(_MARK_DUE, {"now": now})
        for row in await cur.fetchall():
            mark = SlaMark.model_validate(row)
            data = {"clock": mark.clock, "due": mark.due.isoformat()}
            if mark.mark == "at_risk":
                flagged.append(mark)
                await conn.execute("UPDATE cases SET sla_flagged_at = COALESCE(sla_flagged_at, %s) WHERE id = %s",
                                   (now, mark.case_id))
                await add_event(conn, mark.case_id, ACTOR, "sla_at_risk", data, now)
                continue
            breached.append(mark)
            await conn.execute("UPDATE cases SET sla_breached_at = COALESCE(sla_breached_at, %s) WHERE id = %s",
                               (now, mark.case_id))
            await add_event(conn, mark.case_id, ACTOR, "sla_breached", data, now)
            reason = f"{mark.clock.replace('_', ' ')} SLA breached (due {mark.due:%Y-%m-%d %H:%M} UTC)"
            escalations.append(await escalate_case(conn, mark.case_id, ACTOR, reason, now))
        snapshot = await write_queue_snapshot(conn, now)
    return SlaTickResult(flagged=flagged, breached=breached, escalations=escalations, snapshot_written=snapshot)


_SNAPSHOT = f"""
INSERT INTO queue_snapshots (at, queue, open, at_risk, breached)
SELECT %(now)s, COALESCE(c.queue, 'unrouted'), count(*),
       count(*) FILTER (WHERE ({SLA_STATE_SQL}) = 'at_risk'),
       count(*) FILTER (WHERE ({SLA_STATE_SQL}) = 'breached')
FROM cases c
WHERE {OPEN_SQL}
  AND NOT EXISTS (SELECT 1 FROM queue_snapshots s WHERE s.at > %(now)s - %(every)s AND s.at <= %(now)s)
GROUP BY 2"""


async def write_queue_snapshot(conn: AsyncConnection[DictRow], now: datetime) -> bool:
    """Queue sizes for the "over time" chart, at most one snapshot per interval."""
    cur = await conn.execute(_SNAPSHOT, {"now": now, "every": SNAPSHOT_EVERY})
    return cur.rowcount > 0
