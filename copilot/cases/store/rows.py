"""Rows as dicts whatever row factory the caller's connection has (intake's connections have none)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from psycopg import AsyncConnection
from psycopg.rows import dict_row

Params = Mapping[str, object] | Sequence[object]


async def fetch_one(conn: AsyncConnection[Any], sql: str, params: Params) -> dict[str, Any] | None:
    cur = conn.cursor(row_factory=dict_row)
    await cur.execute(sql, params)
    return await cur.fetchone()


async def fetch_all(conn: AsyncConnection[Any], sql: str, params: Params) -> list[dict[str, Any]]:
    cur = conn.cursor(row_factory=dict_row)
    await cur.execute(sql, params)
    return await cur.fetchall()
