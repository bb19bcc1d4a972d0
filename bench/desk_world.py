"""Set-up for the desk benchmarks: a desk worked by the real graph, then cloned to 100,000 cases with COPY."""

from __future__ import annotations

import asyncio
import random
import time
from datetime import datetime, timedelta

import psycopg
from psycopg.rows import dict_row

from copilot.core import db
from copilot.core.settings import Settings
from copilot.intake.ingest import ingest_seed_signals
from copilot.workflow.engine import open_engine
from copilot.workflow.runtime import reset_desk
from copilot.workflow.worker import work
from tools.connectors.sandbox.generator import generate_world
from tools.connectors.sandbox.store import write_world

# Every column a clone copies from its template (id and the generated next_due_at are the database's).
CLONED = ("customer_id", "customer_email", "ticket_id", "category", "disposition", "classified_by", "confidence",
          "priority", "priority_score", "priority_reasons", "queue", "owner", "escalation_path", "escalation_level",
          "assignee", "status", "order_value", "deadline_at", "first_touch_due", "resolution_due",
          "first_touched_at", "sla_flagged_at", "sla_breached_at", "plan_version", "plan", "facts", "root_cause",
          "cost", "close_reason", "created_at", "updated_at", "closed_at")
SHIFTED = ("deadline_at", "first_touch_due", "resolution_due", "first_touched_at", "sla_flagged_at",
           "sla_breached_at", "created_at", "updated_at", "closed_at")


def seed_and_work(url: str, now: datetime, exceptions: int) -> tuple[int, float]:
    """The real path: a generated world, its planted exceptions through intake, the graph to the first pause."""
    with db.connect(url, autocommit=True) as conn:
        reset_desk(conn)
        write_world(conn, generate_world(seed=21, now=now, n_orders=exceptions * 4,
                                         n_customers=max(80, exceptions // 2), n_exceptions=exceptions))

    async def run() -> int:
        async with await psycopg.AsyncConnection.connect(url, autocommit=True, row_factory=dict_row) as conn:
            await ingest_seed_signals(conn, now)
        async with open_engine(url, Settings(), pool_size=10) as engine:
            stats = await work(engine.pool, engine.run_job, concurrency=8, drain=True, idle_sleep=0.05)
        return stats.failed

    started = time.perf_counter()
    failed = asyncio.run(run())
    return failed, time.perf_counter() - started


def clone_to(url: str, total: int, now: datetime, closed_share: float = 0.6, seed: int = 3) -> int:
    """Copy the worked cases until there are `total`: each clone is a real case moved back in time by up to
    30 days (all its clocks with it), a fresh order id, and `closed_share` of them closed."""
    rng = random.Random(seed)
    with db.connect(url, autocommit=True) as conn:
        templates = conn.execute(f"SELECT {', '.join(CLONED)} FROM cases WHERE category <> 'out_of_scope'").fetchall()
        have = conn.execute("SELECT count(*) AS n FROM cases").fetchone()["n"]
        need = total - have
        conn.execute("ALTER TABLE cases DISABLE TRIGGER cases_enqueue_run")  # clones are not graph work
        try:
            with conn.cursor() as cur, cur.copy(f"COPY cases (order_id, {', '.join(CLONED)}) FROM STDIN") as copy:
                for n in range(need):
                    copy.write_row(_clone(rng.choice(templates), n, now, rng, closed_share))
        finally:
            conn.execute("ALTER TABLE cases ENABLE TRIGGER cases_enqueue_run")
        conn.execute("ANALYZE cases")
        return conn.execute("SELECT count(*) AS n FROM cases").fetchone()["n"]


def _clone(template: dict, n: int, now: datetime, rng: random.Random, closed_share: float) -> tuple:
    back = timedelta(minutes=rng.randint(0, 30 * 24 * 60))
    row = dict(template)
    for name in SHIFTED:
        if row[name] is not None:
            row[name] = row[name] - back
    if rng.random() < closed_share:
        row["status"], row["closed_at"] = "closed", min(now, row["created_at"] + timedelta(hours=rng.randint(1, 96)))
        row["close_reason"] = row["close_reason"] or "resolved"
    for name in ("priority_reasons", "escalation_path", "plan", "facts", "cost"):
        if row[name] is not None:
            row[name] = psycopg.types.json.Jsonb(row[name])
    return (f"#B{n:07d}", *(row[c] for c in CLONED))
