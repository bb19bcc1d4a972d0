"""Raw deliveries left without an outcome get one, from their stored bytes.

The webhook stores the raw body first (autocommit) and sets its outcome in the intake transaction. When the
database goes away in between, or that transaction keeps losing to deadlocks, the sender gets a 503 and the
row keeps outcome NULL, breaking raw deliveries = signals + duplicates + dead letters. After a grace period
(so a request still in flight is left alone) the reconciler runs each such row through the same
parse / dedupe / route path: a copy whose retry was accepted becomes a duplicate, a bad body a dead letter.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

import psycopg
from psycopg.rows import DictRow, dict_row

from copilot.core.errors import Unavailable
from copilot.core.models import Strict
from copilot.intake.ingest import Outcome, dead_letter, process_raw

log = logging.getLogger(__name__)

GRACE = timedelta(seconds=60)
BATCH = 500


class ReconcileResult(Strict):
    signal: int = 0
    duplicate: int = 0
    dead_letter: int = 0
    skipped: int = 0  # finished meanwhile by its own request or another reconciler
    failed: int = 0  # the database failed under it: left for the next run
    waiting: int = 0  # still without an outcome but inside the grace period

    @property
    def reconciled(self) -> int:
        return self.signal + self.duplicate + self.dead_letter

    def line(self) -> str:
        return (f"reconciled {self.reconciled} raw deliveries: {self.signal} signal, {self.duplicate} duplicate,"
                f" {self.dead_letter} dead letter; {self.skipped} skipped, {self.failed} failed,"
                f" {self.waiting} inside the grace period")


async def reconcile_raw(conn: psycopg.AsyncConnection[DictRow], now: datetime, grace: timedelta = GRACE,
                        limit: int = BATCH) -> ReconcileResult:
    """Give an outcome to raw deliveries received at least `grace` before `now` that have none."""
    cutoff = now - grace
    cur = conn.cursor(row_factory=dict_row)
    await cur.execute("SELECT id FROM raw_deliveries WHERE outcome IS NULL AND received_at <= %s"
                      " ORDER BY received_at, id LIMIT %s", (cutoff, limit))
    ids = [row["id"] for row in await cur.fetchall()]
    result = ReconcileResult()
    for position, raw_id in enumerate(ids):
        try:
            outcome = await _reconcile_one(conn, raw_id, now)
        except Unavailable:
            result.failed += len(ids) - position  # the database is gone: the rest waits for the next run
            break
        except Exception as exc:  # noqa: BLE001 - one bad row must not stop the others
            log.exception("reconciling raw delivery %s failed; it becomes a dead letter", raw_id)
            outcome = await _give_up(conn, raw_id, exc)
            if outcome is None:
                result.failed += 1
                continue
        if outcome is None:
            result.skipped += 1
        else:
            setattr(result, outcome, getattr(result, outcome) + 1)
    await cur.execute("SELECT count(*) AS n FROM raw_deliveries WHERE outcome IS NULL AND received_at > %s",
                      (cutoff,))
    result.waiting = (await cur.fetchone() or {"n": 0})["n"]
    if result.reconciled or result.failed:
        log.warning("intake reconcile: %s", result.line())
    return result


async def _give_up(conn: psycopg.AsyncConnection[DictRow], raw_id: int, exc: Exception) -> Outcome | None:
    """A row its own processing keeps failing on becomes a dead letter once, with the error, instead of being
    tried again at every tick forever; `copilot intake replay` takes it up after a fix."""
    error = f"reconcile failed: {type(exc).__name__}: {(str(exc).strip().splitlines() or [''])[0]}"[:2000]
    try:
        async with conn.transaction():
            cur = conn.cursor(row_factory=dict_row)
            await cur.execute("SELECT source FROM raw_deliveries WHERE id = %s AND outcome IS NULL"
                              " FOR UPDATE SKIP LOCKED", (raw_id,))
            row = await cur.fetchone()
            if row is None:
                return None
            await dead_letter(conn, raw_id, row["source"], error)
    except psycopg.Error:
        log.exception("raw delivery %s could not be set aside as a dead letter", raw_id)
        return None
    return "dead_letter"


async def _reconcile_one(conn: psycopg.AsyncConnection[DictRow], raw_id: int, now: datetime) -> Outcome | None:
    # The row lock makes two reconcilers (several workers) process a delivery once; the re-check of the
    # outcome skips one its own request finished after the candidates were read.
    async with conn.transaction():
        cur = conn.cursor(row_factory=dict_row)
        await cur.execute("SELECT source, headers, body, received_at FROM raw_deliveries"
                          " WHERE id = %s AND outcome IS NULL FOR UPDATE SKIP LOCKED", (raw_id,))
        row = await cur.fetchone()
        if row is None:
            return None
        done = await process_raw(conn, raw_id, row["source"], row["headers"], bytes(row["body"]),
                                 received_at=row["received_at"], now=now)
    return done.outcome
