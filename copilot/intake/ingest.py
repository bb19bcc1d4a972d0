"""Nothing lost: store the raw delivery, parse it, dedupe on (source, event id), store the signal, route it.

Every stored delivery ends with exactly one outcome (signal, duplicate or dead_letter), so
count(raw_deliveries) = signals + duplicates + dead letters.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import datetime
from typing import Literal

import psycopg
import psycopg.errors
from psycopg.rows import DictRow, dict_row
from psycopg.types.json import Jsonb

from copilot.core import db
from copilot.core.errors import CopilotError, InvalidInput, Unavailable
from copilot.core.models import Signal, Strict
from copilot.intake.builder import route_signal
from copilot.intake.limits import clean_text
from copilot.intake.parsers import PARSERS, Unparseable
from copilot.intake.pci import prepare_for_storage

log = logging.getLogger(__name__)

Outcome = Literal["signal", "duplicate", "dead_letter"]


class IngestOutcome(Strict):
    raw_id: int
    outcome: Outcome
    signal_id: int | None = None
    case_id: int | None = None
    dead_letter_id: int | None = None
    error: str | None = None
    # Set when the sender must be told its request was wrong (4xx), even though the body was kept.
    rejected_status: int | None = None
    rejected_code: str | None = None


async def store_raw(conn: psycopg.AsyncConnection[DictRow], source: str, headers: Mapping[str, str], body: bytes,
                    now: datetime) -> int:
    try:
        cur = await conn.execute(
            "INSERT INTO raw_deliveries (source, received_at, headers, body) VALUES (%s, %s, %s, %s) RETURNING id",
            (source, now, Jsonb(dict(headers)), body),
        )
    except psycopg.OperationalError as exc:
        raise Unavailable("the database is not answering; retry shortly") from exc
    return _first(await cur.fetchone())


async def ingest_delivery(conn: psycopg.AsyncConnection[DictRow], source: str, headers: Mapping[str, str], body: bytes,
                          now: datetime) -> IngestOutcome:
    """The whole path for one verified delivery; headers are the chosen ones, names in lower case."""
    raw_id = await store_raw(conn, source, headers, body, now)
    return await process_raw(conn, raw_id, source, headers, body, received_at=now, now=now)


SIGNAL_CONTENT_TYPE = "application/x-copilot-signal"


def parse_raw(source: str, headers: Mapping[str, str], body: bytes, received_at: datetime) -> Signal:
    """The signal a stored delivery means; raises the parser's InvalidInput or Unparseable."""
    if headers.get("content-type") == SIGNAL_CONTENT_TYPE:
        try:
            return Signal.model_validate_json(body)
        except ValueError as exc:
            raise Unparseable(f"invalid signal: {_first_line(exc)}") from exc
    parser = PARSERS.get(source)
    if parser is None:
        raise Unparseable(f"no parser for source {source!r}")
    try:
        return parser(headers, body, received_at)
    except (InvalidInput, Unparseable):
        raise
    except ValueError as exc:  # pydantic refusing a field the vendor sent in a shape we did not expect
        raise Unparseable(f"invalid signal: {_first_line(exc)}") from exc
    except (RecursionError, TypeError, KeyError, AttributeError) as exc:
        # A shape the parser did not foresee: a dead letter with the reason, never a 500 and a raw row
        # the reconciler would retry forever.
        raise Unparseable(f"unparseable {source} payload: {type(exc).__name__}: {_first_line(exc)}") from exc


async def process_raw(conn: psycopg.AsyncConnection[DictRow], raw_id: int, source: str, headers: Mapping[str, str],
                      body: bytes, received_at: datetime, now: datetime) -> IngestOutcome:
    try:
        signal = parse_raw(source, headers, body, received_at)
    except InvalidInput as exc:
        return await dead_letter(conn, raw_id, source, f"{exc.code}: {exc.message}", rejected=exc)
    except Unparseable as exc:
        return await dead_letter(conn, raw_id, source, exc.message)
    return await store_signal(conn, raw_id, signal, now)


async def store_signal(conn: psycopg.AsyncConnection[DictRow], raw_id: int, signal: Signal, now: datetime) -> IngestOutcome:
    try:
        return await commit_signal(conn, raw_id, signal, now)
    except Unavailable:
        raise
    except Exception as exc:  # noqa: BLE001
        # Whatever the case builder raised, the signal must not vanish with the rolled-back transaction:
        # it waits as a dead letter for `copilot intake replay`, and the sender gets no 500.
        log.exception("routing %s/%s failed", signal.source, signal.source_event_id)
        return await dead_letter(conn, raw_id, signal.source.value, f"case builder failed: {_first_line(exc)}")


ROUTING_ATTEMPTS = 3


async def commit_signal(conn: psycopg.AsyncConnection[DictRow], raw_id: int, signal: Signal, now: datetime) -> IngestOutcome:
    """Dedupe, insert and route in one transaction; raises when routing fails (nothing is half-written).

    A deadlock or serialization failure rolled the whole transaction back, so trying again is safe and
    spares the sender a 503; if it keeps failing the raw delivery waits for the reconciler.
    """
    signal = prepare_for_storage(signal)
    attempt = 1
    while True:
        try:
            return await _commit_once(conn, raw_id, signal, now)
        except (psycopg.errors.DeadlockDetected, psycopg.errors.SerializationFailure) as exc:
            log.warning("intake of %s/%s rolled back (%s), attempt %d of %d", signal.source.value,
                        signal.source_event_id, type(exc).__name__, attempt, ROUTING_ATTEMPTS)
            if attempt >= ROUTING_ATTEMPTS:
                raise Unavailable("intake is contended; retry shortly") from exc
            attempt += 1
        except psycopg.OperationalError as exc:
            raise Unavailable("the database went away during intake; retry shortly") from exc


async def _commit_once(conn: psycopg.AsyncConnection[DictRow], raw_id: int, signal: Signal, now: datetime) -> IngestOutcome:
    async with conn.transaction():
        # The delivery's row is held while it is processed, so the reconciler (which skips locked rows) never
        # works a delivery its own request is still on; and a request that stalled past the reconciler's grace
        # period finds the outcome already given and keeps it.
        lock = conn.cursor(row_factory=dict_row)
        await lock.execute("SELECT outcome, signal_id FROM raw_deliveries WHERE id = %s FOR UPDATE", (raw_id,))
        held = await lock.fetchone()
        if held is not None and held["outcome"] in ("signal", "duplicate"):  # a dead letter may be replayed
            return IngestOutcome(raw_id=raw_id, outcome=held["outcome"], signal_id=held["signal_id"])
        cur = await conn.execute(
            "INSERT INTO signals (raw_id, source, source_event_id, kind, occurred_at, received_at, order_id,"
            " customer_email, ticket_id, payload) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s)"
            " ON CONFLICT (source, source_event_id) DO NOTHING RETURNING id",
            (raw_id, signal.source.value, signal.source_event_id, signal.kind.value, signal.occurred_at, now,
             signal.order_id, signal.customer_email, signal.ticket_id,
             Jsonb(signal.model_dump(mode="json", exclude_none=True))),
        )
        row = await cur.fetchone()
        if row is None:
            return await _mark_duplicate(conn, raw_id, signal)
        signal_id = _first(row)
        case_id = await route_signal(conn, signal_id, signal, now)
        await conn.execute("UPDATE raw_deliveries SET outcome = 'signal', signal_id = %s WHERE id = %s",
                           (signal_id, raw_id))
    return IngestOutcome(raw_id=raw_id, outcome="signal", signal_id=signal_id, case_id=case_id)


async def _mark_duplicate(conn: psycopg.AsyncConnection[DictRow], raw_id: int, signal: Signal) -> IngestOutcome:
    cur = await conn.execute(
        "SELECT id, case_id FROM signals WHERE source = %s AND source_event_id = %s",
        (signal.source.value, signal.source_event_id),
    )
    existing = await db.one(cur)
    await conn.execute("UPDATE raw_deliveries SET outcome = 'duplicate', signal_id = %s WHERE id = %s",
                       (existing["id"], raw_id))
    return IngestOutcome(raw_id=raw_id, outcome="duplicate", signal_id=existing["id"], case_id=existing["case_id"])


async def dead_letter(conn: psycopg.AsyncConnection[DictRow], raw_id: int, source: str, error: str,
                      rejected: CopilotError | None = None) -> IngestOutcome:
    error = clean_text(error)  # an error quoting the input may carry a NUL, which Postgres text refuses
    async with conn.transaction():
        cur = await conn.execute(
            "INSERT INTO dead_letters (raw_id, source, error) VALUES (%s, %s, %s) RETURNING id",
            (raw_id, source, error),
        )
        dead_id = _first(await cur.fetchone())
        await conn.execute("UPDATE raw_deliveries SET outcome = 'dead_letter' WHERE id = %s", (raw_id,))
    return IngestOutcome(
        raw_id=raw_id, outcome="dead_letter", dead_letter_id=dead_id, error=error,
        rejected_status=rejected.http_status if rejected else None, rejected_code=rejected.code if rejected else None,
    )


async def ingest_signal(conn: psycopg.AsyncConnection[DictRow], signal: Signal, now: datetime) -> IngestOutcome:
    """An already-normalized signal (the sandbox's planted exceptions, internal producers)."""
    body = signal.model_dump_json(exclude_none=True).encode()
    raw_id = await store_raw(conn, signal.source.value, {"content-type": SIGNAL_CONTENT_TYPE}, body, now)
    return await store_signal(conn, raw_id, signal, now)


async def ingest_seed_signals(conn: psycopg.AsyncConnection[DictRow], now: datetime) -> int:
    """Feed every planted exception of the sandbox world through intake; returns how many new signals."""
    cur = await conn.execute("SELECT id, signal FROM sandbox.seed_signals ORDER BY occurred_at, id")
    rows = await cur.fetchall()
    created = 0
    for row in rows:
        signal = Signal.model_validate(row["signal"])
        outcome = await ingest_signal(conn, signal, now)
        created += outcome.outcome == "signal"
    return created


def _first(row: object) -> int:
    return row["id"] if isinstance(row, dict) else row[0]  # type: ignore[index]


def _first_line(exc: Exception) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__
