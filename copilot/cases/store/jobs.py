"""The case work queue (`case_jobs`) on Postgres: claimed with FOR UPDATE SKIP LOCKED, one job per case at a
time. A job's lease and backoff run on the database's clock: they pace workers, they are not case times."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any, Literal

from psycopg import AsyncConnection
from psycopg.types.json import Jsonb
from pydantic import BaseModel, model_validator

from copilot.cases.resume import Approve, Edit, Reject, Replan, Reply, Verify, dump_resume, parse_resume
from copilot.cases.store.events import record_event
from copilot.cases.store.rows import fetch_all, fetch_one
from copilot.core.models import Strict

LEASE = timedelta(seconds=60)
MAX_ATTEMPTS = 5
AnyResume = Approve | Edit | Reject | Replan | Reply | Verify


class Job(BaseModel):
    """A `run` starts the case's thread; a `resume` carries what wakes its pause."""

    id: int
    case_id: int
    kind: Literal["run", "resume"]
    resume: AnyResume | None = None
    attempts: int

    @model_validator(mode="before")
    @classmethod
    def _typed_payload(cls, row: Any) -> Any:
        if isinstance(row, dict) and "payload" in row:
            row = dict(row)
            payload = row.pop("payload")
            row["resume"] = parse_resume(payload) if row.get("kind") == "resume" else None
        return row


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


async def claim(conn: AsyncConnection[Any], worker: str, limit: int, lease: timedelta = LEASE) -> list[Job]:
    rows = await fetch_all(conn, _CLAIM, {"worker": worker, "limit": limit, "lease": lease,
                                          "max_attempts": MAX_ATTEMPTS})
    return [Job.model_validate(row) for row in rows]


async def enqueue(conn: AsyncConnection[Any], case_id: int, resume: AnyResume) -> int:
    """Queue a resume of the case's thread. (A new case's `run` job comes from the trigger in 008_jobs.sql.)"""
    row = await fetch_one(conn, "INSERT INTO case_jobs (case_id, kind, payload) VALUES (%s, 'resume', %s)"
                          " RETURNING id", (case_id, Jsonb(dump_resume(resume))))
    assert row is not None  # an INSERT ... RETURNING without a conflict clause returns its row
    return int(row["id"])


async def finish(conn: AsyncConnection[Any], job: Job, worker: str) -> None:
    await conn.execute(
        "UPDATE case_jobs SET done_at = now(), locked_until = NULL, error = NULL WHERE id = %s AND locked_by = %s",
        (job.id, worker),
    )


async def fail(conn: AsyncConnection[Any], job: Job, error: str, now: datetime) -> bool:
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
            await record_event(conn, job.case_id, "job_failed", {"job_id": job.id, "kind": job.kind,
                                                                  "attempts": job.attempts, "error": error[:500]},
                               actor="worker", at=now)
    return gave_up


async def release(conn: AsyncConnection[Any], job: Job, worker: str) -> None:
    """Hand back a job whose run the database interrupted: the attempt does not count against it."""
    await conn.execute(
        "UPDATE case_jobs SET locked_until = NULL, attempts = greatest(attempts - 1, 0), run_after = now()"
        " WHERE id = %s AND locked_by = %s AND done_at IS NULL", (job.id, worker))


async def retry(conn: AsyncConnection[Any], job_id: int, actor: str, now: datetime) -> int | None:
    """Put a failed job back in the queue with fresh attempts; returns its case, or None when not failed."""
    async with conn.transaction():
        row = await fetch_one(
            conn, "UPDATE case_jobs SET done_at = NULL, attempts = 0, run_after = now(), locked_by = NULL,"
            " locked_until = NULL, retries = retries + 1"
            " WHERE id = %s AND done_at IS NOT NULL AND error IS NOT NULL RETURNING case_id, error", (job_id,))
        if row is None:
            return None
        await record_event(conn, row["case_id"], "job_retried", {"job_id": job_id, "error": row["error"][:500]},
                           actor=actor, at=now)
    return int(row["case_id"])


async def counts(conn: AsyncConnection[Any]) -> JobCounts:
    row = await fetch_one(
        conn, "SELECT count(*) FILTER (WHERE done_at IS NULL AND locked_until IS NULL) AS pending,"
        " count(*) FILTER (WHERE done_at IS NULL AND locked_until IS NOT NULL) AS running,"
        " count(*) FILTER (WHERE done_at IS NOT NULL AND error IS NULL) AS done,"
        " count(*) FILTER (WHERE done_at IS NOT NULL AND error IS NOT NULL) AS failed FROM case_jobs", ())
    assert row is not None  # an aggregate always returns one row
    return JobCounts.model_validate(row)
