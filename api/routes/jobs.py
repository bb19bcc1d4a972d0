"""Work the workers gave up on: the "needs attention" list, and a retry for each."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query
from psycopg import AsyncConnection
from psycopg.rows import DictRow

from api.auth import Caller, DeskCaller
from api.deps import Now, connection
from copilot.cases import store
from copilot.core.errors import NotFound
from copilot.core.models import Strict
from copilot.workflow import jobs

router = APIRouter(prefix="/api/jobs", tags=["jobs"])
Conn = Annotated[AsyncConnection[DictRow], Depends(connection)]


class FailedJobs(Strict):
    jobs: list[jobs.FailedJob]


class Retried(Strict):
    job_id: int
    case_id: int
    detail: str


@router.get("/failed", response_model=FailedJobs, responses={401: {"description": "No or a bad API key."}})
async def failed_jobs(_: Caller, conn: Conn, case_id: Annotated[int | None, Query(ge=1, le=2**62)] = None,
                      limit: Annotated[int, Query(ge=1, le=500)] = 200) -> FailedJobs:
    """Jobs given up after their last attempt, newest first, with the case each belongs to and the error."""
    return FailedJobs(jobs=await jobs.failed(conn, case_id, limit))


@router.post("/{job_id}/retry", response_model=Retried,
             responses={401: {"description": "No or a bad API key."}, 403: {"description": "Not a desk role."},
                        404: {"description": "No failed job with this id."}})
async def retry_job(job_id: Annotated[int, Path(ge=1, le=2**62)], who: DeskCaller, conn: Conn,
                    now: Now) -> Retried:
    """Queue a failed job again with fresh attempts; the case's timeline records who asked."""
    case_id = await store.retry(conn, job_id, who.name, now)
    if case_id is None:
        raise NotFound(f"job {job_id} is not a failed job")
    return Retried(job_id=job_id, case_id=case_id, detail="queued again; a worker picks it up now")
