"""A worker killed with SIGKILL in the middle of execution: on restart every case finishes, no effect twice.

The test does not wait on the wall clock: the dead worker's leases are made to lapse (as they would once their time
passed) instead of sleeping until they do. (The killed worker is a real `copilot worker` process, so the cases run
on today's date, the one clock it has.)"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
from datetime import UTC, datetime

import psycopg
from psycopg.rows import dict_row

from copilot.cases.resume import Approve
from copilot.core import db
from copilot.core.roles import Role
from copilot.core.settings import Settings
from copilot.desk.decisions import decide
from copilot.intake.ingest import ingest_seed_signals
from copilot.workflow.engine import open_engine
from copilot.workflow.runtime import reset_desk
from copilot.workflow.worker import work
from tools.connectors.sandbox.generator import generate_world
from tools.connectors.sandbox.store import write_world


def _start_worker(url: str) -> subprocess.Popen[bytes]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("COPILOT_")}
    env |= {"COPILOT_DATABASE_URL": url}
    return subprocess.Popen([sys.executable, "-m", "cli", "worker", "--concurrency", "4"], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


async def _count(conn: psycopg.AsyncConnection, sql: str) -> int:
    cur = await conn.execute(sql)
    return (await cur.fetchone())["n"]


async def test_sigkill_mid_execution_then_restart_repeats_no_effect(database_url):
    now = datetime.now(UTC)
    with db.connect(database_url, autocommit=True) as conn:
        reset_desk(conn)
        write_world(conn, generate_world(seed=21, now=now))
    settings = Settings()
    async with open_engine(database_url, settings, clock=lambda: now, pool_size=8) as engine:
        async with engine.pool.connection() as conn:
            await ingest_seed_signals(conn, now)
        await work(engine.pool, engine.run_job, concurrency=8, drain=True, idle_sleep=0.05)
        async with engine.pool.connection() as conn:
            cur = await conn.execute("SELECT id, plan_version FROM cases WHERE status = 'awaiting_approval'")
            waiting = await cur.fetchall()
        assert len(waiting) > 40
        for case in waiting:
            await decide(engine.pool, case["id"], Approve(plan_version=case["plan_version"],
                                                          actor="lead-lee", role=Role.admin), now=now)

    worker = _start_worker(database_url)
    async with await psycopg.AsyncConnection.connect(database_url, autocommit=True, row_factory=dict_row) as conn:
        for _ in range(600):
            if await _count(conn, "SELECT count(*) AS n FROM tool_calls WHERE status = 'done'") >= 15:
                break
            await asyncio.sleep(0.02)
        worker.send_signal(signal.SIGKILL)
        worker.wait(timeout=30)
        unfinished = await _count(conn, "SELECT count(*) AS n FROM case_jobs WHERE done_at IS NULL")
        assert unfinished > 0, "the worker finished everything before it was killed"
        # Any lease the dead worker still held lapses: a lease is a time on the database's clock, so it is moved
        # into the past instead of waiting for it.
        await conn.execute("UPDATE case_jobs SET locked_until = now() - interval '1 second'"
                           " WHERE done_at IS NULL AND locked_until > now()")

        async with open_engine(database_url, settings, clock=lambda: now, pool_size=8) as engine:
            stats = await work(engine.pool, engine.run_job, concurrency=4, drain=True, idle_sleep=0.05)
        assert stats.failed == 0, stats.errors

        assert await _count(conn, "SELECT count(*) AS n FROM case_jobs WHERE done_at IS NULL") == 0
        ids = [c["id"] for c in waiting]
        cur = await conn.execute("SELECT status, count(*) AS n FROM cases WHERE id = ANY(%s) GROUP BY 1", (ids,))
        statuses = {r["status"]: r["n"] for r in await cur.fetchall()}
        assert set(statuses) <= {"awaiting_customer", "verifying", "closed", "escalated"}, statuses
        # Each effect ran once: one finished event per key, one outbox row per message key, no key twice.
        assert await _count(conn, "SELECT count(*) AS n FROM (SELECT data->>'key' FROM case_events"
                                  " WHERE kind = 'tool_finished' GROUP BY 1 HAVING count(*) > 1) d") == 0
        assert await _count(conn, "SELECT count(*) AS n FROM sandbox.outbox") == await _count(
            conn, "SELECT count(*) AS n FROM tool_calls WHERE status = 'done'"
                  " AND tool IN ('send_customer_message', 'request_payment_update')")
        assert await _count(conn, "SELECT count(*) AS n FROM tool_calls WHERE status <> 'done'"
                                  " AND tool IN ('send_customer_message', 'request_payment_update')") == 0
