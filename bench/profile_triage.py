"""Where a triage case's time goes: one worker, one case at a time, every SQL statement counted and every
node timed (wall and CPU), with the rest (job claim and finish, LangGraph, the checkpointer) as "outside".

`python bench/profile_triage.py [CASES]` prints a table per node; `PROFILE_OUT=file` also writes a cProfile
of the worker's run (not the seeding) for `python -m pstats`."""

from __future__ import annotations

import asyncio
import contextvars
import cProfile
import functools
import gc
import os
import sys
import time
from collections import defaultdict
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

import psycopg

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from bench.common import bench_database, machine  # noqa: E402
from copilot import db, nodes  # noqa: E402
from copilot.engine import open_engine  # noqa: E402
from copilot.intake.ingest import ingest_seed_signals  # noqa: E402
from copilot.runtime import reset_desk  # noqa: E402
from copilot.settings import Settings  # noqa: E402
from copilot.worker import warm_up, work  # noqa: E402
from tools.connectors.sandbox.generator import generate_world  # noqa: E402
from tools.connectors.sandbox.store import write_world  # noqa: E402

NODE_NAMES = ("intake", "classify", "gather_facts", "plan", "draft_message", "check_guardrails", "auto_approve",
              "await_approval", "escalate", "close")
current = contextvars.ContextVar("node", default="outside")
statements: dict[str, int] = defaultdict(int)
by_sql: dict[str, int] = defaultdict(int)
wall: dict[str, float] = defaultdict(float)
cpu: dict[str, float] = defaultdict(float)
calls: dict[str, int] = defaultdict(int)


def _count(execute: Callable[..., Awaitable[Any]]) -> Callable[..., Awaitable[Any]]:
    @functools.wraps(execute)
    async def counted(self: Any, query: Any, *args: Any, **kwargs: Any) -> Any:
        statements[current.get()] += 1
        text = query if isinstance(query, str) else str(getattr(query, "_obj", query))
        by_sql[f"{current.get()}: {' '.join(text.split())[:90]}"] += 1
        return await execute(self, query, *args, **kwargs)
    return counted


def _timed(name: str, fn: Callable[..., Awaitable[Any]]) -> Callable[..., Awaitable[Any]]:
    @functools.wraps(fn)
    async def node(*args: Any, **kwargs: Any) -> Any:
        token = current.set(name)
        w, c = time.perf_counter(), time.process_time()
        try:
            return await fn(*args, **kwargs)
        finally:
            wall[name] += time.perf_counter() - w
            cpu[name] += time.process_time() - c  # one case at a time, so the process's CPU is this node's
            calls[name] += 1
            current.reset(token)
    return node


def instrument() -> None:
    psycopg.AsyncCursor.execute = _count(psycopg.AsyncCursor.execute)  # type: ignore[method-assign]
    psycopg.AsyncCursor.executemany = _count(psycopg.AsyncCursor.executemany)  # type: ignore[method-assign]
    for name in NODE_NAMES:
        setattr(nodes, name, _timed(name, getattr(nodes, name)))


async def profile(url: str, cases: int) -> None:
    now = datetime.now(UTC)
    with db.connect(url, autocommit=True) as conn:
        reset_desk(conn)
        write_world(conn, generate_world(seed=99, now=now, n_orders=cases * 4, n_customers=max(cases // 2, 10),
                                         n_exceptions=cases))
    async with await psycopg.AsyncConnection.connect(url, autocommit=True, row_factory=psycopg.rows.dict_row) as c:
        await ingest_seed_signals(c, now)
    statements.clear()
    by_sql.clear()
    settings = Settings(database_url=url)
    async with open_engine(url, settings, pool_size=3) as engine:
        warm_up()  # as `copilot worker` does before its first claim
        if os.environ.get("PROFILE_GC_FREEZE", "1") == "1":
            gc.collect()
            gc.freeze()
        out = os.environ.get("PROFILE_OUT")
        prof = cProfile.Profile() if out else None
        w, c = time.perf_counter(), time.process_time()
        if prof:
            prof.enable()
        stats = await work(engine.pool, engine.run_job, concurrency=1, drain=True)
        if prof and out:
            prof.disable()
            prof.dump_stats(out)
        total_wall, total_cpu = time.perf_counter() - w, time.process_time() - c
    n = stats.done
    print(f"{n} cases, one at a time: {total_wall / n * 1000:.1f} ms wall and {total_cpu / n * 1000:.1f} ms CPU"
          f" per case, {sum(statements.values()) / n:.1f} statements per case")
    print(f"{'node':>18} {'runs/case':>9} {'ms wall':>8} {'ms CPU':>7} {'stmts':>6}   (per case)")
    for name in [*NODE_NAMES, "outside"]:
        if name == "outside":
            w_, c_ = total_wall - sum(wall.values()), total_cpu - sum(cpu.values())
        else:
            w_, c_ = wall[name], cpu[name]
        if calls[name] or name == "outside":
            print(f"{name:>18} {calls[name] / n:>9.2f} {w_ / n * 1000:>8.2f} {c_ / n * 1000:>7.2f}"
                  f" {statements[name] / n:>6.2f}")
    print("most frequent statements (per case):")
    for sql, count in sorted(by_sql.items(), key=lambda kv: -kv[1])[:25]:
        print(f"  {count / n:>5.2f}  {sql}")


def main() -> None:
    cases = int(sys.argv[1]) if len(sys.argv) > 1 else 200
    url = bench_database("copilot_profile_triage")
    print(f"machine: {machine()}")
    instrument()
    asyncio.run(profile(url, cases))


if __name__ == "__main__":
    main()
