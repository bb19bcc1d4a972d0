"""Sender verification: signatures computed independently here must pass; anything else must be refused."""

from __future__ import annotations

import base64
import hashlib
import hmac
from datetime import UTC, datetime, timedelta

import pytest

from copilot.core.errors import Unauthorized
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
    stamp, at = "2025-01-02T10:00:01Z", datetime(2025, 1, 2, 10, 0, 1, tzinfo=UTC)
    sig.verify_zendesk(SECRET, BODY, _b64(SECRET, stamp.encode() + BODY), stamp, at)
    with pytest.raises(Unauthorized, match="does not match"):
        sig.verify_zendesk(SECRET, BODY, _b64(SECRET, stamp.encode() + BODY), "2025-01-02T10:00:02Z", at)
    with pytest.raises(Unauthorized, match="missing X-Zendesk-Webhook-Signature-Timestamp"):
        sig.verify_zendesk(SECRET, BODY, _b64(SECRET, BODY), None, at)


def test_zendesk_tolerance_is_five_minutes_either_way_so_a_replay_from_last_week_is_refused():
    stamp = "2025-01-02T10:00:00Z"
    signature, signed = _b64(SECRET, stamp.encode() + BODY), datetime(2025, 1, 2, 10, 0, tzinfo=UTC)
    for off in (300, -300, 0):
        sig.verify_zendesk(SECRET, BODY, signature, stamp, signed + timedelta(seconds=off))
    for off in (301, -301, 7 * 86400):
        with pytest.raises(Unauthorized, match="X-Zendesk-Webhook-Signature-Timestamp is more than 300 s from now"):
            sig.verify_zendesk(SECRET, BODY, signature, stamp, signed + timedelta(seconds=off))


@pytest.mark.parametrize("stamp", [
    "2025-01-02T10:00:00Z", "2025-01-02T10:00:00.000Z", "2025-01-02T10:00:00z", "2025-01-02T11:00:00+01:00",
    "2025-01-02T05:00:00-05:00", "2025-01-02 10:00:00", "2025-01-02T10:00:00", "1735812000",
])
def test_zendesk_timestamps_in_any_iso_8601_form_or_unix_seconds_are_read_as_the_same_instant(stamp):
    at = datetime(2025, 1, 2, 10, 0, tzinfo=UTC)
    assert sig.parse_stamp(stamp) == at
    sig.verify_zendesk(SECRET, BODY, _b64(SECRET, stamp.encode() + BODY), stamp, at + timedelta(seconds=299))


@pytest.mark.parametrize("stamp", ["yesterday", "2025-01-02", "2025-13-02T10:00:00Z", "2025-01-02T10:00:00+99:00",
                                   "9" * 40, "\u00b2\u00b3\u00b9", "t=1735812000"])
def test_an_unreadable_but_signed_zendesk_timestamp_is_refused_with_a_clear_message(stamp):
    with pytest.raises(Unauthorized, match="X-Zendesk-Webhook-Signature-Timestamp is not an ISO-8601 time"):
        sig.verify_zendesk(SECRET, BODY, _b64(SECRET, stamp.encode() + BODY), stamp, AT_T)


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
