"""Re-process dead letters after a parser or case-builder fix."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

import psycopg
from psycopg.rows import DictRow

from copilot.core.errors import InvalidInput, Unavailable
from copilot.core.models import Strict
from copilot.intake.ingest import commit_signal, parse_raw
from copilot.intake.parsers import Unparseable


class ReplayResult(Strict):
    dead_letter_id: int
    raw_id: int
    result: Literal["signal", "duplicate", "still_failing"]
    signal_id: int | None = None
    case_id: int | None = None
    error: str | None = None


async def replay_dead_letters(conn: psycopg.AsyncConnection[DictRow], now: datetime,
                              dead_letter_id: int | None = None) -> list[ReplayResult]:
    """Each open dead letter (or just one) is parsed and routed again; a success is linked and closed."""
    cur = await conn.execute(
        "SELECT d.id, d.raw_id, r.source, r.headers, r.body, r.received_at FROM dead_letters d"
        " JOIN raw_deliveries r ON r.id = d.raw_id"
        " WHERE d.replayed_at IS NULL AND (%(id)s::bigint IS NULL OR d.id = %(id)s) ORDER BY d.id",
        {"id": dead_letter_id},
    )
    return [await _replay_one(conn, row, now) for row in await cur.fetchall()]


async def _replay_one(conn: psycopg.AsyncConnection[DictRow], row: dict, now: datetime) -> ReplayResult:
    base = {"dead_letter_id": row["id"], "raw_id": row["raw_id"]}
    try:
        signal = parse_raw(row["source"], row["headers"], bytes(row["body"]), row["received_at"])
        async with conn.transaction():
            outcome = await commit_signal(conn, row["raw_id"], signal, now)
            await conn.execute("UPDATE dead_letters SET replayed_at = %s, signal_id = %s WHERE id = %s",
                               (now, outcome.signal_id, row["id"]))
    except Unavailable:
        raise
    except (InvalidInput, Unparseable) as exc:
        return await _still_failing(conn, base, f"{exc.code}: {exc.message}")
    except Exception as exc:  # noqa: BLE001 - the case builder may still refuse; the letter stays open
        return await _still_failing(conn, base, f"case builder failed: {str(exc).strip().splitlines()[0]}")
    return ReplayResult(**base, result=outcome.outcome, signal_id=outcome.signal_id,
                        case_id=outcome.case_id)


async def _still_failing(conn: psycopg.AsyncConnection[DictRow], base: dict, error: str) -> ReplayResult:
    await conn.execute("UPDATE dead_letters SET error = %s WHERE id = %s", (error, base["dead_letter_id"]))
    return ReplayResult(**base, result="still_failing", error=error)
