"""Request-scoped dependencies, one of each: the pooled connection and the clock."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime
from typing import Annotated

import psycopg
from fastapi import Depends, Request
from psycopg import AsyncConnection
from psycopg.rows import DictRow

from copilot.core.db import Pool
from copilot.core.errors import Unavailable


async def connection(request: Request) -> AsyncIterator[AsyncConnection[DictRow]]:
    """A pooled connection; a pool that cannot hand one out answers 503 so callers retry later.

    psycopg_pool's PoolTimeout is an OperationalError, as is a server that went away mid-request."""
    pool: Pool = request.app.state.pool
    try:
        async with pool.connection(timeout=5) as conn:
            yield conn
    except (TimeoutError, psycopg.OperationalError) as exc:
        raise Unavailable("the database is not answering; retry shortly") from exc


def now_of(request: Request) -> datetime:
    """Tests and replays inject `app.state.clock`; the service uses the wall clock."""
    clock: Callable[[], datetime] | None = getattr(request.app.state, "clock", None)
    return clock() if clock else datetime.now(UTC)


Conn = Annotated[AsyncConnection[DictRow], Depends(connection)]
Now = Annotated[datetime, Depends(now_of)]
