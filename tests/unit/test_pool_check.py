"""The pool's connection check: a connection whose backend died is replaced before anyone draws it, and a
quiet one leaves the pool without a round trip."""

from __future__ import annotations

import asyncio
from typing import Any

import psycopg
import pytest
from psycopg.rows import DictRow, dict_row

from copilot.core import db


async def _pid(conn: psycopg.AsyncConnection[DictRow]) -> int:
    cur = await conn.execute("SELECT pg_backend_pid() AS pid")
    return int((await db.one(cur))["pid"])


async def test_a_terminated_backend_is_replaced_before_it_is_drawn(database_url: str) -> None:
    pool = db.make_pool(database_url, max_size=1)
    await pool.open(wait=True, timeout=10)
    try:
        async with pool.connection() as conn:
            first = await _pid(conn)
        with psycopg.connect(database_url, autocommit=True) as admin:
            admin.execute("SELECT pg_terminate_backend(%s)", (first,))
        await asyncio.sleep(0.3)  # the FATAL notice and the close reach the idle socket
        async with pool.connection() as conn:
            second = await _pid(conn)
        assert second != first
    finally:
        await pool.close()


async def test_a_quiet_connection_is_checked_without_a_query(database_url: str) -> None:
    async with await psycopg.AsyncConnection.connect(database_url, autocommit=True, row_factory=dict_row) as conn:
        pid = await _pid(conn)
        sent: list[str] = []
        original = conn.execute

        async def counted(query: Any, *args: Any, **kwargs: Any) -> Any:
            sent.append(str(query))
            return await original(query, *args, **kwargs)

        conn.execute = counted  # type: ignore[method-assign]
        await db.check_idle(conn)
        assert sent == []
        with psycopg.connect(database_url, autocommit=True) as admin:
            admin.execute("SELECT pg_terminate_backend(%s)", (pid,))
        await asyncio.sleep(0.3)
        with pytest.raises(psycopg.OperationalError):
            await db.check_idle(conn)
        assert sent == [""]  # only a connection the server spoke on is asked
