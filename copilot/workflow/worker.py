"""Worker processes: claim case jobs from Postgres and drive each case's graph thread."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import psycopg
from psycopg import AsyncConnection
from psycopg.rows import DictRow
from psycopg_pool import PoolTimeout

from copilot.cases import store as jobs
from copilot.cases.store import Job
from copilot.core.db import Pool
from copilot.core.settings import Settings

log = logging.getLogger(__name__)

JobRunner = Callable[[Job], Awaitable[None]]


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


@dataclass
class WorkerStats:
    done: int = 0
    failed: int = 0
    errors: list[str] = field(default_factory=list)
    db_errors: int = 0
    last_error: str | None = None
    backing_off: bool = False
    loop_at: float = field(default_factory=time.monotonic)  # the loop's own heartbeat, in this process


# A database error backs the loop off from the first step to the last, doubling; the last step bounds how long
# the worker takes to notice that the database is back.
BACKOFF_FIRST_S, BACKOFF_LAST_S = 0.25, 4.0
BEAT_EVERY_S = 2.0


def _is_database_error(exc: BaseException) -> bool:
    """The database (or the pool in front of it) failed, not the job: the job is not to blame."""
    return isinstance(exc, (psycopg.OperationalError, PoolTimeout, TimeoutError))


class _Loop:
    """The claim loop's state between iterations: backoff after database errors and the heartbeat."""

    def __init__(self, pool: Pool, name: str, stats: WorkerStats) -> None:
        self.pool, self.name, self.stats = pool, name, stats
        self.backoff = 0.0
        self.next_beat = 0.0

    async def claim(self, free: int, lease: timedelta) -> list[Job]:
        """Jobs for the free slots (none when all are busy), with the heartbeat when one is due."""
        due = time.monotonic() >= self.next_beat
        if free <= 0 and not due:
            return []
        async with self.pool.connection(timeout=BACKOFF_LAST_S) as conn:
            if due:
                await beat(conn, self.name, self.stats)
                self.next_beat = time.monotonic() + BEAT_EVERY_S
            return await jobs.claim(conn, self.name, free, lease) if free > 0 else []

    def failed(self, exc: Exception) -> float:
        self.stats.db_errors += 1
        self.stats.backing_off = True
        self.stats.last_error = f"{type(exc).__name__}: {_first_line(exc)}"
        if self.backoff == 0.0:
            log.exception("worker %s lost the database; backing off and retrying", self.name)
        else:
            log.warning("worker %s: database still failing (%s)", self.name, self.stats.last_error)
        self.backoff = min(max(self.backoff * 2, BACKOFF_FIRST_S), BACKOFF_LAST_S)
        self.next_beat = 0.0
        return self.backoff

    def recovered(self) -> None:
        self.stats.backing_off = False
        if self.backoff:
            log.warning("worker %s: database back after %d errors; resuming", self.name, self.stats.db_errors)
        self.backoff = 0.0


async def beat(conn: AsyncConnection[DictRow], name: str, stats: WorkerStats) -> None:
    await conn.execute(
        "INSERT INTO workers (name, beat_at, db_errors, last_error) VALUES (%s, now(), %s, %s)"
        " ON CONFLICT (name) DO UPDATE SET beat_at = now(), db_errors = EXCLUDED.db_errors,"
        " last_error = EXCLUDED.last_error", (name, stats.db_errors, stats.last_error))


def warm_up() -> None:
    """Load once, before the first claim, what the first cases would otherwise load mid-run: the sandbox
    connectors (imported on a case's first tool call) and the ZIP table (about 1.3 s of CPU on its first
    lookup). Either, met inside a case, blocks the event loop and so every case this process holds."""
    from tools import address
    from tools.connectors.sandbox import carrier, helpdesk, psp, storefront, wms  # noqa: F401

    address.load_zip_table()


async def work(pool: Pool, run_job: JobRunner, *, concurrency: int = 4,
               stop: asyncio.Event | None = None, drain: bool = False, idle_sleep: float = 0.2,
               name: str | None = None, on_progress: Callable[[WorkerStats], None] | None = None,
               lease: timedelta = jobs.LEASE, stats: WorkerStats | None = None) -> WorkerStats:
    """Claim and run jobs until `stop` is set, or, with `drain`, until no job is ready.

    A database error never ends the loop: it is logged, the loop backs off and claims again once the
    database answers; the jobs it was running are handed back without counting as an attempt.
    """
    warm_up()
    me = name or worker_name()
    stats = stats or WorkerStats()
    running: set[asyncio.Task[None]] = set()
    stop = stop or asyncio.Event()
    loop = _Loop(pool, me, stats)

    async def one(job: Job) -> None:
        await _run_one(pool, run_job, job, me, stats, stop)
        if on_progress:
            on_progress(stats)

    while not stop.is_set():
        stats.loop_at = time.monotonic()
        # Decided before the claim awaits: a task finishing meanwhile may have queued the next job of its case.
        idle = not running
        try:
            claimed = await loop.claim(concurrency - len(running), lease)
        except Exception as exc:  # noqa: BLE001 - the worker outlives the database going away
            await _wait(stop, loop.failed(exc))
            continue
        loop.recovered()
        for job in claimed:
            task = asyncio.create_task(one(job))
            running.add(task)
            task.add_done_callback(running.discard)
        if not claimed:
            if drain and idle:
                break
            if running:
                await asyncio.wait(running, timeout=idle_sleep, return_when=asyncio.FIRST_COMPLETED)
            else:
                await _wait(stop, idle_sleep)
    if running:
        await asyncio.gather(*running, return_exceptions=True)
    await _sign_off(pool, me)
    return stats


async def _sign_off(pool: Pool, name: str) -> None:
    """A worker that stops cleanly leaves no heartbeat behind to look stale."""
    try:
        async with pool.connection(timeout=BACKOFF_LAST_S) as conn:
            await conn.execute("DELETE FROM workers WHERE name = %s", (name,))
    except Exception as exc:  # noqa: BLE001 - stopping must not fail for want of a database
        log.warning("worker %s could not sign off: %s", name, _first_line(exc))


async def _run_one(pool: Pool, run_job: JobRunner, job: Job, me: str, stats: WorkerStats,
                   stop: asyncio.Event) -> None:
    try:
        await run_job(job)
        outcome: Exception | None = None
    except Exception as exc:  # noqa: BLE001 - a failed job is retried with backoff, not lost
        outcome = exc
    # Recording the result needs the database; while it is away, keep trying (the lease keeps the job ours
    # for a while, and if it lapses another worker re-runs it from its checkpoint, effects keyed once).
    delay = BACKOFF_FIRST_S
    while True:
        try:
            async with pool.connection(timeout=BACKOFF_LAST_S) as conn:
                await _record(conn, job, me, stats, outcome)
            return
        except Exception as exc:  # noqa: BLE001
            if stop.is_set():
                log.warning("job %s left for the lease to hand back: %s", job.id, _first_line(exc))
                return
            await asyncio.sleep(delay)
            delay = min(delay * 2, BACKOFF_LAST_S)


async def _record(conn: AsyncConnection[DictRow], job: Job, me: str, stats: WorkerStats, outcome: Exception | None) -> None:
    if outcome is None:
        await jobs.finish(conn, job, me)
        stats.done += 1
    elif _is_database_error(outcome):
        log.warning("job %s for case %s interrupted by the database: %s", job.id, job.case_id, _first_line(outcome))
        await jobs.release(conn, job, me)
    else:
        log.error("job %s for case %s failed", job.id, job.case_id, exc_info=outcome)
        # The worker's own clock: a job's failure is the worker's event, not a case time the graph keeps.
        if await jobs.fail(conn, job, f"{type(outcome).__name__}: {outcome}", datetime.now(UTC)):
            stats.failed += 1
            stats.errors.append(f"case {job.case_id}: {outcome}")


async def _wait(stop: asyncio.Event, seconds: float) -> None:
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(stop.wait(), timeout=seconds)


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


@dataclass
class BesideWorker:
    """The worker a serving process runs, as /healthz sees it."""

    stats: WorkerStats
    task: asyncio.Task[WorkerStats]


@asynccontextmanager
async def run_worker_beside(url: str, settings: Settings, pool: Pool,
                            concurrency: int = 4) -> AsyncIterator[BesideWorker]:
    """One worker as a background task of the serving process, stopped cleanly with it."""
    from copilot.workflow.engine import open_engine

    stop = asyncio.Event()
    stats = WorkerStats()
    async with open_engine(url, settings, pool=pool) as engine:
        task = asyncio.create_task(work(pool, engine.run_job, concurrency=concurrency, stop=stop, idle_sleep=0.5,
                                        lease=timedelta(seconds=settings.job_lease_s), stats=stats))
        task.add_done_callback(_report_end)
        beside = schedulers(pool, engine.deps.clock, stop)
        try:
            yield BesideWorker(stats=stats, task=task)
        finally:
            stop.set()
            await asyncio.gather(task, *beside, return_exceptions=True)


def _report_end(task: asyncio.Task[WorkerStats]) -> None:
    if not task.cancelled() and task.exception() is not None:
        log.error("the worker loop ended with an error", exc_info=task.exception())


async def every(pool: Pool, clock: Callable[[], datetime], stop: asyncio.Event,
                tick: Callable[[AsyncConnection[DictRow], datetime], Awaitable[object]], name: str,
                every_s: float = 60.0) -> None:
    """Run `tick` beside the worker until `stop`; a failed tick is logged and retried at the next one."""
    while not stop.is_set():
        try:
            async with pool.connection() as conn:
                await tick(conn, clock())
        except Exception:  # noqa: BLE001 - the scheduler outlives one bad tick
            log.exception("%s tick failed", name)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), timeout=every_s)


def schedulers(pool: Pool, clock: Callable[[], datetime], stop: asyncio.Event) -> list[asyncio.Task[None]]:
    """What runs beside every worker: the SLA clock (flag at 75%, escalate at breach) and verification re-reads."""
    from copilot.cases.sla_scheduler import run_sla_tick
    from copilot.close.verification import run_verification_tick
    from copilot.intake.reconcile import reconcile_raw

    return [asyncio.create_task(every(pool, clock, stop, run_sla_tick, "SLA")),
            asyncio.create_task(every(pool, clock, stop, run_verification_tick, "verification")),
            asyncio.create_task(every(pool, clock, stop, reconcile_raw, "intake reconcile"))]
