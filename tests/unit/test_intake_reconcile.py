"""The intake reconciler on the real database: raw deliveries stored without an outcome (the database failed
after the raw insert) each get exactly one, through the same parse / dedupe / route path as a webhook.

Rows here are received years before any other test's clock, so a reconcile at "received + grace" touches
only them."""

from __future__ import annotations

import asyncio
import re
from datetime import UTC, datetime, timedelta

import psycopg
import pytest
from psycopg.rows import dict_row
from psycopg.types.json import Jsonb
from typer.testing import CliRunner

from cli import app as cli
from copilot.core.settings import get_settings
from copilot.intake.ingest import ingest_delivery, process_raw
from copilot.intake.reconcile import GRACE, reconcile_raw
from tests.api.test_webhooks_support import stripe_event, stripe_headers

PAYMENT_FAILED = "stripe/payment_intent.payment_failed.json"


@pytest.fixture
async def aconn(database_url):
    async with await psycopg.AsyncConnection.connect(database_url, autocommit=True, row_factory=dict_row) as c:
        yield c


def headers_for(body: bytes) -> dict[str, str]:
    """What the stripe webhook keeps with the body (lower-case names, the chosen ones)."""
    return {k.lower(): v for k, v in stripe_headers(body).items()}


def store_raw(conn, body: bytes, at: datetime, source: str = "stripe") -> int:
    """A raw delivery as the webhook stores it before the database went away: no outcome."""
    return conn.execute("INSERT INTO raw_deliveries (source, received_at, headers, body) VALUES (%s, %s, %s, %s)"
                        " RETURNING id", (source, at, Jsonb(headers_for(body)), body)).fetchone()["id"]


def outcomes(conn, ids: list[int]) -> list[str | None]:
    rows = conn.execute("SELECT id, outcome FROM raw_deliveries WHERE id = ANY(%s)", (ids,)).fetchall()
    by_id = {r["id"]: r["outcome"] for r in rows}
    return [by_id[i] for i in ids]


async def test_each_old_raw_delivery_without_outcome_gets_the_outcome_intake_would_have_given(aconn, conn):
    at = datetime(2019, 3, 4, 10, 0, tzinfo=UTC)
    fresh_event, fresh = stripe_event(PAYMENT_FAILED, "#RC-new")
    _, retried = stripe_event(PAYMENT_FAILED, "#RC-dup")
    accepted = await ingest_delivery(aconn, "stripe", headers_for(retried), retried, at)  # the sender's retry
    ids = [store_raw(conn, fresh, at), store_raw(conn, retried, at), store_raw(conn, b"{not json", at)]
    young = store_raw(conn, stripe_event(PAYMENT_FAILED, "#RC-young")[1], at + timedelta(seconds=30))

    result = await reconcile_raw(aconn, at + GRACE + timedelta(seconds=1))

    assert (result.signal, result.duplicate, result.dead_letter, result.skipped, result.failed) == (1, 1, 1, 0, 0)
    assert result.waiting >= 1
    assert outcomes(conn, [*ids, young]) == ["signal", "duplicate", "dead_letter", None]
    signal = conn.execute("SELECT source_event_id, raw_id, case_id FROM signals WHERE raw_id = %s",
                          (ids[0],)).fetchone()
    assert (signal["source_event_id"], signal["raw_id"]) == (fresh_event["id"], ids[0])
    assert signal["case_id"] is not None  # routed like any intake: the order's case
    dup = conn.execute("SELECT signal_id FROM raw_deliveries WHERE id = %s", (ids[1],)).fetchone()
    assert dup["signal_id"] == accepted.signal_id
    letter = conn.execute("SELECT source, error FROM dead_letters WHERE raw_id = %s", (ids[2],)).fetchone()
    assert letter["source"] == "stripe" and letter["error"]

    again = await reconcile_raw(aconn, at + GRACE + timedelta(seconds=1))
    assert again.reconciled == 0  # nothing is processed twice

    later = await reconcile_raw(aconn, at + timedelta(seconds=30) + GRACE)
    assert later.signal == 1 and outcomes(conn, [young]) == ["signal"]


async def test_two_reconcilers_at_once_give_each_delivery_one_outcome(database_url, conn):
    at = datetime(2018, 5, 6, 7, 0, tzinfo=UTC)
    ids = [store_raw(conn, stripe_event(PAYMENT_FAILED, f"#RC-par{i}")[1], at) for i in range(6)]

    async def one() -> object:
        async with await psycopg.AsyncConnection.connect(database_url, autocommit=True, row_factory=dict_row) as c:
            return await reconcile_raw(c, at + GRACE)

    first, second = await asyncio.gather(one(), one())
    assert first.signal + second.signal == 6
    assert first.skipped + second.skipped == 6  # each saw all six and left the other's to it
    assert outcomes(conn, ids) == ["signal"] * 6
    signals = conn.execute("SELECT count(*) AS n FROM signals WHERE raw_id = ANY(%s)", (ids,)).fetchone()["n"]
    assert signals == 6


def test_cli_reconcile_prints_one_line_of_counts(database_url, conn, monkeypatch):
    raw_id = store_raw(conn, b"<<not a stripe event>>", datetime(2017, 1, 1, tzinfo=UTC))
    monkeypatch.setenv("COPILOT_DATABASE_URL", database_url)
    get_settings.cache_clear()
    try:
        run = CliRunner().invoke(cli, ["intake", "reconcile"])
    finally:
        get_settings.cache_clear()
    assert run.exit_code == 0, run.output
    line = run.output.strip()
    assert "\n" not in line
    counts = re.fullmatch(r"reconciled (\d+) raw deliveries: (\d+) signal, (\d+) duplicate, (\d+) dead letter;"
                          r" (\d+) skipped, (\d+) failed, (\d+) inside the grace period", line)
    assert counts is not None, line
    assert int(counts[4]) >= 1 and int(counts[1]) == sum(int(n) for n in counts.groups()[1:4])
    assert outcomes(conn, [raw_id]) == ["dead_letter"]


def test_cli_reconcile_refuses_a_negative_grace_with_a_usage_error():
    run = CliRunner().invoke(cli, ["intake", "reconcile", "--grace-s", "-5"])
    assert run.exit_code == 2
    assert "Invalid value for '--grace-s': Input should be greater than or equal to 0" in run.output, run.output


async def test_a_request_that_stalled_past_the_grace_period_keeps_the_reconcilers_outcome(aconn, conn):
    """The reconciler took the delivery first; when its own request finally gets to it, the request answers
    with that outcome instead of processing the body a second time (which would turn it into a duplicate of
    itself and break raw = signals + duplicates + dead letters)."""
    at = datetime(2019, 3, 5, 10, 0, tzinfo=UTC)
    _, body = stripe_event(PAYMENT_FAILED, "#RC-stall")
    raw_id = store_raw(conn, body, at)
    await reconcile_raw(aconn, at + GRACE + timedelta(seconds=1))
    reconciled = conn.execute("SELECT outcome, signal_id FROM raw_deliveries WHERE id = %s", (raw_id,)).fetchone()
    assert reconciled["outcome"] == "signal"

    late = await process_raw(aconn, raw_id, "stripe", headers_for(body), body, received_at=at,
                             now=at + GRACE + timedelta(seconds=2))
    assert (late.outcome, late.signal_id) == ("signal", reconciled["signal_id"])
    assert outcomes(conn, [raw_id]) == ["signal"]
    assert conn.execute("SELECT count(*) AS n FROM signals WHERE raw_id = %s", (raw_id,)).fetchone()["n"] == 1
