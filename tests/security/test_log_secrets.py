"""Nothing secret reaches the logs: with every logger at DEBUG during signed and forged webhooks, a ticket
carrying a full card number, desk sign-in and decisions by API key, and a worker drain that asks a model,
the captured log holds no webhook secret, no intake or API key, and no card digits beyond the last four.
What the model is sent is checked the same way."""

from __future__ import annotations

import asyncio
import json
import logging
import re

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from copilot.core import db
from copilot.core.keys import create_key
from copilot.core.roles import Role
from copilot.core.settings import Settings
from copilot.llm import LLMConfig
from copilot.workflow.engine import open_engine
from tests.api.test_webhooks_support import (
    SECRETS,
    SETTINGS,
    dumps,
    fixture,
    secret_headers,
    stripe_event,
    unique,
)
from tests.graph.conftest import NOW, drain, seed_desk

PAN = "4111 1111 1111 1111"
CARD_RUN = re.compile(r"(?:\d[ -]?){13,19}")
BIN = "411111"


def _card_leaks(text: str) -> list[str]:
    return [m for m in CARD_RUN.findall(text) if len(re.sub(r"\D", "", m)) >= 13]


async def _recording_model(bodies: list[bytes]):  # noqa: ANN202
    async def handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        bodies.append(await reader.read(65536))
        payload = b'{"error": {"message": "overloaded"}}'
        writer.write(b"HTTP/1.1 500 Internal Server Error\r\ncontent-type: application/json\r\ncontent-length: %d\r\n"
                     b"connection: close\r\n\r\n%s" % (len(payload), payload))
        await writer.drain()
        writer.close()
    return await asyncio.start_server(handler, "127.0.0.1", 0)


def _ticket_with_a_card(conn) -> bytes:
    order = conn.execute("SELECT o.id, c.email, c.first_name || ' ' || c.last_name AS name FROM sandbox.orders o JOIN sandbox.customers c"
                         " ON c.id = o.customer_id ORDER BY o.id LIMIT 1").fetchone()
    body = fixture("helpdesk/gorgias_ticket.json")
    body["ticket"]["id"] = unique("g")
    body["ticket"]["customer"] |= {"email": order["email"], "name": order["name"]}
    message = body["ticket"]["messages"][0]
    message["sender"] |= {"email": order["email"], "name": order["name"]}
    message["body_text"] = (f"My card was declined for order {order['id']}. Please charge this one instead:"
                            f" {PAN}, exp 12/29, CVV 123.")
    return dumps(body)


async def test_logs_hold_no_secret_key_or_card_number(database_url, conn, caplog):
    caplog.set_level(logging.DEBUG)
    await seed_desk(database_url, seed=13, n_orders=120, n_customers=30, n_exceptions=16)
    keys = {r: create_key(conn, f"log-{r.value}", r).key for r in (Role.agent, Role.lead, Role.qa)}
    app = create_app(database_url, SETTINGS)
    app.state.clock = lambda: NOW
    with TestClient(app) as client:
        ticket = _ticket_with_a_card(conn)
        assert client.post("/webhooks/helpdesk/gorgias", content=ticket, headers=secret_headers("gorgias")).status_code == 200
        _, body = stripe_event("stripe/charge.failed.json")
        assert client.post("/webhooks/stripe", content=body, headers={"Stripe-Signature": "t=1,v1=forged"}).status_code == 401
        assert client.post("/webhooks/helpdesk/gorgias", content=ticket,
                           headers={"X-Webhook-Secret": SECRETS["shopify"]}).status_code == 401
        assert client.post("/intake/email", content=b"x", headers={"X-Api-Key": "rdc_wrong"}).status_code == 401
        for key in keys.values():
            assert client.get("/api/cases", headers={"Authorization": f"Bearer {key}"}).status_code == 200
        assert client.post("/desk/login", data={"key": keys[Role.lead]}, follow_redirects=False).status_code == 303
        assert client.get("/api/cases", headers={"Authorization": f"Bearer {keys[Role.agent]}x"}).status_code == 401
    bodies: list[bytes] = []
    model = await _recording_model(bodies)
    llm = LLMConfig(provider="openai-compatible", base_url=f"http://127.0.0.1:{model.sockets[0].getsockname()[1]}/v1",
                    model="m", api_key="sk-test-model-secret-0123456789", timeout_s=2, max_attempts=1,
                    breaker_failures=1000)  # every call must reach this failing server: the breaker stays shut
    try:
        async with open_engine(database_url, Settings(), clock=lambda: NOW, pool_size=4, llm=llm) as engine:
            await drain(engine, concurrency=2)
    finally:
        model.close()
    logged = "\n".join(f"{r.name} {r.getMessage()} {r.exc_text or ''}" for r in caplog.records)
    assert len(caplog.records) > 20, "too little was logged for this scan to mean anything"
    assert bodies, "the drain never called the model"
    # The request bodies (the model server needs its API key in the headers, so those are not scanned).
    sent = b"\n".join(b.partition(b"\r\n\r\n")[2] for b in bodies).decode(errors="replace")
    assert "ending 1111" in sent or "CARD" in sent, "the ticket with the card never reached the model"
    with db.connect(database_url, autocommit=True) as check:
        stored = check.execute("SELECT count(*) AS n FROM signals WHERE payload::text LIKE %s",
                               (f"%{PAN}%",)).fetchone()["n"]
        raw = check.execute("SELECT count(*) AS n FROM raw_deliveries WHERE position(%s::bytea IN body) > 0",
                            (PAN.encode(),)).fetchone()["n"]
    # The raw delivery is the immutable evidence; the signal people read has the card masked (issue 16).
    assert (stored, raw) == (0, 1)  # the 401 copy was never stored
    secrets = [*SECRETS.values(), "intake-test-key", "sk-test-model-secret-0123456789", *keys.values()]
    for name, text in (("logs", logged), ("model requests", sent)):
        leaked = [s for s in secrets if s in text]
        assert leaked == [], f"{name} contain secrets: {[s[:6] + '...' for s in leaked]}"
        assert _card_leaks(text) == [] and BIN not in text, f"{name} contain card digits: {_card_leaks(text)[:3]}"


@pytest.mark.parametrize("text", [PAN, "4111-1111-1111-1111", "4111111111111111", "card 5500 0000 0000 0004 ok"])
def test_the_card_scan_itself_finds_card_numbers(text):
    assert _card_leaks(text)


def test_the_card_scan_ignores_short_numbers_and_last_four():
    assert _card_leaks("order #100234, card ending 1111, 2025-01-06 15:00, amount 394.00 USD") == []


def test_secrets_are_plain_strings_the_scan_can_match():
    assert all(isinstance(v, str) and len(v) >= 6 for v in SECRETS.values())
    assert json.loads(json.dumps(SECRETS)) == SECRETS
