"""Nothing stops or is given up silently.

The worker loop outlives a database error (it backs off, says so in /healthz, and resumes); a job given up
after its last attempt shows on its case, in the "needs attention" list, in /metrics and in /healthz, and a
desk agent can retry it. Each test has a database of its own, so its queue holds only its own jobs.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Iterator

import httpx
import psycopg
import pytest

from api.app import create_app
from copilot.cases import store
from copilot.core import db
from copilot.core.settings import Settings
from copilot.workflow.engine import open_engine
from copilot.workflow.worker import work
from tests.api.test_cases_support import bearer, insert_case, key_for


@pytest.fixture
def own_url(server_url: str) -> Iterator[str]:
    name = f"copilot_sup_{uuid.uuid4().hex[:10]}"
    url = db.ensure_database(server_url, name)
    db.migrate(url)
    yield url
    with psycopg.connect(server_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _one(url: str, sql: str, *params: object) -> object:
    with db.connect(url, autocommit=True) as conn:
        row = conn.execute(sql, params).fetchone()
    assert row is not None
    return next(iter(row.values()))


async def test_the_worker_loop_outlives_a_database_error_and_resumes(own_url):
    with db.connect(own_url, autocommit=True) as conn:
        # The claim fails for real while the queue's table is away, as it does while Postgres is down.
        conn.execute("ALTER TABLE case_jobs RENAME TO case_jobs_away")
    app = create_app(own_url, Settings(worker_on_start=True), with_worker=True)
    async with app.router.lifespan_context(app), httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://desk") as api:
        while app.state.worker.stats.db_errors < 3:
            await asyncio.sleep(0.05)
        during = (await api.get("/healthz")).json()
        with db.connect(own_url, autocommit=True) as conn:
            conn.execute("ALTER TABLE case_jobs_away RENAME TO case_jobs")
            case_id = insert_case(conn, queue="q-resume", status="triaged")  # its run job is queued with it
        started = time.monotonic()
        # Both conditions, each within 10 s: the claim commits in the database a moment before the worker's loop
        # resumes from it and records that it recovered, and a loaded machine can show that moment to /healthz.
        while _one(own_url, "SELECT count(*) FROM case_jobs WHERE case_id = %s AND locked_by IS NOT NULL",
                   case_id) == 0 or app.state.worker.stats.backing_off:
            assert time.monotonic() - started < 10, "the worker did not claim again after the database came back"
            await asyncio.sleep(0.1)
        after = (await api.get("/healthz")).json()
        assert not app.state.worker.task.done()
    assert during["status"] == "degraded" and during["worker"]["status"] == "backing_off"
    assert "case_jobs" in during["worker"]["last_error"]
    assert any(r.startswith("worker backing_off") for r in during["reasons"])
    assert after["worker"]["status"] == "ok" and after["worker"]["live_workers"] == 1
    assert after["worker"]["db_errors"] >= 3


async def _give_up(url: str, case_id: int) -> None:
    """Run the case's job through the real graph until the worker gives up (its order vanished from the store)."""
    async with open_engine(url, Settings(), pool_size=3) as engine:
        for _ in range(store.MAX_ATTEMPTS):
            async with engine.pool.connection() as conn:
                await conn.execute("UPDATE case_jobs SET run_after = now() WHERE done_at IS NULL")  # skip the backoff
            await work(engine.pool, engine.run_job, drain=True, idle_sleep=0.02)


def test_a_failed_job_shows_everywhere_and_can_be_retried(own_url):
    with db.connect(own_url, autocommit=True) as conn:
        case_id = insert_case(conn, queue="q-fail", status="triaged", order_id="#gone-1")
        agent, qa = key_for(conn, "agent", name="amy"), key_for(conn, "qa")
    asyncio.run(_give_up(own_url, case_id))
    job_id = _one(own_url, "SELECT id FROM case_jobs WHERE case_id = %s", case_id)
    from fastapi.testclient import TestClient

    with TestClient(create_app(own_url, Settings(worker_on_start=False))) as api:
        listed = api.get("/api/jobs/failed", headers=bearer(qa)).json()["jobs"]
        detail = api.get(f"/api/cases/{case_id}", headers=bearer(agent)).json()
        metrics = api.get("/metrics").text
        health = api.get("/healthz").json()
        refused = api.post(f"/api/jobs/{job_id}/retry", headers=bearer(qa))
        retried = api.post(f"/api/jobs/{job_id}/retry", headers=bearer(agent))
        again = api.post(f"/api/jobs/{job_id}/retry", headers=bearer(agent))
        after = api.get("/api/jobs/failed", headers=bearer(qa)).json()["jobs"]
        timeline = api.get(f"/api/cases/{case_id}", headers=bearer(agent)).json()["timeline"]
    assert [(j["id"], j["case_id"], j["attempts"]) for j in listed] == [(job_id, case_id, store.MAX_ATTEMPTS)]
    assert listed[0]["error"] == "NotFound: no order #gone-1"
    assert [j["id"] for j in detail["failed_jobs"]] == [job_id]
    assert "copilot_jobs_failed 1\n" in metrics
    assert health["status"] == "degraded" and health["jobs"]["failed"] == 1
    assert any("1 failed job" in r for r in health["reasons"])
    assert refused.status_code == 403
    assert retried.status_code == 200 and retried.json()["case_id"] == case_id
    assert again.status_code == 404
    assert after == []
    assert _one(own_url, "SELECT attempts FROM case_jobs WHERE id = %s AND done_at IS NULL", job_id) == 0
    assert [(e["kind"], e["actor"]) for e in timeline if e["kind"] in ("job_failed", "job_retried")] == [
        ("job_failed", "worker"), ("job_retried", "amy")]
