"""The security log: one line per delivery refused at the door (a bad signature or key). Nothing else of a
refused delivery is kept."""

from __future__ import annotations

import logging
from datetime import datetime

import psycopg
from psycopg.rows import DictRow

log = logging.getLogger(__name__)


async def record_rejection(conn: psycopg.AsyncConnection[DictRow], at: datetime, source: str, reason: str,
                           remote: str | None) -> None:
    """Write the line; with the database down, the process log takes it instead (the sender retries anyway)."""
    try:
        await conn.execute("INSERT INTO security_log (at, source, reason, remote) VALUES (%s, %s, %s, %s)",
                           (at, source, reason, remote))
    except psycopg.OperationalError:
        log.warning("security log unavailable; rejected %s delivery from %s: %s", source, remote, reason)
