"""Limits at the edge: body size (declared and streamed), JSON depth and width, NUL characters, the
reconciler's dead end, the size of a case page, and card data kept out of everything a person reads."""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import Iterator

import psycopg
from psycopg.rows import dict_row

from copilot.intake.reconcile import GRACE, reconcile_raw
from tests.api.test_cases_support import bearer, key_for
from tests.api.test_webhooks_support import (
    NOW,
    counts,
    delta,
    dumps,
    fixture,
    make_client,
    secret_headers,
    stripe_headers,
    unique,
)

NESTED = b"[" * 100_000 + b"]" * 100_000


def _gorgias(text: str, ticket: str | None = None) -> bytes:
    event = fixture("helpdesk/gorgias_ticket.json")
    event["ticket"]["id"] = ticket or unique("g")
    event["ticket"]["messages"][0]["body_text"] = text
    return dumps(event)


def test_a_body_over_the_cap_is_refused_from_its_content_length_before_anything_is_read(database_url, conn):
    before = counts(conn)
    with make_client(database_url, max_body_bytes=50_000) as client:
        declared = client.post("/webhooks/stripe", content=b"x" * 60_000, headers={"Content-Type": "application/json"})
        within = client.post("/webhooks/stripe", content=b"x" * 40_000, headers={"Content-Type": "application/json"})
    assert declared.status_code == 413 and declared.json()["error"]["code"] == "payload_too_large"
    assert "50000 bytes" in declared.json()["error"]["message"]
    assert within.status_code == 401  # under the cap: the signature is checked as before
    assert delta(before, counts(conn))["raw"] == 0


def test_a_streamed_body_without_length_is_cut_off_at_the_cap_and_not_stored(database_url, conn):
    def chunks() -> Iterator[bytes]:
        for _ in range(100):
            yield b"y" * 10_000

    before = counts(conn)
    body = b"".join(chunks())
    with make_client(database_url, max_body_bytes=50_000) as client:
        streamed = client.post("/webhooks/stripe", content=chunks(), headers=stripe_headers(body))
    assert streamed.status_code == 413 and streamed.json()["error"]["code"] == "payload_too_large"
    assert delta(before, counts(conn)) == {"raw": 0, "no_outcome": 0, "signals": 0, "duplicates": 0,
                                           "dead_letters": 0, "security": 0}


def test_deeply_nested_signed_json_is_a_dead_letter_not_a_500(database_url, conn):
    before = counts(conn)
    wide = dumps({f"k{i}": i for i in range(25_000)})
    with make_client(database_url) as client:
        deep = client.post("/webhooks/stripe", content=NESTED, headers=stripe_headers(NESTED))
        broad = client.post("/webhooks/stripe", content=wide, headers=stripe_headers(wide))
        ours = client.post("/intake/3pl", content=NESTED, headers={"Authorization": "Bearer intake-test-key",
                                                                   "Content-Type": "application/json"})
    assert deep.status_code == 202 and deep.json()["outcome"] == "dead_letter"
    assert deep.json()["error"] == "bad_payload: JSON nested deeper than 64 levels"
    assert broad.status_code == 202 and "more than 20000 keys" in broad.json()["error"]
    assert ours.status_code == 400 and "nested deeper" in ours.json()["error"]["message"]
    assert delta(before, counts(conn)) == {"raw": 3, "no_outcome": 0, "signals": 0, "duplicates": 0,
                                           "dead_letters": 3, "security": 0}


def test_the_reconciler_sets_a_row_it_cannot_process_aside_once(database_url, conn):
    """A raw row left without an outcome by a request that died on it (as the 500 on nested JSON did) becomes
    one dead letter at the next reconcile, and the reconcile after has nothing left to retry."""
    row = conn.execute("INSERT INTO raw_deliveries (source, received_at, headers, body) VALUES"
                       " ('stripe', %s, '{}', %s) RETURNING id", (NOW - GRACE * 100, NESTED)).fetchone()

    async def reconcile() -> tuple[int, int]:
        async with await psycopg.AsyncConnection.connect(database_url, autocommit=True,
                                                         row_factory=dict_row) as aconn:
            result = await reconcile_raw(aconn, NOW)
        return result.dead_letter, result.failed

    first, second = asyncio.run(reconcile()), asyncio.run(reconcile())
    letters = conn.execute("SELECT error FROM dead_letters WHERE raw_id = %s", (row["id"],)).fetchall()
    assert first[0] >= 1 and first[1] == 0
    assert second == (0, 0)
    assert [r["error"] for r in letters] == ["bad_payload: JSON nested deeper than 64 levels"]


def test_a_nul_character_is_removed_and_the_ticket_becomes_a_signal(database_url, conn):
    text = "My parcel never came\u0000 where is it? Order #1012"
    with make_client(database_url) as client:
        res = client.post("/webhooks/helpdesk/gorgias", content=_gorgias(text), headers=secret_headers("gorgias"))
    assert res.status_code == 200 and res.json()["outcome"] == "signal", res.text
    stored = conn.execute("SELECT payload->>'text' AS text FROM signals WHERE id = %s",
                          (res.json()["signal_id"],)).fetchone()
    assert stored["text"] == "My parcel never came where is it? Order #1012"


def test_card_data_is_masked_in_what_people_read_and_kept_only_in_the_raw_record(database_url, conn):
    text = ("I tried to pay again with my other card 4111 1111 1111 1111, CVV 737, and it still fails. "
            "My tracking number 1234567890123456 is not a card.")
    with make_client(database_url) as client:
        res = client.post("/webhooks/helpdesk/gorgias", content=_gorgias(text), headers=secret_headers("gorgias"))
        case = client.get(f"/api/cases/{res.json()['case_id']}", headers=bearer(key_for(conn, "agent"))).text
    shown = conn.execute("SELECT payload->>'text' AS text FROM signals WHERE id = %s",
                         (res.json()["signal_id"],)).fetchone()["text"]
    assert shown == ("I tried to pay again with my other card [card ending 1111], CVV [security code withheld], and"
                     " it still fails. My tracking number 1234567890123456 is not a card.")
    events = conn.execute("SELECT string_agg(data::text, ' ') AS t FROM case_events WHERE case_id = %s",
                          (res.json()["case_id"],)).fetchone()["t"]
    for place in (case, events):
        assert "4111 1111" not in place and "4111111111111111" not in place
        # the code as a number of its own: "737" inside a timestamp's fraction or another number is not it
        assert re.search(r"(?<![\d.:])737(?!\d)", place) is None
    raw = conn.execute("SELECT body FROM raw_deliveries WHERE id = %s", (res.json()["raw_id"],)).fetchone()
    assert b"4111 1111 1111 1111" in bytes(raw["body"])  # the immutable record of what the sender sent


def test_a_megabyte_ticket_is_cut_for_the_case_page_with_a_note(database_url, conn):
    text = "Where is my order? " + "I have been waiting for weeks and nobody answers. " * 21_000
    with make_client(database_url) as client:
        res = client.post("/webhooks/helpdesk/gorgias", content=_gorgias(text), headers=secret_headers("gorgias"))
        key = key_for(conn, "agent")
        client.cookies.set("desk_key", key)
        api = client.get(f"/api/cases/{res.json()['case_id']}", headers=bearer(key)).json()
        page = client.get(f"/desk/cases/{res.json()['case_id']}", headers=bearer(key))
    kept = conn.execute("SELECT length(payload->>'text') AS n, (payload->>'text_length')::int AS total FROM signals"
                        " WHERE id = %s", (res.json()["signal_id"],)).fetchone()
    assert kept == {"n": 20_000, "total": len(text.strip())} and kept["total"] > 1_000_000
    raw = conn.execute("SELECT length(body) AS n FROM raw_deliveries WHERE id = %s", (res.json()["raw_id"],)).fetchone()
    assert raw["n"] > 1_000_000  # the delivery as received
    shown = next(s for s in api["signals"] if s["id"] == res.json()["signal_id"])
    assert len(shown["payload"]["text"]) < 4100
    assert shown["truncated_note"].startswith(f"showing the first 4,000 of {kept['total']:,} characters")
    assert page.status_code == 200 and len(page.text) < 100_000, len(page.text)
    assert "showing the first 4,000" in page.text
    assert json.loads(json.dumps(api))  # the API answer is plain JSON
