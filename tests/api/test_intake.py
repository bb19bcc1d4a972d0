"""API-key intake (3PL rows, raw email), dead-letter replay through the CLI, and the seed world's signals."""

from __future__ import annotations

from datetime import UTC, datetime

import psycopg
from psycopg.rows import dict_row
from typer.testing import CliRunner

from cli import app as cli
from copilot.core.settings import get_settings
from copilot.intake import parsers
from copilot.intake.ingest import ingest_seed_signals
from copilot.workflow.runtime import reset_desk
from tests.api.test_webhooks_support import (
    FIXTURES,
    counts,
    delta,
    dumps,
    easypost_headers,
    fixture,
    make_client,
    unique,
)
from tools.connectors.sandbox.generator import generate_world
from tools.connectors.sandbox.store import write_world

KEY = {"Authorization": "Bearer intake-test-key"}


def _csv(tag: str) -> bytes:
    return (FIXTURES / "threepl/exceptions.csv").read_bytes().replace(b"#10", f"#{tag}-10".encode()).replace(
        b"\n1014,", f"\n{tag}-1014,".encode())


def test_threepl_csv_rows_become_signals_and_a_bad_row_a_dead_letter(database_url, conn):
    body = _csv(unique("P"))
    before = counts(conn)
    with make_client(database_url) as client:
        first = client.post("/intake/3pl", content=body, headers=KEY | {"Content-Type": "text/csv"})
        again = client.post("/intake/3pl", content=body, headers={"X-Api-Key": "intake-test-key",
                                                                 "Content-Type": "text/csv"})
    assert first.status_code == 202
    assert {k: first.json()[k] for k in ("rows", "signals", "duplicates", "dead_letters")} == {
        "rows": 3, "signals": 2, "duplicates": 0, "dead_letters": 1}
    assert first.json()["results"][2]["error"] == "3PL row lacks exception_code"
    assert (again.json()["signals"], again.json()["duplicates"], again.json()["dead_letters"]) == (0, 2, 1)
    assert delta(before, counts(conn)) == {"raw": 6, "no_outcome": 0, "signals": 2, "duplicates": 2,
                                           "dead_letters": 2, "security": 0}
    cases = conn.execute("SELECT c.category FROM signals s JOIN cases c ON c.id = s.case_id WHERE s.id = %s",
                         (first.json()["results"][0]["signal_id"],)).fetchone()
    assert cases["category"] == "inventory_mismatch"  # short_pick


def test_threepl_json_rows_and_refusals(database_url, conn):
    rows = fixture("threepl/exceptions.json")
    for row in rows["rows"]:
        row["exception_id"] = unique("3pl-")
    before = counts(conn)
    with make_client(database_url) as client:
        ok = client.post("/intake/3pl", content=dumps(rows), headers=KEY | {"Content-Type": "application/json"})
        wrong_key = client.post("/intake/3pl", content=dumps(rows), headers={"Authorization": "Bearer nope"})
        no_key = client.post("/intake/3pl", content=dumps(rows))
        broken = client.post("/intake/3pl", content=b'[{"order": "#1"', headers=KEY | {"Content-Type": "application/json"})
        empty = client.post("/intake/3pl", content=b"order,sku\n", headers=KEY | {"Content-Type": "text/csv"})
    assert (ok.status_code, ok.json()["signals"]) == (200, 2)
    assert (wrong_key.status_code, no_key.status_code) == (401, 401)
    assert no_key.json()["error"]["message"].startswith("send the intake API key")
    assert broken.status_code == 400 and "not valid JSON" in broken.json()["error"]["message"]
    assert empty.status_code == 400 and empty.json()["error"]["message"] == "the upload holds no rows"
    assert delta(before, counts(conn)) == {"raw": 4, "no_outcome": 0, "signals": 2, "duplicates": 0,
                                           "dead_letters": 2, "security": 2}


def test_raw_email_becomes_a_ticket_and_the_reply_joins_its_case(database_url, conn):
    tag = unique("m")
    first = (FIXTURES / "email/wismo.eml").read_bytes().replace(b"wismo-1018", tag.encode())
    reply = (FIXTURES / "email/reply.eml").read_bytes().replace(b"wismo-1018", tag.encode()).replace(
        b"reply-1018", f"{tag}-r".encode())
    with make_client(database_url) as client:
        a = client.post("/intake/email", content=first, headers=KEY | {"Content-Type": "message/rfc822"})
        b = client.post("/intake/email", content=reply, headers=KEY | {"Content-Type": "message/rfc822"})
        junk = client.post("/intake/email", content=b"\r\n\r\n", headers=KEY)
    assert (a.status_code, b.status_code, junk.status_code) == (200, 200, 400)
    rows = conn.execute("SELECT kind, customer_email, ticket_id, case_id FROM signals WHERE id = ANY(%s) ORDER BY id",
                        ([a.json()["signal_id"], b.json()["signal_id"]],)).fetchall()
    assert [r["kind"] for r in rows] == ["ticket", "ticket_reply"]
    assert rows[0]["customer_email"] == "priya.shah@example.com" and rows[0]["ticket_id"] == rows[1]["ticket_id"]
    assert rows[0]["case_id"] == rows[1]["case_id"]


def test_dead_letter_is_replayed_by_the_cli_after_a_parser_fix(database_url, conn, monkeypatch):
    event = fixture("easypost/tracker.updated_return_to_sender.json")
    event["id"], event["result"]["reference"] = unique("evt_"), f"#{unique('RP')}"
    body = dumps(event)

    def broken(headers, body, received_at):
        raise parsers.Unparseable("tracker parser bug")

    real = parsers.PARSERS["easypost"]
    monkeypatch.setitem(parsers.PARSERS, "easypost", broken)
    monkeypatch.setenv("COPILOT_DATABASE_URL", database_url)
    get_settings.cache_clear()
    with make_client(database_url) as client:
        res = client.post("/webhooks/easypost", content=body, headers=easypost_headers(body))
    assert res.status_code == 202
    letter_id = res.json()["dead_letter_id"]
    still = CliRunner().invoke(cli, ["intake", "replay", "--id", str(letter_id)])
    assert still.exit_code == 1 and "still_failing" in still.output
    parsers.PARSERS["easypost"] = real  # the fix ships
    fixed = CliRunner().invoke(cli, ["intake", "replay", "--id", str(letter_id)])
    assert fixed.exit_code == 0, fixed.output
    letter = conn.execute("SELECT replayed_at, signal_id FROM dead_letters WHERE id = %s", (letter_id,)).fetchone()
    raw = conn.execute("SELECT outcome, signal_id FROM raw_deliveries WHERE id = %s", (res.json()["raw_id"],)).fetchone()
    signal = conn.execute("SELECT kind, source_event_id, case_id FROM signals WHERE id = %s",
                          (letter["signal_id"],)).fetchone()
    assert letter["replayed_at"] is not None and raw == {"outcome": "signal", "signal_id": letter["signal_id"]}
    assert (signal["kind"], signal["source_event_id"]) == ("tracking_update", event["id"])
    assert signal["case_id"] is not None
    again = CliRunner().invoke(cli, ["intake", "replay", "--id", str(letter_id)])
    get_settings.cache_clear()
    assert again.exit_code == 1 and f"no open dead letter with id {letter_id}" in again.output


async def test_seed_world_exceptions_become_cases_once(database_url, conn):
    world = generate_world(seed=7, now=datetime(2025, 3, 3, 15, 0, tzinfo=UTC))
    write_world(conn, world)
    reset_desk(conn)  # the audit tables refuse any other TRUNCATE
    async with await psycopg.AsyncConnection.connect(database_url, autocommit=True, row_factory=dict_row) as aconn:
        created = await ingest_seed_signals(aconn, world.now)
        second = await ingest_seed_signals(aconn, world.now)
    assert (created, second) == (len(world.seed_signals), 0)
    truth = {f"seed-{s.id}": s.category.value for s in world.seed_signals}
    rows = conn.execute("SELECT s.source_event_id, c.category FROM signals s JOIN cases c ON c.id = s.case_id").fetchall()
    wrong = [(r["source_event_id"], truth[r["source_event_id"]], r["category"]) for r in rows
             if truth.get(r["source_event_id"]) != r["category"]]
    assert len(rows) == len(truth) and wrong == []
    assert counts(conn) | {"security": 0} == {"raw": 2 * len(truth), "no_outcome": 0, "signals": len(truth),
                                               "duplicates": len(truth), "dead_letters": 0, "security": 0}
