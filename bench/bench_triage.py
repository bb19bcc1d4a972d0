"""Backlog triage: cases per second from intake to their first pause (awaiting approval, escalated,
auto-touched), durable, with 1 and 2 worker processes. Target: >= 80 cases/s with 2 workers."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import time
from datetime import UTC, datetime

import psycopg
from psycopg.rows import dict_row

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from bench.common import bench_database, machine  # noqa: E402
from copilot import db  # noqa: E402
from copilot.intake.ingest import ingest_seed_signals  # noqa: E402
from copilot.runtime import reset_desk  # noqa: E402
from tools.connectors.sandbox.generator import generate_world  # noqa: E402

EXCEPTIONS = int(os.environ.get("BENCH_CASES", "1000"))


def start_workers(url: str, n: int, concurrency: int) -> list[subprocess.Popen[bytes]]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("COPILOT_")} | {"COPILOT_DATABASE_URL": url}
    return [subprocess.Popen([sys.executable, "-m", "copilot", "worker", "--concurrency", str(concurrency)],
                             env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL) for _ in range(n)]


async def run(url: str, workers: int, concurrency: int) -> tuple[int, float, float]:
    now = datetime.now(UTC)
    with db.connect(url, autocommit=True) as conn:
        reset_desk(conn)
        from tools.connectors.sandbox.store import write_world
        write_world(conn, generate_world(seed=99, now=now, n_orders=EXCEPTIONS * 4, n_customers=EXCEPTIONS // 2,
                                         n_exceptions=EXCEPTIONS))
    async with await psycopg.AsyncConnection.connect(url, autocommit=True, row_factory=dict_row) as conn:
        started = time.perf_counter()
        await ingest_seed_signals(conn, now)
        intake_s = time.perf_counter() - started
    procs = start_workers(url, workers, concurrency)
    try:
        async with await psycopg.AsyncConnection.connect(url, autocommit=True, row_factory=dict_row) as conn:
            await asyncio.sleep(0.5)
            started = time.perf_counter()
            while True:
                cur = await conn.execute("SELECT count(*) FILTER (WHERE done_at IS NULL) AS open, count(*) AS n,"
                                         " count(*) FILTER (WHERE error IS NOT NULL) AS failed"
                                         " FROM case_jobs WHERE kind = 'run'")
                row = await cur.fetchone()
                if row["open"] == 0:
                    break
                await asyncio.sleep(0.02)
            elapsed = time.perf_counter() - started + 0.5  # the start-up pause counts against us
            cur = await conn.execute("SELECT count(*) AS n FROM cases")
            cases = (await cur.fetchone())["n"]
    finally:
        for p in procs:
            p.terminate()
        for p in procs:
            p.wait(timeout=30)
    return cases, intake_s, elapsed


def main() -> None:
    url = bench_database("copilot_bench_triage")
    print(f"machine: {machine()}")
    print(f"backlog: {EXCEPTIONS} planted exceptions (+5% out of scope), deterministic path, durability 'exit'")
    print("intake (one process, signal stored + case built + triaged + embedded) is timed first; then the")
    print("workers take the whole backlog to its first pause (awaiting approval / escalated / auto-touched).")
    print(f"{'workers':>8} {'cases':>7} {'intake/s':>9} {'graph s':>8} {'cases/s':>8}")
    for workers in (1, 2):
        cases, intake_s, elapsed = asyncio.run(run(url, workers, concurrency=8))
        print(f"{workers:>8} {cases:>7} {cases / intake_s:>9.1f} {elapsed:>8.2f} {cases / elapsed:>8.1f}")
    print("target: >= 80 cases/s with 2 workers")


if __name__ == "__main__":
    main()
