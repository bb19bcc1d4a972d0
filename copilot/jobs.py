"""The case work queue on Postgres: claimed with FOR UPDATE SKIP LOCKED, one job per case at a time."""

from __future__ import annotations

from datetime import datetime, timedelta
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
    """Release the job for a later attempt with backoff; returns True when it has given up.

    A job given up keeps its error and shows on its case and in `failed()` until a person retries it.
    """
    gave_up = job.attempts >= MAX_ATTEMPTS
    async with conn.transaction():
        await conn.execute(
            "UPDATE case_jobs SET locked_until = NULL, error = %s,"
            " run_after = now() + make_interval(secs => %s), done_at = CASE WHEN %s THEN now() END"
            " WHERE id = %s",
            (error[:2000], 2 ** job.attempts, gave_up, job.id),
        )
        if gave_up:
            await _event(conn, job.case_id, "job_failed", {"job_id": job.id, "kind": job.kind,
                                                            "attempts": job.attempts, "error": error[:500]})
    return gave_up


async def release(conn: AsyncConnection[DictRow], job: Job, worker: str) -> None:
    """Hand back a job whose run the database interrupted: the attempt does not count against it."""
    await conn.execute(
        "UPDATE case_jobs SET locked_until = NULL, attempts = greatest(attempts - 1, 0), run_after = now()"
        " WHERE id = %s AND locked_by = %s AND done_at IS NULL", (job.id, worker))


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


async def retry(conn: AsyncConnection[DictRow], job_id: int, actor: str) -> int | None:
    """Put a failed job back in the queue with fresh attempts; returns its case, or None when not failed."""
    async with conn.transaction():
        cur = await conn.execute(
            "UPDATE case_jobs SET done_at = NULL, attempts = 0, run_after = now(), locked_by = NULL,"
            " locked_until = NULL, retries = retries + 1"
            " WHERE id = %s AND done_at IS NOT NULL AND error IS NOT NULL RETURNING case_id, error", (job_id,))
        row = await cur.fetchone()
        if row is None:
            return None
        await _event(conn, row["case_id"], "job_retried", {"job_id": job_id, "error": row["error"][:500]}, actor)
    return int(row["case_id"])


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


async def _event(conn: AsyncConnection[DictRow], case_id: int, kind: str, data: dict[str, object], actor: str = "worker") -> None:
    await conn.execute("INSERT INTO case_events (case_id, actor, kind, data) VALUES (%s, %s, %s, %s)",
                       (case_id, actor, kind, Jsonb(data)))


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
