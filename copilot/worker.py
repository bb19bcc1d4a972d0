"""Worker processes: claim case jobs from Postgres and drive each case's graph thread."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from psycopg import AsyncConnection
from psycopg.rows import DictRow

from copilot import jobs
from copilot.db import Pool
from copilot.jobs import Job
from copilot.settings import Settings

log = logging.getLogger(__name__)

JobRunner = Callable[[Job], Awaitable[None]]


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


@dataclass
class WorkerStats:
    done: int = 0
    failed: int = 0
    errors: list[str] = field(default_factory=list)


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
               lease: timedelta = jobs.LEASE) -> WorkerStats:
    """Claim and run jobs until `stop` is set, or, with `drain`, until no job is ready."""
    warm_up()
    me = name or worker_name()
    stats = WorkerStats()
    running: set[asyncio.Task[None]] = set()
    stop = stop or asyncio.Event()

    async def one(job: Job) -> None:
        try:
            await run_job(job)
            async with pool.connection() as conn:
                await jobs.finish(conn, job, me)
            stats.done += 1
        except Exception as exc:  # noqa: BLE001 - a failed job is retried with backoff, not lost
            log.exception("job %s for case %s failed", job.id, job.case_id)
            async with pool.connection() as conn:
                if await jobs.fail(conn, job, f"{type(exc).__name__}: {exc}"):
                    stats.failed += 1
                    stats.errors.append(f"case {job.case_id}: {exc}")
        if on_progress:
            on_progress(stats)

    while not stop.is_set():
        free = concurrency - len(running)
        claimed: list[Job] = []
        if free > 0:
            async with pool.connection() as conn:
                claimed = await jobs.claim(conn, me, free, lease)
        for job in claimed:
            task = asyncio.create_task(one(job))
            running.add(task)
            task.add_done_callback(running.discard)
        if not claimed:
            if drain and not running:
                break
            if running:
                await asyncio.wait(running, timeout=idle_sleep, return_when=asyncio.FIRST_COMPLETED)
            else:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), timeout=idle_sleep)
    if running:
        await asyncio.gather(*running, return_exceptions=True)
    return stats


@asynccontextmanager
async def run_worker_beside(url: str, settings: Settings, pool: Pool,
                            concurrency: int = 4) -> AsyncIterator[None]:
    """One worker as a background task of the serving process, stopped cleanly with it."""
    from copilot.engine import open_engine

    stop = asyncio.Event()
    async with open_engine(url, settings, pool=pool) as engine:
        task = asyncio.create_task(work(pool, engine.run_job, concurrency=concurrency, stop=stop, idle_sleep=0.5,
                                        lease=timedelta(seconds=settings.job_lease_s)))
        beside = schedulers(pool, engine.deps.clock, stop)
        try:
            yield
        finally:
            stop.set()
            await asyncio.gather(task, *beside)


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
    from copilot.intake.reconcile import reconcile_raw
    from copilot.sla_scheduler import run_sla_tick
    from copilot.verification import run_verification_tick

    return [asyncio.create_task(every(pool, clock, stop, run_sla_tick, "SLA")),
            asyncio.create_task(every(pool, clock, stop, run_verification_tick, "verification")),
            asyncio.create_task(every(pool, clock, stop, reconcile_raw, "intake reconcile"))]
