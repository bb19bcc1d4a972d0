"""`copilot worker` and `copilot triage`: work the case queue from the command line."""

from __future__ import annotations

import asyncio
import gc
import signal
import time
from datetime import timedelta
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from copilot.cases import store as jobs
from copilot.core.settings import get_settings
from copilot.workflow import eventloop
from copilot.workflow.engine import open_engine
from copilot.workflow.runtime import prepare_database
from copilot.workflow.worker import schedulers, warm_up, work

console = Console()


def worker(concurrency: Annotated[int, typer.Option(min=1, help="Cases run at once by this process.")] = 4) -> None:
    """Claim and run case jobs until interrupted (several workers, on one or more machines, may share a database)."""
    settings = get_settings()
    url = prepare_database(settings)

    async def main() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        async with open_engine(url, settings, pool_size=concurrency + 2) as engine:
            # What is loaded now (LangGraph, pydantic schemas, the ZIP table) lives as long as the process: keep
            # it out of the collector's full passes, which otherwise walk it again and again between cases.
            warm_up()
            gc.collect()
            gc.freeze()
            console.print(f"worker started, concurrency {concurrency}")
            beside = schedulers(engine.pool, engine.deps.clock, stop)
            stats = await work(engine.pool, engine.run_job, concurrency=concurrency, stop=stop,
                               lease=timedelta(seconds=settings.job_lease_s))
            await asyncio.gather(*beside)
        console.print(f"worker stopped: {stats.done} jobs done, {stats.failed} failed")

    eventloop.run(main())


def triage(
    all_cases: Annotated[bool, typer.Option("--all", help="Work the whole backlog.")] = False,
    concurrency: Annotated[int, typer.Option(min=1)] = 8,
) -> None:
    """Work the backlog of case jobs to their next pause and print what became of each case."""
    if not all_cases:
        raise typer.BadParameter("say --all to work the whole backlog")
    settings = get_settings()
    url = prepare_database(settings)

    async def main() -> None:
        async with open_engine(url, settings, pool_size=concurrency + 2) as engine:
            async with engine.pool.connection() as conn:
                before = await jobs.counts(conn)
            total = before.pending + before.running
            started = time.perf_counter()
            with Progress(TextColumn("triage"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                          console=console) as progress:
                task = progress.add_task("cases", total=total)
                stats = await work(engine.pool, engine.run_job, concurrency=concurrency, drain=True,
                                   on_progress=lambda s: progress.update(task, completed=s.done + s.failed))
            elapsed = time.perf_counter() - started
            async with engine.pool.connection() as conn:
                cur = await conn.execute("SELECT status, count(*) AS n FROM cases GROUP BY status ORDER BY status")
                rows = await cur.fetchall()
        table = Table(title=f"{stats.done} jobs in {elapsed:.1f}s ({stats.done / max(elapsed, 1e-9):.1f}/s)")
        table.add_column("case status")
        table.add_column("cases", justify="right")
        for row in rows:
            table.add_row(row["status"], str(row["n"]))
        table.add_row("total", str(sum(r["n"] for r in rows)))
        console.print(table)
        for error in stats.errors[:10]:
            console.print(f"[red]failed[/red] {error}")

    asyncio.run(main())
