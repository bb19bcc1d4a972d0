"""Sender verification on the raw body, before anything is stored; every failure is an Unauthorized."""

from __future__ import annotations

import base64
import hashlib
import hmac
from datetime import UTC, datetime

from copilot.core.errors import Unauthorized

STRIPE_TOLERANCE_S = 300
# Zendesk documents no tolerance of its own; Stripe's five minutes is the usual window for a signed stamp.
ZENDESK_TOLERANCE_S = 300
ZENDESK_STAMP = "X-Zendesk-Webhook-Signature-Timestamp"


def _hmac(secret: str, data: bytes) -> bytes:
    return hmac.new(secret.encode(), data, hashlib.sha256).digest()


def _equal(expected: str, given: str) -> bool:
    return hmac.compare_digest(expected.encode(), given.encode())


def _require(header: str | None, name: str) -> str:
    if not header or not header.strip():
        raise Unauthorized(f"missing {name} header")
    return header.strip()


def sign_shopify(secret: str, body: bytes) -> str:
    return base64.b64encode(_hmac(secret, body)).decode()


def verify_shopify(secret: str, body: bytes, header: str | None) -> None:
    if not _equal(sign_shopify(secret, body), _require(header, "X-Shopify-Hmac-Sha256")):
        raise Unauthorized("X-Shopify-Hmac-Sha256 does not match the body")


def sign_stripe(secret: str, body: bytes, timestamp: int) -> str:
    digest = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={digest}"


def verify_stripe(secret: str, body: bytes, header: str | None, now: datetime,
                  tolerance_s: int = STRIPE_TOLERANCE_S) -> None:
    parts = [p.split("=", 1) for p in _require(header, "Stripe-Signature").split(",") if "=" in p]
    timestamps = [v.strip() for k, v in parts if k.strip() == "t"]
    candidates = [v.strip() for k, v in parts if k.strip() == "v1"]
    if len(timestamps) != 1 or not timestamps[0].isdigit() or not candidates:
        raise Unauthorized("Stripe-Signature must carry one t=<unix time> and at least one v1=<signature>")
    timestamp = int(timestamps[0])
    expected = sign_stripe(secret, body, timestamp).split("v1=", 1)[1]
    # Compare every v1 (Stripe sends several while a secret is being rolled) without stopping early.
    if not any([_equal(expected, c) for c in candidates]):  # noqa: C419
        raise Unauthorized("Stripe-Signature does not match the body")
    if abs(now.timestamp() - timestamp) > tolerance_s:
        raise Unauthorized(f"Stripe-Signature timestamp is more than {tolerance_s} s from now (replay?)")


def sign_easypost(secret: str, body: bytes) -> str:
    return "hmac-sha256-hex=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def verify_easypost(secret: str, body: bytes, header: str | None) -> None:
    given = _require(header, "X-Hmac-Signature")
    if not given.startswith("hmac-sha256-hex="):
        raise Unauthorized("X-Hmac-Signature must be hmac-sha256-hex=<hex>")
    if not _equal(sign_easypost(secret, body), given):
        raise Unauthorized("X-Hmac-Signature does not match the body")


def sign_zendesk(secret: str, body: bytes, timestamp: str) -> str:
    return base64.b64encode(_hmac(secret, timestamp.encode() + body)).decode()


def verify_zendesk(secret: str, body: bytes, signature: str | None, timestamp: str | None, now: datetime,
                   tolerance_s: int = ZENDESK_TOLERANCE_S) -> None:
    """The signature covers timestamp + body, so a fresh stamp proves a fresh delivery: an old one is a replay."""
    given = _require(signature, "X-Zendesk-Webhook-Signature")
    stamp = _require(timestamp, ZENDESK_STAMP)
    if not _equal(sign_zendesk(secret, body, stamp), given):
        raise Unauthorized("X-Zendesk-Webhook-Signature does not match the timestamp and body")
    signed_at = parse_stamp(stamp)
    if abs(now.timestamp() - signed_at.timestamp()) > tolerance_s:
        raise Unauthorized(f"{ZENDESK_STAMP} is more than {tolerance_s} s from now (replay?)")


def parse_stamp(stamp: str) -> datetime:
    """An ISO-8601 time as Zendesk sends it (2024-05-01T12:00:00Z), with or without fractions or an offset;
    one without a zone is taken as UTC. Unix seconds are accepted too."""
    unreadable = Unauthorized(f"{ZENDESK_STAMP} is not an ISO-8601 time such as 2024-05-01T12:00:00Z")
    try:
        if stamp.isascii() and stamp.isdigit():
            return datetime.fromtimestamp(int(stamp), UTC)
        if len(stamp) <= len("2024-05-01"):  # a bare date says nothing about minutes
            raise unreadable
        parsed = datetime.fromisoformat(stamp.replace("z", "Z"))
        parsed = parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
        parsed.timestamp()  # an aware time at the edge of the calendar can still fail here
    except (ValueError, OverflowError, OSError):
        raise unreadable from None
    return parsed


def verify_shared_secret(secret: str, header: str | None, name: str) -> None:
    """Gorgias and Freshdesk sign nothing; their webhook is configured to send our secret in a header."""
    if not _equal(secret, _require(header, name)):
        raise Unauthorized(f"{name} is not the configured secret")


def verify_api_key(key: str, authorization: str | None, x_api_key: str | None) -> None:
    given = x_api_key
    if authorization and authorization.lower().startswith("bearer "):
        given = authorization[7:].strip()
    if not given:
        raise Unauthorized("send the intake API key as `Authorization: Bearer <key>` or `X-Api-Key`")
    if not _equal(key, given):
        raise Unauthorized("the intake API key is not valid")


def verify_woocommerce(secret: str, body: bytes, header: str | None) -> None:
    """X-WC-Webhook-Signature: base64 HMAC-SHA256 of the raw body with the webhook's secret."""
    if not _equal(base64.b64encode(_hmac(secret, body)).decode(), _require(header, "X-WC-Webhook-Signature")):
        raise Unauthorized("X-WC-Webhook-Signature does not match the body")


def verify_adobe_commerce(public_key_pem: str | None, body: bytes, header: str | None) -> None:
    """x-adobe-commerce-webhook-signature: base64 RSA-SHA256 (PKCS#1 v1.5) signature by Commerce's private key
    over the base64-encoded body, checked with the public key the Admin shows (Adobe's docs say "HMAC" but
    their sample verifies with crypto.createVerify('SHA256') and the public key)."""
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import padding, rsa

    given = _require(header, "x-adobe-commerce-webhook-signature")
    if not public_key_pem:
        raise Unauthorized("no Adobe Commerce webhook public key is configured")
    key = serialization.load_pem_public_key(public_key_pem.encode())
    if not isinstance(key, rsa.RSAPublicKey):
        raise Unauthorized("the Adobe Commerce webhook key is not an RSA public key")
    try:
        key.verify(base64.b64decode(given, validate=True), base64.b64encode(body), padding.PKCS1v15(), hashes.SHA256())
    except (InvalidSignature, ValueError) as exc:
        raise Unauthorized("x-adobe-commerce-webhook-signature does not match the body") from exc
