"""A card's security code and expiry date never reach the logs, the model or the audit trail: a signed
Zendesk ticket whose subject and text carry a full card number, its expiry and its CVV goes through
intake, triage and the graph with every logger at DEBUG, to a model that echoes back every placeholder it
was given. The raw text stays as evidence in the stored signal only."""

from __future__ import annotations

import asyncio
import json
import logging
import re

from fastapi.testclient import TestClient

from api.app import create_app
from copilot.core import db
from copilot.core.settings import Settings
from copilot.llm import LLMConfig
from copilot.workflow.engine import open_engine
from tests.api.test_webhooks_support import SETTINGS, dumps, fixture, unique, zendesk_headers
from tests.graph.conftest import NOW, drain, seed_desk
from tests.security.test_log_secrets import _card_leaks

PAN, EXPIRY, CVV = "4111 1111 1111 1111", "11/31", "739"
# The code and the date as they would show up next to a word naming them, however the text was reflowed.
CODE_NEAR_WORD = re.compile(rf"(?:cvv|cvc|security code|on the back)\W{{0,20}}(?:\w+\W+){{0,3}}{CVV}\b|\b{CVV} is my",
                            re.IGNORECASE)
ECHO = {"intent": "payment_failure", "order_refs": [], "tone": "neutral", "language": "en",
        "requested_change": "charge [CARD_1], exp [EXPIRY_1], code [CVV_1] instead"}
# Through intake the card number and security code are masked before the model sees the ticket (issue 16).
ECHO_AFTER_INTAKE = ECHO | {"requested_change": "charge [card ending 1111], exp [EXPIRY_1], code"
                                                 " [security code withheld] instead"}


async def _echoing_model(bodies: list[bytes], echo: dict[str, object] = ECHO):  # noqa: ANN202
    """An OpenAI-compatible server that answers every call with placeholders for the client to restore."""
    async def handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        head = await reader.readuntil(b"\r\n\r\n")
        length = int(re.search(rb"(?i)content-length:\s*(\d+)", head).group(1))
        bodies.append(await reader.readexactly(length))
        reply = json.dumps({"id": "c1", "object": "chat.completion", "created": 0, "model": "m",
                            "choices": [{"index": 0, "finish_reason": "stop",
                                         "message": {"role": "assistant", "content": json.dumps(echo)}}],
                            "usage": {"prompt_tokens": 10, "completion_tokens": 10, "total_tokens": 20}}).encode()
        writer.write(b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: %d\r\n"
                     b"connection: close\r\n\r\n%s" % (len(reply), reply))
        await writer.drain()
        writer.close()
    return await asyncio.start_server(handler, "127.0.0.1", 0)


def _ticket(order_id: str) -> bytes:
    body = fixture("helpdesk/zendesk_ticket_created.json") | {"id": unique("zd-")}
    ticket = unique("")
    body["subject"] = f"zen:ticket:{ticket}"
    body["detail"] |= {"id": ticket, "subject": f"Card declined, new card exp {EXPIRY} cvv {CVV}",
                       "description": f"My card was declined for order {order_id}. Please charge this one instead:"
                                      f" {PAN}, expires {EXPIRY}, security code is {CVV}. The 3 digits on the"
                                      f" back are {CVV}."}
    return dumps(body)


def _leaks(text: str) -> list[str]:
    return [*_card_leaks(text), *CODE_NEAR_WORD.findall(text), *([EXPIRY] if EXPIRY in text else [])]


async def test_cvv_and_expiry_reach_neither_logs_nor_model_nor_audit_trail(database_url, conn, caplog):
    caplog.set_level(logging.DEBUG)
    await seed_desk(database_url, seed=19, n_orders=60, n_customers=20, n_exceptions=4)
    order = conn.execute("SELECT id FROM sandbox.orders ORDER BY id LIMIT 1").fetchone()["id"]
    app = create_app(database_url, SETTINGS)
    app.state.clock = lambda: NOW
    body = _ticket(order)
    with TestClient(app) as client:
        answer = client.post("/webhooks/helpdesk/zendesk", content=body,
                             headers=zendesk_headers(body, NOW.strftime("%Y-%m-%dT%H:%M:%SZ")))
    assert answer.status_code == 200, answer.text
    case_id = answer.json()["case_id"]
    bodies: list[bytes] = []
    model = await _echoing_model(bodies, ECHO_AFTER_INTAKE)
    llm = LLMConfig(provider="openai-compatible", base_url=f"http://127.0.0.1:{model.sockets[0].getsockname()[1]}/v1",
                    model="m", api_key="sk-test", timeout_s=5, max_attempts=1, response_format="json_object")
    try:
        async with open_engine(database_url, Settings(), clock=lambda: NOW, pool_size=4, llm=llm) as engine:
            await drain(engine, concurrency=2)
    finally:
        model.close()
    sent = "\n".join(json.loads(b)["messages"][-1]["content"] for b in bodies)
    # Intake masked the card number and the security codes before the signal was stored (issue 16); the LLM
    # path masks what is left (the expiry date) before the call.
    assert "[card ending 1111]" in sent, "the ticket never reached the model"
    assert _leaks(sent) == [], f"model requests hold card data: {_leaks(sent)[:3]}"
    assert "[security code withheld]" in sent and "[EXPIRY_1]" in sent
    with db.connect(database_url, autocommit=True) as check:
        audit = check.execute("SELECT string_agg(data::text, ' ') AS t FROM case_events WHERE case_id = %s",
                              (case_id,)).fetchone()["t"]
        stored = check.execute("SELECT payload::text AS p FROM signals WHERE case_id = %s AND kind = 'ticket'",
                               (case_id,)).fetchone()["p"]
        raw = bytes(check.execute("SELECT r.body FROM raw_deliveries r JOIN signals s ON s.raw_id = r.id"
                                  " WHERE s.case_id = %s AND s.kind = 'ticket'", (case_id,)).fetchone()["body"])
    assert "card ending 1111" in audit and "withheld" in audit, "the model's reading was not restored into the case"
    assert _leaks(raw.decode()), "the raw delivery keeps the sender's bytes, or this scan proves nothing"
    assert _card_leaks(stored) == [] and CODE_NEAR_WORD.findall(stored) == [], "the stored signal holds card data"
    logged = "\n".join(f"{r.name} {r.getMessage()} {r.exc_text or ''}" for r in caplog.records)
    assert len(caplog.records) > 20, "too little was logged for this scan to mean anything"
    for name, text in (("logs", logged), ("audit trail", audit)):
        assert _leaks(text) == [], f"{name} hold card data: {_leaks(text)[:3]}"
