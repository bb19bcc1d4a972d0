"""The case work queue on Postgres: claimed with FOR UPDATE SKIP LOCKED, one job per case at a time."""

from __future__ import annotations

from datetime import timedelta
from typing import Literal

from psycopg import AsyncConnection
from psycopg.rows import DictRow
from psycopg.types.json import Jsonb
from pydantic import BaseModel

from copilot.models import Strict

LEASE = timedelta(seconds=60)
MAX_ATTEMPTS = 5


class Job(BaseModel):
    id: int
    case_id: int
    kind: Literal["run", "resume"]
    payload: dict[str, object]
    attempts: int


class JobCounts(Strict):
    pending: int
    running: int
    done: int
    failed: int


_CLAIM = """
WITH next AS (
    SELECT j.id FROM case_jobs j
    WHERE j.done_at IS NULL AND j.run_after <= now()
      AND (j.locked_until IS NULL OR j.locked_until < now())
      AND j.attempts < %(max_attempts)s
      AND NOT EXISTS (SELECT 1 FROM case_jobs e
                      WHERE e.case_id = j.case_id AND e.done_at IS NULL AND e.id < j.id)
    ORDER BY j.run_after, j.id
    FOR UPDATE SKIP LOCKED
    LIMIT %(limit)s
)
UPDATE case_jobs SET locked_by = %(worker)s, locked_until = now() + %(lease)s, attempts = attempts + 1
FROM next WHERE case_jobs.id = next.id
RETURNING case_jobs.id, case_jobs.case_id, case_jobs.kind, case_jobs.payload, case_jobs.attempts
"""


async def claim(conn: AsyncConnection[DictRow], worker: str, limit: int, lease: timedelta = LEASE) -> list[Job]:
    cur = await conn.execute(_CLAIM, {"worker": worker, "limit": limit, "lease": lease,
                                      "max_attempts": MAX_ATTEMPTS})
    return [Job.model_validate(row) for row in await cur.fetchall()]


async def enqueue(conn: AsyncConnection[DictRow], case_id: int, kind: Literal["run", "resume"],
                  payload: dict[str, object] | None = None) -> int:
    cur = await conn.execute(
        "INSERT INTO case_jobs (case_id, kind, payload) VALUES (%s, %s, %s) RETURNING id",
        (case_id, kind, Jsonb(payload or {})),
    )
    row = await cur.fetchone()
    assert row is not None
    return int(row["id"])


async def finish(conn: AsyncConnection[DictRow], job: Job, worker: str) -> None:
    await conn.execute(
        "UPDATE case_jobs SET done_at = now(), locked_until = NULL, error = NULL WHERE id = %s AND locked_by = %s",
        (job.id, worker),
    )


async def fail(conn: AsyncConnection[DictRow], job: Job, error: str) -> bool:
    """Release the job for a later attempt with backoff; returns True when it has given up."""
    gave_up = job.attempts >= MAX_ATTEMPTS
    await conn.execute(
        "UPDATE case_jobs SET locked_until = NULL, error = %s,"
        " run_after = now() + make_interval(secs => %s), done_at = CASE WHEN %s THEN now() END"
        " WHERE id = %s",
        (error[:2000], 2 ** job.attempts, gave_up, job.id),
    )
    return gave_up


async def counts(conn: AsyncConnection[DictRow]) -> JobCounts:
    cur = await conn.execute(
        "SELECT count(*) FILTER (WHERE done_at IS NULL AND locked_until IS NULL) AS pending,"
        " count(*) FILTER (WHERE done_at IS NULL AND locked_until IS NOT NULL) AS running,"
        " count(*) FILTER (WHERE done_at IS NOT NULL AND error IS NULL) AS done,"
        " count(*) FILTER (WHERE done_at IS NOT NULL AND error IS NOT NULL) AS failed FROM case_jobs"
    )
    row = await cur.fetchone()
    assert row is not None
    return JobCounts.model_validate(row)
