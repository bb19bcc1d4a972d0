"""Liveness with the state of what the desk depends on: the database, the workers, the job queue, the LLM.

The answer is 503 only when the database is down (nothing can be served); a stopped or stale worker, a
backlog older than `COPILOT_HEALTH_READY_AGE_S`, a failed job or an open LLM breaker answer 200 with status
"degraded" and the reasons, so a load balancer keeps the replica while the status tells a person to look.
"""

from __future__ import annotations

import time
from typing import Literal

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from psycopg import AsyncConnection
from psycopg.rows import DictRow

from copilot.core.models import Strict
from copilot.core.settings import Settings
from copilot.llm.breaker import BreakerState, breaker_state
from copilot.workflow import jobs
from copilot.workflow.jobs import JobHealth
from copilot.workflow.liveness import liveness
from copilot.workflow.worker import BesideWorker

router = APIRouter(tags=["health"])


class DatabaseHealth(Strict):
    status: Literal["ok", "down"]
    postgres: str | None = None
    pgvector: str | None = None
    error: str | None = None


class WorkerHealth(Strict):
    status: Literal["ok", "backing_off", "stale", "stopped", "not_in_this_process"]
    loop_age_s: float | None = None  # since this process's worker loop last turned
    db_errors: int = 0
    last_error: str | None = None
    live_workers: int | None = None  # workers anywhere whose heartbeat is fresh (None: database down)
    last_beat_age_s: float | None = None


class Health(Strict):
    status: Literal["ok", "degraded"]
    reasons: list[str]
    database: DatabaseHealth
    worker: WorkerHealth
    jobs: JobHealth | None = None
    llm: BreakerState


def _worker(beside: BesideWorker | None, settings: Settings) -> WorkerHealth:
    if beside is None:
        return WorkerHealth(status="not_in_this_process")
    stats, age = beside.stats, time.monotonic() - beside.stats.loop_at
    if beside.task.done():
        status: Literal["ok", "backing_off", "stale", "stopped"] = "stopped"
    elif age > settings.health_worker_stale_s:
        status = "stale"
    else:
        status = "backing_off" if stats.backing_off else "ok"
    return WorkerHealth(status=status, loop_age_s=round(age, 1), db_errors=stats.db_errors,
                        last_error=stats.last_error)


async def _from_database(conn: AsyncConnection[DictRow], worker: WorkerHealth, settings: Settings) -> tuple[
        DatabaseHealth, JobHealth]:
    seen = await liveness(conn, settings.health_worker_stale_s)
    worker.live_workers = seen.live_workers
    worker.last_beat_age_s = None if seen.last_beat_age_s is None else round(seen.last_beat_age_s, 1)
    return (DatabaseHealth(status="ok", postgres=seen.postgres, pgvector=seen.pgvector),
            await jobs.health(conn))


def reasons_of(health: Health, settings: Settings) -> list[str]:
    found = []
    if health.database.status == "down":
        found.append(f"database down: {health.database.error}")
    if health.worker.status in ("backing_off", "stale", "stopped"):
        found.append(f"worker {health.worker.status}" + (f": {health.worker.last_error}"
                                                        if health.worker.last_error else ""))
    if health.jobs and health.jobs.oldest_ready_age_s > settings.health_ready_age_s:
        found.append(f"oldest ready job waited {health.jobs.oldest_ready_age_s:.0f} s"
                     f" (limit {settings.health_ready_age_s:.0f} s)")
    if health.jobs and health.jobs.failed:
        found.append(f"{health.jobs.failed} failed job(s) need attention (GET /api/jobs/failed)")
    if health.llm.state != "closed":
        found.append(f"LLM breaker {health.llm.state}: {health.llm.last_error}")
    return found


@router.get("/healthz", response_model=Health, responses={503: {"model": Health}})
async def healthz(request: Request) -> JSONResponse:
    settings: Settings = request.app.state.settings
    worker = _worker(getattr(request.app.state, "worker", None), settings)
    job_health = None
    try:
        async with request.app.state.pool.connection(timeout=3) as conn:
            database, job_health = await _from_database(conn, worker, settings)
    except Exception as exc:  # noqa: BLE001 - health reports the failure instead of raising it
        text = str(exc).strip()
        database = DatabaseHealth(status="down", error=text.splitlines()[0] if text else type(exc).__name__)
    body = Health(status="ok", reasons=[], database=database, worker=worker, jobs=job_health,
                  llm=breaker_state())
    body.reasons = reasons_of(body, settings)
    body.status = "degraded" if body.reasons else "ok"
    return JSONResponse(body.model_dump(), status_code=503 if database.status == "down" else 200)
