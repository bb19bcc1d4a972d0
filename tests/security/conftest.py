"""A small desk worked by the real graph, plus one API key per role, for the security tests."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass

import pytest

from copilot.core import db
from copilot.core.keys import create_key
from copilot.core.roles import Role
from copilot.core.settings import Settings
from copilot.workflow.engine import open_engine
from tests.graph.conftest import NOW, drain, seed_desk


@dataclass
class Desk:
    url: str
    keys: dict[str, str]


@pytest.fixture(scope="module")
async def desk(database_url: str) -> AsyncIterator[Desk]:
    """40 planted exceptions taken through intake and the graph to their first pause; keys for every role."""
    await seed_desk(database_url, seed=11, n_orders=240, n_customers=80, n_exceptions=40)
    async with open_engine(database_url, Settings(), clock=lambda: NOW, pool_size=4) as engine:
        await drain(engine)
    with db.connect(database_url, autocommit=True) as conn:
        keys = {r.value: create_key(conn, f"sec-{r.value}", r).key for r in Role}
    yield Desk(database_url, keys)


def bearer(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}
