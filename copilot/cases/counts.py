"""The counts /metrics exposes beside the shared figures (copilot.cases.figures): cases by queue and status, SLA
breaches by queue, decisions by role, and the scheduler's queue-size snapshots the desk charts."""

from __future__ import annotations

from datetime import datetime

from psycopg import AsyncConnection
from psycopg.rows import DictRow

from copilot.cases.figures import Snapshot
from copilot.cases.sla import SLA_STATE_SQL
from copilot.cases.transitions import OPEN_SQL
from copilot.core.models import Strict

_CASES = "SELECT COALESCE(queue, 'unrouted') AS queue, status, count(*) AS n FROM cases GROUP BY 1, 2 ORDER BY 1, 2"
_SLA = f"""SELECT COALESCE(c.queue, 'unrouted') AS queue,
    count(*) FILTER (WHERE c.sla_breached_at IS NOT NULL) AS breaches,
    count(*) FILTER (WHERE {OPEN_SQL} AND ({SLA_STATE_SQL}) = 'at_risk') AS at_risk,
    count(*) FILTER (WHERE {OPEN_SQL} AND ({SLA_STATE_SQL}) = 'breached') AS breached_open
FROM cases c GROUP BY 1 ORDER BY 1"""
_APPROVALS = "SELECT decision, role, count(*) AS n FROM approvals GROUP BY 1, 2 ORDER BY 1, 2"
_SNAPSHOTS = """SELECT queue, at, open FROM queue_snapshots
    WHERE at > %(since)s AND at <= %(now)s ORDER BY queue, at"""


class StatusCount(Strict):
    queue: str
    status: str
    n: int


class QueueSla(Strict):
    queue: str
    breaches: int
    at_risk: int
    breached_open: int


class DecisionCount(Strict):
    decision: str
    role: str | None
    n: int


async def cases_by_status(conn: AsyncConnection[DictRow]) -> list[StatusCount]:
    cur = await conn.execute(_CASES)
    return [StatusCount.model_validate(r) for r in await cur.fetchall()]


async def sla_by_queue(conn: AsyncConnection[DictRow], now: datetime) -> list[QueueSla]:
    """Breaches ever, and open cases at risk or breached at `now`, per queue."""
    cur = await conn.execute(_SLA, {"now": now})
    return [QueueSla.model_validate(r) for r in await cur.fetchall()]


async def decisions_by_role(conn: AsyncConnection[DictRow]) -> list[DecisionCount]:
    cur = await conn.execute(_APPROVALS)
    return [DecisionCount.model_validate(r) for r in await cur.fetchall()]


async def snapshots(conn: AsyncConnection[DictRow], since: datetime, now: datetime) -> list[Snapshot]:
    """The scheduler's snapshots of open cases per queue in (since, now]."""
    cur = await conn.execute(_SNAPSHOTS, {"since": since, "now": now})
    return [Snapshot.model_validate(r) for r in await cur.fetchall()]
