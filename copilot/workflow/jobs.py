"""Reading the case work queue: jobs given up (the desk's "needs attention" list) and how far behind the
workers are. The queue itself, and every write to it (claim, finish, fail, retry), is the case store's: import
those from copilot.cases.store."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from psycopg import AsyncConnection
from psycopg.rows import DictRow

from copilot.cases.store import MAX_ATTEMPTS
from copilot.core.models import Strict


class FailedJob(Strict):
    id: int
    case_id: int
    kind: Literal["run", "resume"]
    attempts: int
    retries: int
    error: str
    failed_at: datetime
    case_status: str
    category: str
    order_id: str | None
    queue: str | None


_FAILED = """SELECT j.id, j.case_id, j.kind, j.attempts, j.retries, j.error, j.done_at AS failed_at,
    c.status AS case_status, c.category, c.order_id, c.queue
FROM case_jobs j JOIN cases c ON c.id = j.case_id
WHERE j.done_at IS NOT NULL AND j.error IS NOT NULL AND (%(case)s::bigint IS NULL OR j.case_id = %(case)s)
ORDER BY j.done_at DESC, j.id DESC LIMIT %(limit)s"""


async def failed(conn: AsyncConnection[DictRow], case_id: int | None = None, limit: int = 200) -> list[FailedJob]:
    """Jobs the workers gave up on, newest first: the desk's "needs attention" list."""
    cur = await conn.execute(_FAILED, {"case": case_id, "limit": limit})
    return [FailedJob.model_validate(row) for row in await cur.fetchall()]


class JobHealth(Strict):
    ready: int
    oldest_ready_age_s: float
    failed: int


async def health(conn: AsyncConnection[DictRow]) -> JobHealth:
    """How far behind the workers are (age of the oldest job ready to run) and how many were given up."""
    cur = await conn.execute(
        "SELECT count(*) FILTER (WHERE ready) AS ready,"
        " COALESCE(extract(epoch FROM now() - min(run_after) FILTER (WHERE ready)), 0)::float AS oldest_ready_age_s,"
        " count(*) FILTER (WHERE failed) AS failed FROM ("
        "   SELECT run_after, done_at IS NULL AND run_after <= now() AND attempts < %s"
        "          AND (locked_until IS NULL OR locked_until < now()) AS ready,"
        "          done_at IS NOT NULL AND error IS NOT NULL AS failed"
        "   FROM case_jobs WHERE done_at IS NULL OR error IS NOT NULL) j", (MAX_ATTEMPTS,))
    row = await cur.fetchone()
    assert row is not None
    return JobHealth(ready=row["ready"], oldest_ready_age_s=max(0.0, float(row["oldest_ready_age_s"])),
                     failed=row["failed"])
