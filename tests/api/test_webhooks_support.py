"""Signing and counting helpers for the intake API tests (no tests here)."""

from __future__ import annotations

import json
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from pathlib import Path

import httpx
from fastapi.testclient import TestClient

from api.app import create_app
from copilot.core import db
from copilot.core.settings import Settings
from copilot.intake import signatures as sig

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "payloads"
NOW = datetime(2025, 1, 6, 15, 0, tzinfo=UTC)
SETTINGS = Settings(
    worker_on_start=False,
    shopify_webhook_secret="shp-test", stripe_webhook_secret="whsec_test", easypost_webhook_secret="ep-test",
    zendesk_webhook_secret="zd-test", gorgias_webhook_secret="gg-test", freshdesk_webhook_secret="fd-test",
    intake_api_key="intake-test-key",
)
SECRETS = {"shopify": "shp-test", "stripe": "whsec_test", "easypost": "ep-test", "zendesk": "zd-test",
           "gorgias": "gg-test", "freshdesk": "fd-test"}


def make_client(database_url: str, now: datetime = NOW, **settings: object) -> TestClient:
    app = create_app(database_url, SETTINGS.model_copy(update=settings))
    app.state.clock = lambda: now
    return TestClient(app)


def unique(prefix: str = "t") -> str:
    return f"{prefix}{uuid.uuid4().hex[:10]}"


def fixture(rel: str) -> dict:
    return json.loads((FIXTURES / rel).read_text())


def dumps(obj: object) -> bytes:
    return json.dumps(obj, separators=(",", ":")).encode()


def stripe_headers(body: bytes, now: datetime = NOW) -> dict[str, str]:
    return {"Stripe-Signature": sig.sign_stripe(SECRETS["stripe"], body, int(now.timestamp())),
            "Content-Type": "application/json"}


def shopify_headers(body: bytes, topic: str, webhook_id: str) -> dict[str, str]:
    return {"X-Shopify-Hmac-Sha256": sig.sign_shopify(SECRETS["shopify"], body), "X-Shopify-Topic": topic,
            "X-Shopify-Webhook-Id": webhook_id, "Content-Type": "application/json"}


def easypost_headers(body: bytes) -> dict[str, str]:
    return {"X-Hmac-Signature": sig.sign_easypost(SECRETS["easypost"], body), "Content-Type": "application/json"}


def zendesk_headers(body: bytes, stamp: str = "2025-01-06T15:00:00Z") -> dict[str, str]:
    return {"X-Zendesk-Webhook-Signature": sig.sign_zendesk(SECRETS["zendesk"], body, stamp),
            "X-Zendesk-Webhook-Signature-Timestamp": stamp, "Content-Type": "application/json"}


def secret_headers(vendor: str) -> dict[str, str]:
    return {"X-Webhook-Secret": SECRETS[vendor], "Content-Type": "application/json"}


def stripe_event(rel: str, order: str | None = None) -> tuple[dict, bytes]:
    """A fixture event with a fresh event id (and order), so tests sharing one database never collide."""
    event = fixture(rel)
    event["id"] = unique("evt_")
    if order is not None:
        event["data"]["object"]["metadata"] = {"order_id": order}
    return event, dumps(event)


def counts(conn) -> dict[str, int]:
    row = conn.execute(
        "SELECT (SELECT count(*) FROM raw_deliveries) AS raw,"
        " (SELECT count(*) FROM raw_deliveries WHERE outcome IS NULL) AS no_outcome,"
        " (SELECT count(*) FROM signals) AS signals,"
        " (SELECT count(*) FROM raw_deliveries WHERE outcome = 'duplicate') AS duplicates,"
        " (SELECT count(*) FROM dead_letters WHERE replayed_at IS NULL) AS dead_letters,"
        " (SELECT count(*) FROM security_log) AS security"
    ).fetchone()
    return dict(row)


def delta(before: dict[str, int], after: dict[str, int]) -> dict[str, int]:
    return {k: after[k] - before[k] for k in after}


@asynccontextmanager
async def asgi_client(database_url: str, pool_size: int = 10) -> AsyncIterator[httpx.AsyncClient]:
    """The real app in the caller's event loop (httpx over ASGI), so concurrent requests are concurrent
    transactions. ASGITransport skips the lifespan, so the pool is opened here as the lifespan would."""
    app = create_app(database_url, SETTINGS)
    app.state.clock = lambda: NOW
    app.state.pool = db.make_pool(database_url, max_size=pool_size)
    await app.state.pool.open(wait=True, timeout=10)
    try:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://desk",
                                     timeout=60) as client:
            yield client
    finally:
        await app.state.pool.close()
