"""Where a triage case's time goes: one worker, one case at a time, every SQL statement and every round trip
counted and every node timed (wall and CPU), with the rest (job claim and finish, LangGraph, the checkpointer)
as "outside". `--floor` measures the floor's graph (bench/floor.py) the same way, one case at a time.

Statements are counted at psycopg's cursor (an empty one is the pool's connection check) and its transaction
commands (BEGIN, COMMIT); "waits" are the connection's waits on its socket, about one round trip each outside a
pipeline (a pipeline waits a few times, however many statements it carries). CPU and
statements do not depend on how busy the machine is; wall time does.

`python bench/profile_triage.py [CASES] [--floor]` prints a table per node; `PROFILE_OUT=file` also writes a
cProfile of the worker's run (not the seeding), timed in CPU seconds, for `python -m pstats`."""

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
from copilot.core import db  # noqa: E402
from copilot.core.settings import Settings  # noqa: E402
from copilot.intake.ingest import ingest_seed_signals  # noqa: E402
from copilot.workflow import (
    eventloop,  # noqa: E402
    nodes,
)
from copilot.workflow.engine import open_engine  # noqa: E402
from copilot.workflow.runtime import reset_desk  # noqa: E402
from copilot.workflow.worker import warm_up, work  # noqa: E402
from tools.connectors.sandbox.generator import generate_world  # noqa: E402
from tools.connectors.sandbox.store import write_world  # noqa: E402

NODE_NAMES = ("classify", "gather_facts", "plan", "check_guardrails", "auto_approve",
              "await_approval", "escalate", "execute", "send", "await_customer", "verify", "close")
current = contextvars.ContextVar("node", default="outside")
statements: dict[str, int] = defaultdict(int)
trips: dict[str, int] = defaultdict(int)
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


def _waited(wait: Callable[..., Awaitable[Any]]) -> Callable[..., Awaitable[Any]]:
    @functools.wraps(wait)
    async def counted(self: Any, *args: Any, **kwargs: Any) -> Any:
        trips[current.get()] += 1
        return await wait(self, *args, **kwargs)
    return counted


def _command(command: Callable[..., Any]) -> Callable[..., Any]:
    """BEGIN, COMMIT, SAVEPOINT...: statements of their own, sent without a cursor."""
    @functools.wraps(command)
    def counted(self: Any, query: Any, *args: Any, **kwargs: Any) -> Any:
        statements[current.get()] += 1
        text = query.decode() if isinstance(query, bytes) else str(query)
        by_sql[f"{current.get()}: {text[:90]}"] += 1
        return command(self, query, *args, **kwargs)
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
    psycopg.AsyncCursor.execute = _count(psycopg.AsyncCursor.execute)  # type: ignore[method-assign,assignment]
    psycopg.AsyncCursor.executemany = _count(psycopg.AsyncCursor.executemany)  # type: ignore[method-assign,assignment]
    psycopg.AsyncConnection.wait = _waited(psycopg.AsyncConnection.wait)  # type: ignore[method-assign,assignment]
    base = psycopg.BaseConnection
    base._exec_command = _command(base._exec_command)  # type: ignore[method-assign,assignment]
    for name in NODE_NAMES:
        setattr(nodes, name, _timed(name, getattr(nodes, name)))


async def profile(url: str, cases: int) -> None:
    now = datetime.now(UTC)
    with db.connect(url, autocommit=True) as conn:
        reset_desk(conn)
        write_world(conn, generate_world(seed=99, now=now, n_orders=cases * 4, n_customers=max(cases // 2, 10),
                                         n_exceptions=cases))
    async with await psycopg.AsyncConnection.connect(url, autocommit=True, row_factory=psycopg.rows.dict_row) as aconn:
        await ingest_seed_signals(aconn, now)
    _clear()
    settings = Settings(database_url=url)
    async with open_engine(url, settings, pool_size=3) as engine:
        warm_up()  # as `copilot worker` does before its first claim
        if os.environ.get("PROFILE_GC_FREEZE", "1") == "1":
            gc.collect()
            gc.freeze()
        out = os.environ.get("PROFILE_OUT")
        prof = cProfile.Profile(time.process_time) if out else None
        w, c = time.perf_counter(), time.process_time()
        if prof:
            prof.enable()
        stats = await work(engine.pool, engine.run_job, concurrency=1, drain=True)
        if prof and out:
            prof.disable()
            prof.dump_stats(out)
        total_wall, total_cpu = time.perf_counter() - w, time.process_time() - c
    with db.connect(url, autocommit=True) as conn:
        row = conn.execute("SELECT count(*) AS jobs, count(DISTINCT case_id) AS cases FROM case_jobs"
                           " WHERE done_at IS NOT NULL").fetchone()
    assert row is not None
    print(f"{stats.done} jobs for {row['cases']} cases (a resume job runs an automatic first touch's effects)")
    report("job", stats.done, total_wall, total_cpu)


def _clear() -> None:
    for counter in (statements, trips, by_sql, wall, cpu, calls):
        counter.clear()


def report(unit: str, n: int, total_wall: float, total_cpu: float) -> None:
    print(f"{n} {unit}s, one at a time: {total_wall / n * 1000:.1f} ms wall and {total_cpu / n * 1000:.1f} ms CPU"
          f" per {unit}, {sum(statements.values()) / n:.1f} statements and {sum(trips.values()) / n:.1f} waits"
          f" per {unit}")
    print(f"{'node':>18} {'runs':>6} {'ms wall':>8} {'ms CPU':>7} {'stmts':>6} {'waits':>6}   (per {unit})")
    for name in [*NODE_NAMES, "outside"]:
        if name == "outside":
            w_, c_ = total_wall - sum(wall.values()), total_cpu - sum(cpu.values())
        else:
            w_, c_ = wall[name], cpu[name]
        if calls[name] or name == "outside":
            print(f"{name:>18} {calls[name] / n:>6.2f} {w_ / n * 1000:>8.2f} {c_ / n * 1000:>7.2f}"
                  f" {statements[name] / n:>6.2f} {trips[name] / n:>6.2f}")
    print(f"most frequent statements (per {unit}; an empty one is the pool's connection check):")
    for sql, count in sorted(by_sql.items(), key=lambda kv: -kv[1])[:25]:
        print(f"  {count / n:>5.2f}  {sql}")


async def profile_floor(url: str, cases: int) -> None:
    """The floor's graph on a pool like its workers', one case at a time, counted like ours."""
    from langgraph.checkpoint.postgres.aio import AsyncPostgresSaver

    from bench.floor import build_floor_graph, floor_pool, setup

    await setup(url)
    pool = floor_pool(url, 1)
    await pool.open(wait=True, timeout=30)
    try:
        graph = build_floor_graph(AsyncPostgresSaver(pool))
        run_id = time.time_ns()
        await graph.ainvoke({"case_id": -1}, {"configurable": {"thread_id": f"warm-{run_id}"}}, durability="exit")
        gc.collect()
        gc.freeze()
        _clear()
        w, c = time.perf_counter(), time.process_time()
        for n in range(cases):
            await graph.ainvoke({"case_id": n}, {"configurable": {"thread_id": f"prof-{run_id}-{n}"}},
                                durability="exit")
        report("case", cases, time.perf_counter() - w, time.process_time() - c)
    finally:
        await pool.close()


def main() -> None:
    args = [a for a in sys.argv[1:] if a != "--floor"]
    cases = int(args[0]) if args else 200
    url = bench_database("copilot_profile_triage")
    print(f"machine: {machine()}")
    instrument()
    job = profile_floor(url, cases) if "--floor" in sys.argv else profile(url, cases)
    if os.environ.get("PROFILE_LOOP", "uvloop") == "uvloop":  # the loop `copilot worker` and the floor run on
        eventloop.run(job)
    else:
        asyncio.run(job)


if __name__ == "__main__":
    main()
