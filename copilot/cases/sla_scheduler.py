"""The SLA clock: flag a case once the policy's share of a clock's budget is spent (policy.json sla,
75% by default), escalate it along its path at breach.

The worker calls `run_sla_tick` periodically with its clock. Each (case, clock, mark) is recorded once
in `sla_marks`, so ticks from several workers, or a tick repeated after a crash, act exactly once.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from psycopg import AsyncConnection

from copilot.cases import store
from copilot.cases.escalation import Escalation, escalate_along_path
from copilot.cases.sla import SLA_AT_RISK, SLA_STATE_SQL
from copilot.cases.transitions import OPEN_SQL
from copilot.core.models import Strict

ACTOR = "sla_scheduler"
SNAPSHOT_EVERY = timedelta(minutes=5)


class SlaMark(Strict):
    case_id: int
    clock: str
    mark: str
    due: datetime


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
    FROM clocks WHERE %(now)s >= created_at + (due - created_at) * {SLA_AT_RISK!r}
), marked AS (
    INSERT INTO sla_marks (case_id, clock, mark, at)
    SELECT id, clock, mark, %(now)s FROM due ORDER BY id, clock  -- one lock order for concurrent ticks
    ON CONFLICT DO NOTHING
    RETURNING case_id, clock, mark
)
SELECT m.case_id, m.clock, m.mark, d.due FROM marked m
JOIN due d ON d.id = m.case_id AND d.clock = m.clock
ORDER BY m.case_id, m.clock"""

async def run_sla_tick(conn: AsyncConnection[Any], now: datetime) -> SlaTickResult:
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
                await store.mark_sla(conn, mark.case_id, "at_risk", now)
                await store.record_event(conn, mark.case_id, "sla_at_risk", data, actor=ACTOR, at=now)
                continue
            breached.append(mark)
            await store.mark_sla(conn, mark.case_id, "breached", now)
            await store.record_event(conn, mark.case_id, "sla_breached", data, actor=ACTOR, at=now)
            reason = f"{mark.clock.replace('_', ' ')} SLA breached (due {mark.due:%Y-%m-%d %H:%M} UTC)"
            escalations.append(await escalate_along_path(conn, mark.case_id, actor=ACTOR, reason=reason, now=now))
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


async def write_queue_snapshot(conn: AsyncConnection[Any], now: datetime) -> bool:
    """Queue sizes for the "over time" chart, at most one snapshot per interval."""
    cur = await conn.execute(_SNAPSHOT, {"now": now, "every": SNAPSHOT_EVERY})
    return cur.rowcount > 0
