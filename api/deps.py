"""Request-scoped dependencies."""

from __future__ import annotations

from collections.abc import AsyncIterator

from fastapi import Request
from psycopg import AsyncConnection
from psycopg.rows import DictRow
from psycopg_pool import PoolTimeout

from copilot.db import Pool
from copilot.errors import Unavailable


async def connection(request: Request) -> AsyncIterator[AsyncConnection[DictRow]]:
    pool: Pool = request.app.state.pool
    try:
        async with pool.connection(timeout=5) as conn:
            yield conn
    except (TimeoutError, PoolTimeout) as exc:
        raise Unavailable("the database is not answering; retry shortly") from exc
