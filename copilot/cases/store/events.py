"""The one writer of audit rows (`case_events`): append-only, stamped with the caller's clock."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from psycopg import AsyncConnection
from psycopg.types.json import Jsonb


async def record_event(conn: AsyncConnection[Any], case_id: int, kind: str, data: Mapping[str, object], *,
                       actor: str, at: datetime) -> None:
    await conn.execute("INSERT INTO case_events (case_id, at, actor, kind, data) VALUES (%s, %s, %s, %s, %s)",
                       (case_id, at, actor, kind, Jsonb(dict(data))))
