"""One definition of each desk figure, shared by /desk/metrics, the weekly report and /metrics.

Each figure is counted over the cases *created* in a window [start, end), per queue:
- SLA attainment: the share with no SLA breach, on the case's own clock (copilot.cases.sla.SLA_STATE_SQL);
- first touch met: of the cases whose first touch is decided (touched, or its due time passed), the share first
  touched (a message sent) by the due time; a case not yet due counts for neither side;
- median time to first touch, in minutes, of those touched;
- automation rate: of the cases whose plan got a decision, the share whose first decision was automatic.
Queue sizes over time are the scheduler's snapshots of open cases.
"""

from __future__ import annotations

from datetime import datetime

from psycopg import AsyncConnection
from psycopg.rows import DictRow

from copilot.cases.sla import SLA_STATE_SQL
from copilot.core.models import Strict

FIRST_TOUCH_MET_SQL = "(c.first_touched_at IS NOT NULL AND c.first_touched_at <= COALESCE(c.first_touch_due, 'infinity'))"
SLA_MET_SQL = f"(({SLA_STATE_SQL}) <> 'breached')"

_QUEUE_FIGURES = f"""SELECT COALESCE(c.queue, 'unrouted') AS queue, count(*) AS cases,
  count(*) FILTER (WHERE {SLA_MET_SQL}) AS sla_met,
  count(*) FILTER (WHERE c.first_touched_at IS NOT NULL) AS first_touched,
  count(*) FILTER (WHERE {FIRST_TOUCH_MET_SQL}) AS first_touch_met,
  count(*) FILTER (WHERE c.first_touched_at IS NOT NULL OR c.first_touch_due <= %(now)s) AS first_touch_decided,
  percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM c.first_touched_at - c.created_at) / 60)
    FILTER (WHERE c.first_touched_at IS NOT NULL) AS median_first_touch_minutes
FROM cases c
WHERE c.created_at >= %(s)s AND c.created_at < %(e)s AND c.queue IS NOT NULL AND c.queue <> 'routed_away'
GROUP BY 1 ORDER BY 1"""

_AUTOMATION = """SELECT count(*) AS decided, count(*) FILTER (WHERE first = 'auto') AS automated FROM (
    SELECT DISTINCT ON (a.case_id) a.decision AS first FROM approvals a JOIN cases c ON c.id = a.case_id
    WHERE c.created_at >= %(s)s AND c.created_at < %(e)s ORDER BY a.case_id, a.id) f"""

_AUTOMATION_BY_DAY = """SELECT date_trunc('day', created) AS day, count(*) AS decided,
    count(*) FILTER (WHERE first = 'auto') AS automated FROM (
    SELECT DISTINCT ON (a.case_id) a.decision AS first, c.created_at AS created FROM approvals a
    JOIN cases c ON c.id = a.case_id WHERE c.created_at >= %(s)s AND c.created_at < %(e)s ORDER BY a.case_id, a.id) f
GROUP BY 1 ORDER BY 1"""


class QueueFigures(Strict):
    queue: str
    cases: int
    sla_met: int
    first_touched: int
    first_touch_met: int
    first_touch_decided: int
    median_first_touch_minutes: float | None

    @property
    def sla_attainment(self) -> float | None:
        return self.sla_met / self.cases if self.cases else None

    @property
    def first_touch_rate(self) -> float | None:
        return self.first_touch_met / self.first_touch_decided if self.first_touch_decided else None


class Automation(Strict):
    decided: int
    automated: int

    @property
    def rate(self) -> float | None:
        return self.automated / self.decided if self.decided else None


class Snapshot(Strict):
    """Open cases of one queue at one of the scheduler's snapshot times."""

    queue: str
    at: datetime
    open: int


class DayAutomation(Automation):
    day: datetime


async def queue_figures(conn: AsyncConnection[DictRow], start: datetime, end: datetime, now: datetime) -> list[QueueFigures]:
    cur = await conn.execute(_QUEUE_FIGURES, {"s": start, "e": end, "now": now})
    return [QueueFigures.model_validate(r) for r in await cur.fetchall()]


async def automation(conn: AsyncConnection[DictRow], start: datetime, end: datetime) -> Automation:
    cur = await conn.execute(_AUTOMATION, {"s": start, "e": end})
    return Automation.model_validate(await cur.fetchone())


async def automation_by_day(conn: AsyncConnection[DictRow], start: datetime, end: datetime) -> list[DayAutomation]:
    cur = await conn.execute(_AUTOMATION_BY_DAY, {"s": start, "e": end})
    return [DayAutomation.model_validate(r) for r in await cur.fetchall()]
