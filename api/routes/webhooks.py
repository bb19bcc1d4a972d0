"""Vendor webhooks: verify the sender on the raw body, then hand the delivery to intake."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterable
from datetime import datetime
from enum import StrEnum

import psycopg
from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse
from psycopg import AsyncConnection
from psycopg.rows import DictRow

from api.deps import connection, now_of
from copilot.core.errors import Unauthorized
from copilot.core.models import Strict
from copilot.intake import signatures as sig
from copilot.intake.ingest import IngestOutcome, ingest_delivery
from copilot.intake.security_log import record_rejection

log = logging.getLogger(__name__)
COMMON_HEADERS = ("content-type", "user-agent", "x-request-id")


class IngestAnswer(Strict):
    outcome: str
    raw_id: int
    signal_id: int | None = None
    case_id: int | None = None
    dead_letter_id: int | None = None
    error: str | None = None


def chosen_headers(request: Request, names: Iterable[str]) -> dict[str, str]:
    """Headers worth keeping with the raw body; never the ones that carry a secret."""
    wanted = (*COMMON_HEADERS, *names)
    return {n: request.headers[n] for n in wanted if n in request.headers}


async def log_rejection(conn: psycopg.AsyncConnection[DictRow], request: Request, source: str,
                        exc: Unauthorized, now: datetime) -> None:
    remote = request.client.host if request.client else None
    await record_rejection(conn, now, source, exc.message, remote)


def answer(outcome: IngestOutcome, *, refuse: bool = True) -> JSONResponse:
    """The HTTP answer for an ingested delivery. `refuse=False` (vendor webhooks) answers every authentic body
    2xx: it is kept either way, and a 4xx would only make the sender retry the same bytes (Shopify, Stripe and
    EasyPost retry any non-2xx for hours to days and disable endpoints that keep failing)."""
    body = IngestAnswer(**outcome.model_dump(include=set(IngestAnswer.model_fields)))
    if outcome.rejected_status and refuse:
        error = {"code": outcome.rejected_code, "message": outcome.error.split(": ", 1)[-1] if outcome.error else ""}
        kept = body.model_dump(exclude={"error"})
        return JSONResponse({"error": error, **kept}, status_code=outcome.rejected_status)
    status = 202 if outcome.outcome == "dead_letter" else 200
    return JSONResponse(body.model_dump(), status_code=status)


router = APIRouter(prefix="/webhooks", tags=["intake"])
SHARED_SECRET_HEADER = "x-webhook-secret"
RESPONSES: dict[int | str, dict] = {
    200: {"model": IngestAnswer, "description": "a new signal, or a duplicate (a no-op)"},
    202: {"model": IngestAnswer, "description": "authentic but not usable (malformed JSON, an unknown topic or "
                                                "event type, a shape we cannot normalize): kept as a dead letter, "
                                                "`error` says why; a retry would not help"},
    401: {"description": "bad or missing signature (nothing stored but a security log line): the sender retries"},
    413: {"description": "body larger than COPILOT_MAX_BODY_BYTES (nothing stored)"},
    503: {"description": "the database is unavailable: the sender retries"},
}


class Helpdesk(StrEnum):
    zendesk = "zendesk"
    gorgias = "gorgias"
    freshdesk = "freshdesk"


async def _receive(request: Request, conn: AsyncConnection[DictRow], source: str, verify: Callable[[bytes], None],
                   keep: tuple[str, ...]) -> JSONResponse:
    body = await request.body()
    now = now_of(request)
    try:
        verify(body)
    except Unauthorized as exc:
        await log_rejection(conn, request, source, exc, now)
        raise
    outcome = await ingest_delivery(conn, source, chosen_headers(request, keep), body, now)
    return answer(outcome, refuse=False)


def _secret(request: Request, name: str) -> str:
    return getattr(request.app.state.settings, f"{name}_webhook_secret").get_secret_value()


@router.post("/shopify", responses=RESPONSES)
async def shopify(request: Request, conn: AsyncConnection[DictRow] = Depends(connection)) -> JSONResponse:
    """Shopify order, fulfillment and risk webhooks (topic in X-Shopify-Topic)."""
    secret = _secret(request, "shopify")
    return await _receive(
        request, conn, "shopify",
        lambda body: sig.verify_shopify(secret, body, request.headers.get("x-shopify-hmac-sha256")),
        ("x-shopify-topic", "x-shopify-webhook-id", "x-shopify-event-id", "x-shopify-shop-domain",
         "x-shopify-api-version", "x-shopify-triggered-at", "x-shopify-hmac-sha256"),
    )


@router.post("/stripe", responses=RESPONSES)
async def stripe(request: Request, conn: AsyncConnection[DictRow] = Depends(connection)) -> JSONResponse:
    """Stripe payment, dispute, review, early-fraud-warning and refund events."""
    secret, now = _secret(request, "stripe"), now_of(request)
    return await _receive(
        request, conn, "stripe",
        lambda body: sig.verify_stripe(secret, body, request.headers.get("stripe-signature"), now),
        ("stripe-signature",),
    )


@router.post("/easypost", responses=RESPONSES)
async def easypost(request: Request, conn: AsyncConnection[DictRow] = Depends(connection)) -> JSONResponse:
    """EasyPost tracker.created / tracker.updated events."""
    secret = _secret(request, "easypost")
    return await _receive(
        request, conn, "easypost",
        lambda body: sig.verify_easypost(secret, body, request.headers.get("x-hmac-signature")),
        ("x-hmac-signature",),
    )


@router.post("/woocommerce", responses=RESPONSES)
async def woocommerce(request: Request, conn: AsyncConnection[DictRow] = Depends(connection)) -> JSONResponse:
    """WooCommerce order webhooks (topic in X-WC-Webhook-Topic). The ping WooCommerce sends when a webhook is
    created (form body `webhook_id=...`, no signature) answers 200 and stores nothing."""
    if "x-wc-webhook-signature" not in request.headers and (await request.body()).startswith(b"webhook_id="):
        return JSONResponse({"outcome": "ping"})
    secret = _secret(request, "woocommerce")
    return await _receive(
        request, conn, "woocommerce",
        lambda body: sig.verify_woocommerce(secret, body, request.headers.get("x-wc-webhook-signature")),
        ("x-wc-webhook-topic", "x-wc-webhook-resource", "x-wc-webhook-event", "x-wc-webhook-id",
         "x-wc-webhook-delivery-id", "x-wc-webhook-source", "x-wc-webhook-signature"),
    )


@router.post("/adobe-commerce", responses=RESPONSES)
async def adobe_commerce(request: Request, conn: AsyncConnection[DictRow] = Depends(connection)) -> JSONResponse:
    """Adobe Commerce webhooks on orders; the answer is the operation Commerce expects (`{"op": "success"}`)."""
    key = request.app.state.settings.adobe_commerce_webhook_public_key
    response = await _receive(
        request, conn, "magento",
        lambda body: sig.verify_adobe_commerce(key, body, request.headers.get("x-adobe-commerce-webhook-signature")),
        ("x-adobe-commerce-webhook-signature",),
    )
    if response.status_code >= 400:
        return response
    stored = json.loads(bytes(response.body))
    return JSONResponse({"op": "success", **stored}, status_code=200)


@router.post("/helpdesk/{vendor}", responses=RESPONSES)
async def helpdesk(vendor: Helpdesk, request: Request, conn: AsyncConnection[DictRow] = Depends(connection)) -> JSONResponse:
    """Ticket created / updated / customer reply. Zendesk signs; Gorgias and Freshdesk send X-Webhook-Secret."""
    secret = _secret(request, vendor.value)
    keep: tuple[str, ...]
    if vendor is Helpdesk.zendesk:
        def verify(body: bytes) -> None:
            sig.verify_zendesk(secret, body, request.headers.get("x-zendesk-webhook-signature"),
                               request.headers.get("x-zendesk-webhook-signature-timestamp"), now_of(request))
        keep = ("x-zendesk-webhook-id", "x-zendesk-webhook-invocation-id", "x-zendesk-webhook-signature",
                "x-zendesk-webhook-signature-timestamp")
    else:
        def verify(body: bytes) -> None:
            sig.verify_shared_secret(secret, request.headers.get(SHARED_SECRET_HEADER), "X-Webhook-Secret")
        keep = ()
    return await _receive(request, conn, vendor.value, verify, keep)
