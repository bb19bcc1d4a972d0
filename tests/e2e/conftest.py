"""The desk served on loopback, with a worker, over a demo world that went through intake and the graph."""

from __future__ import annotations

import asyncio
import socket
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import psycopg
import pytest
import uvicorn
from psycopg.rows import dict_row

from api.app import create_app
from copilot.core import db
from copilot.core.keys import create_key
from copilot.core.roles import Role
from copilot.core.settings import Settings
from copilot.intake.ingest import ingest_seed_signals
from copilot.workflow.engine import open_engine
from copilot.workflow.runtime import reset_desk, seed_demo_world
from copilot.workflow.worker import work
from tools.connectors.sandbox.generator import generate_world
from tools.connectors.sandbox.store import write_world

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run"]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"  # named in the README


async def _seed_and_triage(url: str, now: datetime, demo: bool = False) -> int:
    """A small world for the feature tests; with `demo`, exactly the world `make run` seeds (seed 7, 200
    planted exceptions)."""
    if demo:
        ingested = await asyncio.to_thread(lambda: seed_demo_world(url, Settings().seed, now)["signals_ingested"])
    else:
        with db.connect(url, autocommit=True) as conn:
            reset_desk(conn)
            write_world(conn, generate_world(seed=7, n_orders=300, n_customers=60, n_exceptions=30, now=now))
        async with await psycopg.AsyncConnection.connect(url, autocommit=True, row_factory=dict_row) as conn:
            ingested = await ingest_seed_signals(conn, now)
    async with open_engine(url, Settings(), pool_size=8) as engine:
        stats = await work(engine.pool, engine.run_job, concurrency=6, drain=True, idle_sleep=0.05)
    assert stats.failed == 0, stats.errors
    return ingested


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def desk_url(request: pytest.FixtureRequest, database_url: str) -> Iterator[str]:
    """The app with its worker on a loopback port; the world's cases are triaged and waiting. A module that
    sets `DEMO_WORLD = True` gets the world `make run` seeds instead of the small one."""
    demo = getattr(request.module, "DEMO_WORLD", False)
    asyncio.run(_seed_and_triage(database_url, datetime.now(UTC).replace(second=0, microsecond=0), demo))
    port = _free_port()
    server = uvicorn.Server(uvicorn.Config(create_app(database_url, Settings(), with_worker=True),
                                           host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        assert time.monotonic() < deadline, "the desk did not start within 30 s"
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=15)


@pytest.fixture(scope="module")
def browser():
    if not CHROMIUM.exists():
        pytest.fail("Chromium is missing: run `make e2e-setup` (apt-get install chromium chromium-driver)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        launched = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield launched
        launched.close()


@pytest.fixture
def key_of(conn):
    def make(role: str, name: str) -> str:
        return create_key(conn, name, Role(role)).key

    return make


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1400, "height": 900})
    opened = context.new_page()
    opened.set_default_timeout(15_000)
    yield opened
    context.close()


def shot(page, name: str) -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path
