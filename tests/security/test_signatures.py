"""Every intake door checks its sender on the raw body: a missing, wrong or tampered signature is a 401
that stores nothing but a security log line; Stripe refuses a replay outside its 5-minute tolerance; and a
verbatim redelivery of any signed delivery is a duplicate, never a second signal."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

import pytest

from copilot.intake import signatures as sig
from tests.api.test_webhooks_support import (
    FIXTURES,
    NOW,
    SECRETS,
    dumps,
    fixture,
    make_client,
    unique,
)

Sign = Callable[[bytes, str], dict[str, str]]  # (body, secret) -> headers


@dataclass
class Door:
    name: str
    path: str
    body: Callable[[], bytes]
    sign: Sign
    secret: str
    signs_body: bool = True  # Gorgias, Freshdesk and the API-key doors present a shared secret instead


def _stripe_body() -> bytes:
    event = fixture("stripe/payment_intent.payment_failed.json")
    event["id"] = unique("evt_")
    return dumps(event)


def _shopify_body() -> bytes:
    return dumps(fixture("shopify/orders_updated_risky.json") | {"name": f"#S{unique('')}"})


def _easypost_body() -> bytes:
    event = fixture("easypost/tracker.updated.json")
    event["id"] = unique("evt_")
    return dumps(event)


def _zendesk_body() -> bytes:
    return dumps(fixture("helpdesk/zendesk_ticket_created.json") | {"id": unique("zd-")})


def _gorgias_body() -> bytes:
    body = fixture("helpdesk/gorgias_ticket.json")
    body["ticket"]["id"] = unique("g")
    return dumps(body)


def _freshdesk_body() -> bytes:
    body = fixture("helpdesk/freshdesk_webhook.json")
    body["freshdesk_webhook"]["ticket_id"] = unique("f")
    return dumps(body)


def _email_body() -> bytes:
    return (FIXTURES / "email/wismo.eml").read_bytes().replace(b"wismo-1018", unique("sec-").encode())


def _threepl_body() -> bytes:
    return dumps([{"order": "#1001", "sku": "SKU-1", "warehouse": "WH-EAST", "exception_code": "short_pick",
                   "exception_id": unique("3pl-")}])


JSON = {"Content-Type": "application/json"}
DOORS = [
    Door("stripe", "/webhooks/stripe", _stripe_body,
         lambda b, s: JSON | {"Stripe-Signature": sig.sign_stripe(s, b, int(NOW.timestamp()))}, SECRETS["stripe"]),
    Door("shopify", "/webhooks/shopify", _shopify_body,
         lambda b, s: JSON | {"X-Shopify-Hmac-Sha256": sig.sign_shopify(s, b), "X-Shopify-Topic": "orders/updated",
                              "X-Shopify-Webhook-Id": "wh-" + sig.sign_shopify("id", b)[:12]},
         SECRETS["shopify"]),
    Door("easypost", "/webhooks/easypost", _easypost_body,
         lambda b, s: JSON | {"X-Hmac-Signature": sig.sign_easypost(s, b)}, SECRETS["easypost"]),
    Door("zendesk", "/webhooks/helpdesk/zendesk", _zendesk_body,
         lambda b, s: JSON | {"X-Zendesk-Webhook-Signature": sig.sign_zendesk(s, b, "2025-01-06T15:00:00Z"),
                              "X-Zendesk-Webhook-Signature-Timestamp": "2025-01-06T15:00:00Z"}, SECRETS["zendesk"]),
    Door("gorgias", "/webhooks/helpdesk/gorgias", _gorgias_body,
         lambda b, s: JSON | {"X-Webhook-Secret": s}, SECRETS["gorgias"], signs_body=False),
    Door("freshdesk", "/webhooks/helpdesk/freshdesk", _freshdesk_body,
         lambda b, s: JSON | {"X-Webhook-Secret": s}, SECRETS["freshdesk"], signs_body=False),
    Door("email", "/intake/email", _email_body,
         lambda b, s: {"Content-Type": "message/rfc822", "X-Api-Key": s}, "intake-test-key", signs_body=False),
    Door("threepl", "/intake/3pl", _threepl_body,
         lambda b, s: JSON | {"Authorization": f"Bearer {s}"}, "intake-test-key", signs_body=False),
]
SIGNATURE_HEADERS = {"stripe-signature", "x-shopify-hmac-sha256", "x-hmac-signature", "x-zendesk-webhook-signature",
                     "x-webhook-secret", "x-api-key", "authorization"}


def _stored(conn) -> dict[str, int]:
    return conn.execute("SELECT (SELECT count(*) FROM raw_deliveries) AS raw, (SELECT count(*) FROM signals) AS"
                        " signals, (SELECT count(*) FROM security_log) AS security").fetchone()


def _attempts(door: Door) -> dict[str, tuple[bytes, dict[str, str]]]:
    body = door.body()
    good = door.sign(body, door.secret)
    missing = {k: v for k, v in good.items() if k.lower() not in SIGNATURE_HEADERS}
    attempts = {"missing": (body, missing), "wrong secret": (body, door.sign(body, door.secret + "-not"))}
    if door.signs_body:
        attempts["tampered body"] = (body.replace(b"}", b' , "extra": 1}', 1), good)
    return attempts


@pytest.mark.parametrize("door", DOORS, ids=[d.name for d in DOORS])
def test_missing_wrong_or_tampered_signature_is_401_and_stores_nothing(database_url, conn, door):
    with make_client(database_url) as client:
        for what, (body, headers) in _attempts(door).items():
            before = _stored(conn)
            answer = client.post(door.path, content=body, headers=headers)
            after = _stored(conn)
            assert answer.status_code == 401, (what, answer.text)
            assert answer.json()["error"]["code"] == "unauthorized", what
            assert (after["raw"], after["signals"]) == (before["raw"], before["signals"]), what
            assert after["security"] == before["security"] + 1, what
        logged = conn.execute("SELECT source, reason FROM security_log ORDER BY id DESC LIMIT 1").fetchone()
        assert logged["source"] == door.name and logged["reason"]


@pytest.mark.parametrize("door", DOORS, ids=[d.name for d in DOORS])
def test_a_verbatim_redelivery_of_a_signed_delivery_is_a_duplicate(database_url, conn, door):
    body = door.body()
    headers = door.sign(body, door.secret)
    with make_client(database_url) as client:
        before = _stored(conn)
        first = client.post(door.path, content=body, headers=headers)
        again = client.post(door.path, content=body, headers=headers)
    assert first.status_code == 200, first.text
    assert again.status_code == 200, again.text
    after = _stored(conn)
    assert after["signals"] - before["signals"] == 1
    assert after["raw"] - before["raw"] == 2
    outcome = again.json()
    outcome = outcome["results"][0] if "results" in outcome else outcome
    assert outcome["outcome"] == "duplicate"


@pytest.mark.parametrize(("age", "accepted"), [
    (timedelta(seconds=-301), False), (timedelta(seconds=301), False), (timedelta(hours=-6), False),
    (timedelta(seconds=-290), True), (timedelta(seconds=290), True),
])
def test_stripe_refuses_a_signature_outside_its_tolerance(database_url, conn, age, accepted):
    body = _stripe_body()
    stamp = int((NOW + age).timestamp())
    headers = JSON | {"Stripe-Signature": sig.sign_stripe(SECRETS["stripe"], body, stamp)}
    before = _stored(conn)
    with make_client(database_url) as client:
        answer = client.post("/webhooks/stripe", content=body, headers=headers)
    after = _stored(conn)
    if accepted:
        assert answer.status_code == 200, answer.text
        assert after["signals"] == before["signals"] + 1
    else:
        assert answer.status_code == 401
        assert "replay" in answer.json()["error"]["message"]
        assert after["raw"] == before["raw"]


def test_a_stripe_signature_for_one_timestamp_does_not_verify_another(database_url, conn):
    """Re-stamping a captured delivery with a fresh t= (to slip inside the tolerance) breaks its v1."""
    body = _stripe_body()
    old = sig.sign_stripe(SECRETS["stripe"], body, int((NOW - timedelta(hours=1)).timestamp()))
    restamped = old.replace(old.split(",")[0], f"t={int(NOW.timestamp())}")
    with make_client(database_url) as client:
        answer = client.post("/webhooks/stripe", content=body, headers=JSON | {"Stripe-Signature": restamped})
    assert answer.status_code == 401
    assert "does not match" in answer.json()["error"]["message"]
