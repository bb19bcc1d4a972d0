"""A seeded desk for graph tests: a demo world, its exceptions ingested, and an engine on a fixed clock."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime

import psycopg
import pytest
from psycopg.rows import dict_row

from copilot.core import db
from copilot.core.settings import Settings
from copilot.intake.ingest import ingest_seed_signals
from copilot.workflow.engine import Engine, open_engine
from copilot.workflow.runtime import reset_desk
from copilot.workflow.worker import work
from tools.connectors.sandbox.generator import generate_world
from tools.connectors.sandbox.store import write_world

NOW = datetime(2026, 11, 16, 15, 0, tzinfo=UTC)


async def seed_desk(url: str, seed: int = 7, **sizes: int) -> int:
    with db.connect(url, autocommit=True) as conn:
        reset_desk(conn)
        write_world(conn, generate_world(seed=seed, now=NOW, **sizes))
    async with await psycopg.AsyncConnection.connect(url, autocommit=True, row_factory=dict_row) as conn:
        return await ingest_seed_signals(conn, NOW)


@pytest.fixture
async def engine(database_url: str) -> AsyncIterator[Engine]:
    async with open_engine(database_url, Settings(), clock=lambda: NOW, pool_size=10) as opened:
        yield opened


async def drain(engine: Engine, concurrency: int = 8) -> None:
    stats = await work(engine.pool, engine.run_job, concurrency=concurrency, drain=True, idle_sleep=0.05)
    assert stats.failed == 0, stats.errors


async def rows(engine: Engine, sql: str, *params: object) -> list[dict]:
    async with engine.pool.connection() as conn:
        cur = await conn.execute(sql, params)
        return await cur.fetchall()
