"""A worker killed between sending and recording: on resume, the vendor is not asked twice.

The contract server performs the effect and holds its answer; the test kills the worker process (SIGKILL)
while it waits, so neither the tool's transaction nor the outbox answer is recorded. The call then runs
again, as the job would after its lease expires."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import pytest

from tests.connectors.conftest import Vendors, set_modes
from tests.connectors.test_shopify import approve, new_case, rows

REPO = Path(__file__).resolve().parents[2]


def start_worker(database_url: str, case_id: int, tool: str, args: dict[str, Any], key: str) -> subprocess.Popen[bytes]:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    return subprocess.Popen([sys.executable, "-m", "tests.connectors.worker_once", database_url, str(case_id), tool,
                             json.dumps(args), key], cwd=REPO, env=env, stderr=subprocess.PIPE)


def wait_until(predicate: Any, what: str, worker: subprocess.Popen[bytes], timeout_s: float = 60) -> None:
    deadline = time.monotonic() + timeout_s
    while not predicate():
        if worker.poll() is not None:
            raise AssertionError(f"the worker ended before {what}: {worker.stderr.read().decode()[-2000:]}")  # type: ignore[union-attr]
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.05)


def kill(worker: subprocess.Popen[bytes]) -> None:
    worker.kill()
    worker.wait(timeout=10)


async def test_killed_after_stripe_refunded_resumes_without_a_second_refund(
        monkeypatch: pytest.MonkeyPatch, contract_server: Any, vendors: Vendors, database_url: str, conn, aconn):
    set_modes(monkeypatch, contract_server[0], stripe="live")
    vendors.stripe.hold_answers = threading.Event()
    case_id = new_case(conn, "#3")
    key, args = f"{case_id}:k1", {"order_id": "#3", "amount": "20.00", "reason": "damaged"}
    worker = start_worker(database_url, case_id, "refund_payment", args, key)
    wait_until(lambda: len(vendors.stripe.refunds) == 1, "Stripe refunded", worker)
    kill(worker)
    vendors.stripe.hold_answers.set()
    [row] = rows(conn, case_id)
    assert row["status"] == "sending"  # sent, never recorded
    assert conn.execute("SELECT status FROM tool_calls WHERE idempotency_key = %s", (key,)).fetchone()["status"] \
        == "started"
    out = await approve(aconn, case_id, "refund_payment", args, key)
    assert len(vendors.stripe.refunds) == 1  # the same Idempotency-Key: Stripe replayed the first refund
    assert out.refund_id == vendors.stripe.refunds[0]["id"]
    keys = [k for m, _, _, k in vendors.stripe.requests if m == "POST"]
    assert keys == [f"rdc-{key}-refund"] * 2
    assert conn.execute("SELECT amount_refunded FROM sandbox.payments WHERE id = 'pi_3'").fetchone()[
        "amount_refunded"] == 20


async def test_killed_after_shopify_cancelled_resumes_by_reading_the_order(
        monkeypatch: pytest.MonkeyPatch, contract_server: Any, vendors: Vendors, database_url: str, conn, aconn):
    set_modes(monkeypatch, contract_server[0], shopify="live")
    vendors.shopify.hold_answers = threading.Event()
    case_id = new_case(conn, "#1")
    key, args = f"{case_id}:k2", {"order_id": "#1", "reason": "customer_request"}
    worker = start_worker(database_url, case_id, "cancel_order", args, key)
    wait_until(lambda: len(vendors.shopify.mutations) == 1, "Shopify cancelled", worker)
    kill(worker)
    vendors.shopify.hold_answers.set()
    assert [r["status"] for r in rows(conn, case_id)] == ["sending"]
    assert conn.execute("SELECT status FROM sandbox.orders WHERE id = '#1'").fetchone()["status"] == "pending"
    out = await approve(aconn, case_id, "cancel_order", args, key)
    assert out.status == "cancelled"
    assert [name for name, _ in vendors.shopify.mutations] == ["orderCancel"]  # read first, not sent again
    [row] = rows(conn, case_id)
    assert (row["status"], row["detail"]) == ("answered", "found done when read before writing again")
    assert conn.execute("SELECT status FROM sandbox.orders WHERE id = '#1'").fetchone()["status"] == "cancelled"


async def test_killed_after_woocommerce_refunded_resumes_by_reading_the_refunds(
        monkeypatch: pytest.MonkeyPatch, contract_server: Any, vendors: Vendors, database_url: str, conn, aconn):
    assert vendors.woo is not None
    set_modes(monkeypatch, contract_server[0], woocommerce="live")
    vendors.woo.hold_answers = threading.Event()
    case_id = new_case(conn, "#3")
    key, args = f"{case_id}:k3", {"order_id": "#3", "amount": "20.00", "reason": "damaged"}
    worker = start_worker(database_url, case_id, "refund_payment", args, key)
    wait_until(lambda: len(vendors.woo.refunds["3"]) == 1, "WooCommerce refunded", worker)  # type: ignore[union-attr]
    kill(worker)
    vendors.woo.hold_answers.set()
    assert [r["status"] for r in rows(conn, case_id)] == ["sending"]
    await approve(aconn, case_id, "refund_payment", args, key)
    assert len(vendors.woo.refunds["3"]) == 1  # WooCommerce has no key: the refunds list showed it done
    [row] = rows(conn, case_id)
    assert (row["status"], row["detail"]) == ("answered", "found done when read before writing again")
    assert [m for m, p, _ in vendors.woo.requests if p.endswith("/refunds")] == ["GET", "POST", "GET"]


async def test_killed_after_magento_refunded_resumes_without_a_second_credit_memo(
        monkeypatch: pytest.MonkeyPatch, contract_server: Any, vendors: Vendors, database_url: str, conn, aconn):
    assert vendors.magento is not None
    set_modes(monkeypatch, contract_server[0], magento="live")
    vendors.magento.hold_answers, vendors.magento.hold_only = threading.Event(), "/refund"
    case_id = new_case(conn, "#3")
    key, args = f"{case_id}:k4", {"order_id": "#3", "amount": "20.00", "reason": "damaged"}
    order = vendors.magento.by_number("3")
    worker = start_worker(database_url, case_id, "refund_payment", args, key)
    wait_until(lambda: order["total_refunded"] == 20.0, "Magento refunded", worker)
    kill(worker)
    vendors.magento.hold_answers.set()
    assert [r["status"] for r in rows(conn, case_id)] == ["answered", "sending"]  # the marker comment, the refund
    await approve(aconn, case_id, "refund_payment", args, key)
    assert order["total_refunded"] == 20.0  # read before writing again: no second credit memo
    assert sum(1 for m, p, _ in vendors.magento.requests if p.endswith("/refund")) == 1
    assert len(order["status_histories"]) == 1  # the marker comment was not posted twice either
    assert [(r["status"], r["detail"]) for r in rows(conn, case_id)] == [
        ("answered", None), ("answered", "found done when read before writing again")]


@pytest.mark.parametrize("system", ["zendesk", "gorgias", "freshdesk"])
async def test_killed_after_a_helpdesk_reply_was_posted_resumes_without_posting_it_twice(
        system: str, monkeypatch: pytest.MonkeyPatch, contract_server: Any, vendors: Vendors, database_url: str,
        conn, aconn):
    from tests.connectors.test_helpdesk import BODY, thread

    set_modes(monkeypatch, contract_server[0], **{system: "live"})
    vendors.helpdesks.hold_answers = threading.Event()
    ticket = thread(conn, system)
    case_id = new_case(conn, "#2")
    key, args = f"{case_id}:k5", {"ticket_id": ticket, "scenario": "delivery_update", "body": BODY}
    worker = start_worker(database_url, case_id, "send_customer_message", args, key)
    wait_until(lambda: len(vendors.helpdesks.received) == 1, f"{system} posted the reply", worker)
    kill(worker)
    vendors.helpdesks.hold_answers.set()
    assert [r["status"] for r in rows(conn, case_id)] == ["sending"]
    await approve(aconn, case_id, "send_customer_message", args, key)
    assert len(vendors.helpdesks.received) == 1  # the thread was read: the reply is there, not posted again
    [row] = rows(conn, case_id)
    assert (row["status"], row["detail"]) == ("answered", "recovered by reading back")
    [posted] = next(iter(vendors.helpdesks.threads.values()))
    assert BODY in str(posted)


class HeldInbox:
    """An SMTP server that takes the message, then holds its 250 until the test lets it go."""

    def __init__(self) -> None:
        self.messages: list[bytes] = []
        self.release = threading.Event()

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802 - aiosmtpd's hook name
        import asyncio

        self.messages.append(envelope.original_content)
        await asyncio.get_running_loop().run_in_executor(None, self.release.wait, 30)
        return "250 OK"


async def test_killed_after_an_email_reached_the_smtp_server_it_is_not_sent_again_blind(
        monkeypatch: pytest.MonkeyPatch, contract_server: Any, vendors: Vendors, database_url: str, conn, aconn):
    """SMTP has no read-back and no idempotency key: the resumed call refuses to send a second copy and says
    why, so a person checks the sent mail (the case is not marked done)."""
    import socket

    from aiosmtpd.controller import Controller

    from copilot.core.errors import ConnectorError
    from tests.connectors.test_helpdesk import BODY, thread

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    inbox = HeldInbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        set_modes(monkeypatch, contract_server[0], email="live")
        for name, value in {"SMTP_HOST": "127.0.0.1", "SMTP_PORT": str(port), "STARTTLS": "false",
                            "FROM_ADDRESS": "help@shop.example"}.items():
            monkeypatch.setenv(f"COPILOT_EMAIL_{name}", value)
        ticket = thread(conn, "email")
        case_id = new_case(conn, "#2")
        key, args = f"{case_id}:k6", {"ticket_id": ticket, "scenario": "delivery_update", "body": BODY}
        worker = start_worker(database_url, case_id, "send_customer_message", args, key)
        wait_until(lambda: len(inbox.messages) == 1, "the SMTP server took the message", worker)
        kill(worker)
        inbox.release.set()
        assert [r["status"] for r in rows(conn, case_id)] == ["sending"]
        with pytest.raises(ConnectorError, match="may have been delivered, so it is not sent again") as raised:
            await approve(aconn, case_id, "send_customer_message", args, key)
        assert raised.value.reason == "delivery_unknown" and f"rdc-{case_id}-k6" in raised.value.message
        assert len(inbox.messages) == 1  # one copy reached the server; the resume sent none
    finally:
        controller.stop()
