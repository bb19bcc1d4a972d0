"""Replies and internal notes on the ticket the case came from: Zendesk, Gorgias, Freshdesk (fixtures written
from their public docs) and email over SMTP to a local aiosmtpd server, in shadow and live mode."""

from __future__ import annotations

import socket
from email import message_from_bytes
from typing import Any

import psycopg
import pytest
from aiosmtpd.controller import Controller
from psycopg.types.json import Jsonb

from tests.connectors.conftest import Vendors, set_modes
from tests.connectors.test_shopify import approve, new_case, rows
from tests.unit.test_connectors_sandbox import NOW

TICKETS = {"zendesk": "4711", "gorgias": "5811", "freshdesk": "6911", "email": "<q1@customer.example>"}
BODY = "Your parcel left our warehouse today; the carrier expects to deliver it on Thursday."


def thread(conn: psycopg.Connection, system: str) -> str:
    """The customer's ticket in the mirror and the signal that brought it in from `system`."""
    ticket = TICKETS[system]
    conn.execute("INSERT INTO sandbox.tickets (id, customer_id, channel, subject, created_at)"
                 " VALUES (%s, 'cus_1', %s, 'Where is my order?', %s) ON CONFLICT DO NOTHING", (ticket, system, NOW))
    conn.execute("INSERT INTO signals (source, source_event_id, kind, occurred_at, ticket_id, customer_email, payload)"
                 " VALUES (%s, %s, 'ticket', %s, %s, 'cus_1@example.com', %s) ON CONFLICT DO NOTHING",
                 (system, ticket if system == "email" else f"ev-{ticket}", NOW, ticket,
                  Jsonb({"subject": "Where is my order?"})))
    return ticket


async def message(aconn: Any, conn: psycopg.Connection, ticket: str) -> int:
    case_id = new_case(conn, "#2")
    await approve(aconn, case_id, "send_customer_message", {"ticket_id": ticket, "scenario": "delivery_update",
                                                            "body": BODY})
    return case_id


@pytest.mark.parametrize("system", ["zendesk", "gorgias", "freshdesk"])
async def test_a_reply_is_posted_publicly_on_the_ticket(system: str, monkeypatch: pytest.MonkeyPatch,
                                                        contract_server: Any, vendors: Vendors, conn, aconn):
    set_modes(monkeypatch, contract_server[0], **{system: "live"})
    ticket = thread(conn, system)
    case_id = await message(aconn, conn, ticket)
    [(got, method, path, body)] = vendors.helpdesks.received
    assert got == system and ticket in path
    if system == "zendesk":
        assert (method, body) == ("PUT", {"ticket": {"comment": {"body": BODY, "public": True}}})
    elif system == "gorgias":
        assert (body["channel"], body["receiver"], body["body_text"]) == ("email", {"email": "cus_1@example.com"}, BODY)
    else:
        assert (path.endswith("/reply"), body) == (True, {"body": BODY})
    [row] = rows(conn, case_id)
    assert (row["system"], row["status"], row["contract_errors"]) == (system, "answered", [])
    assert vendors.helpdesks.violations == []


async def test_shadow_records_the_reply_and_posts_nothing(monkeypatch: pytest.MonkeyPatch, contract_server: Any,
                                                          vendors: Vendors, conn, aconn):
    set_modes(monkeypatch, contract_server[0], zendesk="shadow")
    case_id = await message(aconn, conn, thread(conn, "zendesk"))
    assert vendors.helpdesks.received == []
    [row] = rows(conn, case_id)
    assert (row["mode"], row["status"], row["method"]) == ("shadow", "recorded", "PUT")
    assert row["body"] == {"ticket": {"comment": {"body": BODY, "public": True}}}


async def test_an_internal_note_is_private(monkeypatch: pytest.MonkeyPatch, contract_server: Any, vendors: Vendors,
                                           conn, aconn):
    from tools.base import ToolDeps
    from tools.connectors.outbox import calling

    set_modes(monkeypatch, contract_server[0], freshdesk="live", zendesk="live")
    deps = ToolDeps.sandbox(aconn, NOW, customer_id="cus_1")
    for system in ("freshdesk", "zendesk"):
        with calling(None, f"0:note-{system}"):
            await deps.connectors.helpdesk.send("cus_1", None, thread(conn, system), "internal_note",
                                                "Carrier confirmed the delay.", None)
    [(_, _, fd_path, fd_body), (_, _, _, zd_body)] = vendors.helpdesks.received
    assert fd_path.endswith("/notes") and fd_body == {"body": "Carrier confirmed the delay.", "private": True}
    assert zd_body["ticket"]["comment"]["public"] is False


async def test_429_from_a_helpdesk_is_waited_out(monkeypatch: pytest.MonkeyPatch, contract_server: Any,
                                                 vendors: Vendors, conn, aconn):
    set_modes(monkeypatch, contract_server[0], gorgias="live")
    vendors.helpdesks.rate_limit_next = 1
    await message(aconn, conn, thread(conn, "gorgias"))
    assert len(vendors.helpdesks.received) == 1


class Inbox:
    def __init__(self) -> None:
        self.messages: list[bytes] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802 - aiosmtpd's hook name
        self.messages.append(envelope.original_content)
        return "250 OK"


@pytest.fixture
def smtp_server() -> Any:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    yield port, inbox
    controller.stop()


async def test_an_email_reply_is_threaded_under_the_customers_message(monkeypatch: pytest.MonkeyPatch,
                                                                     contract_server: Any, vendors: Vendors,
                                                                     smtp_server: Any, conn, aconn):
    port, inbox = smtp_server
    set_modes(monkeypatch, contract_server[0], email="live")
    for name, value in {"SMTP_HOST": "127.0.0.1", "SMTP_PORT": str(port), "STARTTLS": "false",
                        "FROM_ADDRESS": "help@shop.example"}.items():
        monkeypatch.setenv(f"COPILOT_EMAIL_{name}", value)
    case_id = await message(aconn, conn, thread(conn, "email"))
    [raw] = inbox.messages
    sent = message_from_bytes(raw)
    assert (sent["To"], sent["From"], sent["Subject"]) == ("cus_1@example.com", "help@shop.example",
                                                           "Re: Where is my order?")
    assert sent["In-Reply-To"] == "<q1@customer.example>" and sent["References"] == "<q1@customer.example>"
    assert sent["Message-ID"].startswith(f"<rdc-{case_id}-act")
    assert BODY in sent.get_payload(decode=True).decode()
    [row] = rows(conn, case_id)
    assert (row["system"], row["status"], row["response_status"]) == ("email", "answered", 250)


@pytest.mark.parametrize("mode", ["shadow", "live"])
async def test_a_message_on_a_case_that_came_by_webhook_is_a_new_email(mode: str, monkeypatch: pytest.MonkeyPatch,
                                                                       contract_server: Any, vendors: Vendors,
                                                                       smtp_server: Any, conn, aconn):
    """No helpdesk thread to answer (the case came from a store or payment webhook): with email connected the
    customer gets a new email, not a reply, and never a message left in the desk's own outbox only."""
    port, inbox = smtp_server
    set_modes(monkeypatch, contract_server[0], email=mode)
    for name, value in {"SMTP_HOST": "127.0.0.1", "SMTP_PORT": str(port), "STARTTLS": "false",
                        "FROM_ADDRESS": "help@shop.example"}.items():
        monkeypatch.setenv(f"COPILOT_EMAIL_{name}", value)
    case_id = new_case(conn, "#2")
    await approve(aconn, case_id, "send_customer_message", {"order_id": "#2", "scenario": "delivery_update",
                                                            "body": BODY})
    [row] = rows(conn, case_id)
    headers = row["body"]["headers"]
    assert (row["system"], row["mode"], row["contract_errors"]) == ("email", mode, [])
    assert (headers["To"], headers["Subject"]) == ("cus_1@example.com", "About your order #2")
    assert "In-Reply-To" not in headers and "References" not in headers
    if mode == "shadow":
        assert inbox.messages == [] and row["status"] == "recorded"
        return
    [raw] = inbox.messages
    sent = message_from_bytes(raw)
    assert (sent["Subject"], sent["In-Reply-To"]) == ("About your order #2", None) and row["status"] == "answered"
