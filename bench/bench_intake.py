"""Webhook intake throughput: signed vendor deliveries through the real HTTP app (uvicorn, loopback), each
one stored raw, verified, parsed, deduped, and routed into a case, with 16 concurrent senders."""

from __future__ import annotations

import asyncio
import json
import os
import sys
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

import httpx

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from bench.common import bench_database, machine  # noqa: E402
from bench.serve import HEADER, row, served  # noqa: E402
from copilot.core import db  # noqa: E402
from copilot.core.settings import Settings  # noqa: E402
from copilot.intake import signatures as sig  # noqa: E402
from copilot.workflow.runtime import reset_desk  # noqa: E402
from tools.connectors.sandbox.generator import generate_world  # noqa: E402
from tools.connectors.sandbox.store import write_world  # noqa: E402

DELIVERIES = int(os.environ.get("BENCH_DELIVERIES", "3000"))
CLIENTS = 16
PAYLOADS = Path(__file__).resolve().parents[1] / "tests" / "fixtures" / "payloads"
SECRETS = Settings()  # the dev secrets the served app verifies with


def _fixture(rel: str) -> dict:
    return json.loads((PAYLOADS / rel).read_text())


def _dumps(obj: object) -> bytes:
    return json.dumps(obj, separators=(",", ":")).encode()


def delivery(i: int, run: str, order: str) -> tuple[str, bytes, dict[str, str]]:
    """One of four real vendor formats, signed the way the vendor signs it, with a fresh event id."""
    json_type = {"Content-Type": "application/json"}
    kind = i % 4
    if kind == 0:
        event = _fixture("stripe/payment_intent.payment_failed.json")
        event["id"], event["data"]["object"]["metadata"] = f"evt_{run}_{i}", {"order_id": order}
        body = _dumps(event)
        stamp = int(datetime.now(UTC).timestamp())
        secret = SECRETS.stripe_webhook_secret.get_secret_value()
        return "/webhooks/stripe", body, json_type | {"Stripe-Signature": sig.sign_stripe(secret, body, stamp)}
    if kind == 1:
        tracker = _fixture("easypost/tracker.updated_return_to_sender.json")
        tracker["id"], tracker["result"]["reference"] = f"evt_{run}_{i}", order
        body = _dumps(tracker)
        secret = SECRETS.easypost_webhook_secret.get_secret_value()
        return "/webhooks/easypost", body, json_type | {"X-Hmac-Signature": sig.sign_easypost(secret, body)}
    if kind == 2:
        body = _dumps(_fixture("shopify/orders_updated_risky.json") | {"name": order})
        secret = SECRETS.shopify_webhook_secret.get_secret_value()
        return "/webhooks/shopify", body, json_type | {
            "X-Shopify-Hmac-Sha256": sig.sign_shopify(secret, body), "X-Shopify-Topic": "orders/updated",
            "X-Shopify-Webhook-Id": f"wh-{run}-{i}"}
    ticket = _fixture("helpdesk/zendesk_ticket_created.json") | {"id": f"zd-{run}-{i}"}
    ticket["detail"] |= {"id": f"{run}{i}", "description": f"Order {order} arrived damaged, the screen is cracked."}
    ticket["subject"] = f"zen:ticket:{run}{i}"
    body = _dumps(ticket)
    stamp = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    secret = SECRETS.zendesk_webhook_secret.get_secret_value()
    return "/webhooks/helpdesk/zendesk", body, json_type | {
        "X-Zendesk-Webhook-Signature": sig.sign_zendesk(secret, body, stamp),
        "X-Zendesk-Webhook-Signature-Timestamp": stamp}


async def send_all(base: str, plan: list[tuple[str, bytes, dict[str, str]]]) -> tuple[list[float], float, dict]:
    queue: asyncio.Queue[tuple[str, bytes, dict[str, str]]] = asyncio.Queue()
    for item in plan:
        queue.put_nowait(item)
    latencies: list[float] = []
    statuses: dict[int | str, int] = {}

    async def sender(client: httpx.AsyncClient) -> None:
        while not queue.empty():
            path, body, headers = queue.get_nowait()
            started = time.perf_counter()
            try:
                code: int | str = (await client.post(path, content=body, headers=headers)).status_code
            except httpx.TimeoutException:
                code = "timeout"
            latencies.append(time.perf_counter() - started)
            statuses[code] = statuses.get(code, 0) + 1

    limits = httpx.Limits(max_connections=CLIENTS, max_keepalive_connections=CLIENTS)
    async with httpx.AsyncClient(base_url=base, limits=limits, timeout=30) as client:
        started = time.perf_counter()
        await asyncio.gather(*(sender(client) for _ in range(CLIENTS)))
        return latencies, time.perf_counter() - started, statuses


def main() -> None:
    url = bench_database("copilot_bench_intake")
    now = datetime.now(UTC).replace(second=0, microsecond=0)
    world = generate_world(seed=5, now=now, n_orders=4000, n_customers=600, n_exceptions=0)
    with db.connect(url, autocommit=True) as conn:
        reset_desk(conn)
        write_world(conn, world)
    orders = [o.id for o in world.orders]
    run = uuid.uuid4().hex[:8]
    plan = [delivery(i, run, orders[i % len(orders)]) for i in range(DELIVERIES)]
    print(f"machine: {machine()}")
    print(f"{DELIVERIES} signed deliveries (Stripe, EasyPost, Shopify, Zendesk in turn; {len(orders)} sandbox orders)")
    print(f"from {CLIENTS} concurrent senders to one uvicorn process on loopback (first 200 are warm-up); each is"
          " stored raw,\nverified, parsed, deduped and routed into a case (case builder + triage + embedding) before"
          " its 200.")
    with served(url) as base:
        asyncio.run(send_all(base, plan[:200]))  # warm-up: connections, caches, prepared plans
        with db.connect(url, autocommit=True) as conn:
            before = conn.execute("SELECT count(*) AS n FROM signals").fetchone()["n"]
        latencies, elapsed, statuses = asyncio.run(send_all(base, plan[200:]))
        with db.connect(url, autocommit=True) as conn:
            stored = conn.execute("SELECT count(*) AS n FROM signals").fetchone()["n"] - before
            cases = conn.execute("SELECT count(*) AS n FROM cases").fetchone()["n"]
    print(HEADER)
    print(row("webhook delivery round trip (signed, 16 senders)", latencies, elapsed))
    print(f"signals stored: {stored} of {len(plan) - 200} sent in {elapsed:.1f} s = {stored / elapsed:.0f} signals/s;"
          f" HTTP statuses {statuses}; {cases} cases open")


if __name__ == "__main__":
    main()
