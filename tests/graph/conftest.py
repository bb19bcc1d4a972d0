"""Graph tests: a demo world with all its exceptions ingested (seed_desk) or only one (seed_one_case), and an
engine on a clock the test drives (it moves only when the test advances it)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import psycopg
import pytest
from psycopg.rows import dict_row

from copilot.core import db
from copilot.core.models import Signal
from copilot.core.settings import Settings
from copilot.intake.ingest import ingest_seed_signals, ingest_signal
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


class DrivenClock:
    """The time every node, tool and scheduler of the engine reads: NOW until the test advances it."""

    def __init__(self, start: datetime = NOW) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now

    def advance(self, by: timedelta) -> datetime:
        self.now += by
        return self.now


async def seed_one_case(url: str, category: str, seed: int = 7) -> int:
    """The demo world with only the first planted exception of `category` ingested: one case (its id) for a
    test that needs one, instead of the 200 seed_desk brings."""
    with db.connect(url, autocommit=True) as conn:
        reset_desk(conn)
        write_world(conn, generate_world(seed=seed, now=NOW))
    async with await psycopg.AsyncConnection.connect(url, autocommit=True, row_factory=dict_row) as conn:
        cur = await conn.execute("SELECT signal FROM sandbox.seed_signals WHERE category = %s"
                                 " ORDER BY occurred_at, id LIMIT 1", (category,))
        row = await cur.fetchone()
        assert row is not None, f"the demo world plants no {category}"
        await ingest_signal(conn, Signal.model_validate(row["signal"]), NOW)
        cur = await conn.execute("SELECT id FROM cases")
        cases = await cur.fetchall()
    assert len(cases) == 1, cases
    return int(cases[0]["id"])


@pytest.fixture
def clock() -> DrivenClock:
    return DrivenClock()


@pytest.fixture
async def engine(database_url: str, clock: DrivenClock) -> AsyncIterator[Engine]:
    async with open_engine(database_url, Settings(), clock=clock, pool_size=10) as opened:
        yield opened


async def drain(engine: Engine, concurrency: int = 8) -> None:
    stats = await work(engine.pool, engine.run_job, concurrency=concurrency, drain=True, idle_sleep=0.05)
    assert stats.failed == 0, stats.errors


async def rows(engine: Engine, sql: str, *params: object) -> list[dict]:
    async with engine.pool.connection() as conn:
        cur = await conn.execute(sql, params)
        return await cur.fetchall()
