"""Sender verification: signatures computed independently here must pass; anything else must be refused."""

from __future__ import annotations

import base64
import hashlib
import hmac
from datetime import UTC, datetime

import pytest

from copilot.errors import Unauthorized
from copilot.intake import signatures as sig

BODY = b'{"id":"evt_1","object":"event","type":"charge.failed"}'
SECRET = "whsec_test"
T = 1_735_689_600
AT_T = datetime.fromtimestamp(T, UTC)


def _hex(secret: str, data: bytes) -> str:
    return hmac.new(secret.encode(), data, hashlib.sha256).hexdigest()


def _b64(secret: str, data: bytes) -> str:
    return base64.b64encode(hmac.new(secret.encode(), data, hashlib.sha256).digest()).decode()


def test_shopify_hmac_base64_of_raw_body():
    sig.verify_shopify(SECRET, BODY, _b64(SECRET, BODY))
    with pytest.raises(Unauthorized, match="does not match"):
        sig.verify_shopify(SECRET, BODY + b" ", _b64(SECRET, BODY))
    with pytest.raises(Unauthorized, match="missing X-Shopify-Hmac-Sha256"):
        sig.verify_shopify(SECRET, BODY, None)


def test_stripe_signature_of_timestamp_dot_body_with_rolled_secrets():
    good = _hex(SECRET, f"{T}.".encode() + BODY)
    sig.verify_stripe(SECRET, BODY, f"t={T},v1={good}", AT_T)
    # During a secret roll Stripe sends one v1 per secret; any match is enough.
    sig.verify_stripe(SECRET, BODY, f"t={T},v1={'0' * 64},v1={good},v0=legacy", AT_T)
    with pytest.raises(Unauthorized, match="does not match"):
        sig.verify_stripe(SECRET, BODY.replace(b"failed", b"refunded"), f"t={T},v1={good}", AT_T)
    with pytest.raises(Unauthorized, match="one t="):
        sig.verify_stripe(SECRET, BODY, f"v1={good}", AT_T)


def test_stripe_tolerance_is_five_minutes_either_way_on_the_injected_clock():
    header = f"t={T},v1={_hex(SECRET, f'{T}.'.encode() + BODY)}"
    sig.verify_stripe(SECRET, BODY, header, datetime.fromtimestamp(T + 300, UTC))
    sig.verify_stripe(SECRET, BODY, header, datetime.fromtimestamp(T - 300, UTC))
    for off in (301, -301):
        with pytest.raises(Unauthorized, match="more than 300 s"):
            sig.verify_stripe(SECRET, BODY, header, datetime.fromtimestamp(T + off, UTC))


def test_easypost_hex_hmac_with_prefix():
    sig.verify_easypost(SECRET, BODY, "hmac-sha256-hex=" + _hex(SECRET, BODY))
    with pytest.raises(Unauthorized, match="must be hmac-sha256-hex"):
        sig.verify_easypost(SECRET, BODY, _hex(SECRET, BODY))
    with pytest.raises(Unauthorized, match="does not match"):
        sig.verify_easypost("other", BODY, "hmac-sha256-hex=" + _hex(SECRET, BODY))


def test_zendesk_signs_timestamp_plus_body():
    stamp = "2025-01-02T10:00:01Z"
    sig.verify_zendesk(SECRET, BODY, _b64(SECRET, stamp.encode() + BODY), stamp)
    with pytest.raises(Unauthorized, match="does not match"):
        sig.verify_zendesk(SECRET, BODY, _b64(SECRET, stamp.encode() + BODY), "2025-01-02T10:00:02Z")
    with pytest.raises(Unauthorized, match="missing X-Zendesk-Webhook-Signature-Timestamp"):
        sig.verify_zendesk(SECRET, BODY, _b64(SECRET, BODY), None)


def test_shared_secret_and_api_key_headers():
    sig.verify_shared_secret(SECRET, SECRET, "X-Webhook-Secret")
    with pytest.raises(Unauthorized, match="not the configured secret"):
        sig.verify_shared_secret(SECRET, SECRET + "x", "X-Webhook-Secret")
    sig.verify_api_key("k1", "Bearer k1", None)
    sig.verify_api_key("k1", None, "k1")
    with pytest.raises(Unauthorized, match="not valid"):
        sig.verify_api_key("k1", "Bearer k2", None)
    with pytest.raises(Unauthorized, match="Authorization: Bearer"):
        sig.verify_api_key("k1", "Basic abc", None)


def test_signing_helpers_match_the_vendor_formats():
    assert sig.sign_shopify(SECRET, BODY) == _b64(SECRET, BODY)
    assert sig.sign_stripe(SECRET, BODY, T) == f"t={T},v1={_hex(SECRET, f'{T}.'.encode() + BODY)}"
    assert sig.sign_easypost(SECRET, BODY) == "hmac-sha256-hex=" + _hex(SECRET, BODY)
