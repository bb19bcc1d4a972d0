"""Backlog triage: cases per second from intake to their first pause (awaiting approval, escalated,
auto-touched), durable, with 1 and 2 worker processes, and the same with 2 workers as a fraction of the
floor (bench/floor.py: six trivial nodes, an approval interrupt, the Postgres checkpointer, durability
"exit"), measured in the same run on the same database. Targets: >= 80 cases/s and >= 0.8 of the floor
with 2 workers. BENCH_ROUNDS (default 2) repeats floor + 2 workers, alternating, for the spread."""

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
from bench.floor import run_floor  # noqa: E402
from copilot.core import db  # noqa: E402
from copilot.intake.ingest import ingest_seed_signals  # noqa: E402
from copilot.workflow.runtime import reset_desk  # noqa: E402
from tools.connectors.sandbox.generator import generate_world  # noqa: E402

EXCEPTIONS = int(os.environ.get("BENCH_CASES", "1000"))
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "2"))
CONCURRENCY = 8


def start_workers(url: str, n: int, concurrency: int) -> list[subprocess.Popen[bytes]]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("COPILOT_")} | {"COPILOT_DATABASE_URL": url}
    return [subprocess.Popen([sys.executable, "-m", "cli", "worker", "--concurrency", str(concurrency)],
                             env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL) for _ in range(n)]


async def run(url: str, workers: int, concurrency: int) -> tuple[int, float, float, float]:
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
            cur = await conn.execute("SELECT extract(epoch FROM max(done_at) - min(done_at))::float AS s"
                                     " FROM case_jobs WHERE kind = 'run'")
            steady = (await cur.fetchone())["s"]
    finally:
        for p in procs:
            p.terminate()
        for p in procs:
            p.wait(timeout=30)
    return cases, intake_s, elapsed, steady


def main() -> None:
    url = bench_database("copilot_bench_triage")
    print(f"machine: {machine()}")
    print(f"backlog: {EXCEPTIONS} planted exceptions (+5% out of scope), deterministic path, durability 'exit'")
    print("intake (one process, signal stored + case built + triaged + embedded) is timed first; then the")
    print("workers take the whole backlog to its first pause (awaiting approval / escalated / auto-touched).")
    print(f"floor: the same number of cases through six trivial nodes and an interrupt, {CONCURRENCY} at once per")
    print("process, timed from process start like ours; rounds alternate floor and ours on the same database.")
    print("cases/s from the workers' start (start-up counts) and steady (first case done to the last);")
    print("ratio = ours / floor, each on the same measure.")
    print(f"{'run':>6} {'workers':>8} {'cases':>6} {'intake/s':>9} {'graph s':>8} {'cases/s':>8} {'steady/s':>9}"
          f" {'ratio':>6} {'steady ratio':>13}")
    ratios: list[tuple[float, float]] = []
    for rnd in range(ROUNDS):
        for workers in ((1, 2) if rnd == 0 else (2,)):
            cases, intake_s, elapsed, steady = asyncio.run(run(url, workers, concurrency=CONCURRENCY))
            ours, ours_steady = cases / elapsed, (cases - 1) / steady
            ratio = ""
            if workers == 2:
                floor_s, floor_steady = run_floor(url, cases, workers, CONCURRENCY)
                floor, floor_rate = cases / floor_s, (cases - 1) / floor_steady
                ratios.append((ours / floor, ours_steady / floor_rate))
                ratio = f"{ratios[-1][0]:>6.2f} {ratios[-1][1]:>13.2f}"
                print(f"{'floor':>6} {workers:>8} {cases:>6} {'':>9} {floor_s:>8.2f} {floor:>8.1f} {floor_rate:>9.1f}")
            print(f"{'ours':>6} {workers:>8} {cases:>6} {cases / intake_s:>9.1f} {elapsed:>8.2f} {ours:>8.1f}"
                  f" {ours_steady:>9.1f} {ratio}")
    whole, steady_r = [r[0] for r in ratios], [r[1] for r in ratios]
    print(f"ours / floor with 2 workers over {len(ratios)} round(s): {min(whole):.2f}-{max(whole):.2f} from start,"
          f" {min(steady_r):.2f}-{max(steady_r):.2f} steady")
    print("targets: >= 80 cases/s and >= 0.8 of the floor with 2 workers")


if __name__ == "__main__":
    main()
