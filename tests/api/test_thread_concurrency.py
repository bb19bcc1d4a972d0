"""Concurrent first messages of one new helpdesk thread, or of one customer, through the real webhook app:
the case builder serializes them on the thread and the customer, so they open one case, without a
deadlock (a deadlock would show as a retried intake transaction in the log) and without a 503."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator

import httpx
import pytest

from tests.api.test_webhooks_support import (
    asgi_client,
    dumps,
    fixture,
    unique,
    zendesk_headers,
)

BURST = 12


@pytest.fixture
async def api(database_url: str) -> AsyncIterator[httpx.AsyncClient]:
    async with asgi_client(database_url, pool_size=BURST) as client:
        yield client


def zendesk_event(ticket: str, text: str, email: str | None = None) -> bytes:
    event = fixture("helpdesk/zendesk_ticket_created.json") | {"id": unique("zd-"), "subject": f"zen:ticket:{ticket}"}
    event["detail"] |= {"id": ticket, "description": text}
    if email:
        event["detail"]["requester"] = {"email": email, "name": "Burst Tester"}
    return dumps(event)


async def send_all(api: httpx.AsyncClient, bodies: list[bytes]) -> list[httpx.Response]:
    calls = [api.post("/webhooks/helpdesk/zendesk", content=b, headers=zendesk_headers(b)) for b in bodies]
    return await asyncio.wait_for(asyncio.gather(*calls), timeout=60)


def rolled_back(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if "rolled back" in r.getMessage()]


async def test_twelve_first_events_of_one_new_thread_open_one_case_at_the_first_attempt(api, conn, caplog):
    caplog.set_level(logging.WARNING, logger="copilot.intake.ingest")
    ticket = unique("")
    bodies = [zendesk_event(ticket, f"Where is my parcel? Asking again ({i}).") for i in range(BURST)]
    answers = await send_all(api, bodies)
    assert [a.status_code for a in answers] == [200] * BURST, [a.text for a in answers if a.status_code != 200]
    assert [a.json()["outcome"] for a in answers] == ["signal"] * BURST
    rows = conn.execute("SELECT s.case_id, r.outcome FROM signals s JOIN raw_deliveries r ON r.id = s.raw_id"
                        " WHERE s.source = 'zendesk' AND s.ticket_id = %s", (ticket,)).fetchall()
    assert len(rows) == BURST
    assert {r["outcome"] for r in rows} == {"signal"}
    assert len({r["case_id"] for r in rows}) == 1, "one ticket thread was split across several cases"
    assert rolled_back(caplog) == [], "an intake transaction deadlocked and had to be retried"


async def test_first_tickets_of_one_customer_on_several_threads_at_once_join_one_case(api, conn, caplog):
    caplog.set_level(logging.WARNING, logger="copilot.intake.ingest")
    email = f"{unique('burst-')}@example.com"
    tickets = [unique("") for _ in range(BURST // 2)]
    # No ticket id in the text: random hex can read as an out-of-scope word, which is routed away alone.
    bodies = [zendesk_event(t, f"My parcel has not arrived yet, message {n} of ticket number {k}.", email)
              for k, t in enumerate(tickets) for n in range(2)]
    answers = await send_all(api, bodies)
    assert [a.status_code for a in answers] == [200] * BURST, [a.text for a in answers if a.status_code != 200]
    cases = conn.execute("SELECT DISTINCT case_id FROM signals WHERE customer_email = %s", (email,)).fetchall()
    assert len(cases) == 1, f"one customer's first tickets opened {len(cases)} cases"
    opened = conn.execute("SELECT count(*) AS n FROM cases WHERE customer_email = %s", (email,)).fetchone()["n"]
    assert opened == 1
    assert rolled_back(caplog) == []
