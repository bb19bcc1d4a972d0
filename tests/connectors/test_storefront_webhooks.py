"""WooCommerce and Adobe Commerce webhooks on the real app: verified on the raw body, stored raw, parsed into
order signals and cases like Shopify's; a forged signature answers 401 and stores nothing. Bodies are the
vendors' own examples (WooCommerce's order example; Adobe's order fields in its documented envelope)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from pydantic import SecretStr

from tests.api.test_webhooks_support import counts, delta, make_client, unique
from tests.connectors.conftest import CONTRACTS

WC_SECRET = "wc-test-secret"
KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)
PUBLIC_PEM = KEY.public_key().public_bytes(serialization.Encoding.PEM,
                                           serialization.PublicFormat.SubjectPublicKeyInfo).decode()


def wc_order(number: str, status: str = "processing") -> bytes:
    order = json.loads((CONTRACTS / "woocommerce" / "examples" / "orders__retrieve-an-order__response.json").read_text())
    return json.dumps({**order, "number": number, "status": status}).encode()


def wc_headers(body: bytes, topic: str = "order.updated", secret: str = WC_SECRET) -> dict[str, str]:
    signature = base64.b64encode(hmac.new(secret.encode(), body, hashlib.sha256).digest()).decode()
    return {"content-type": "application/json", "x-wc-webhook-topic": topic, "x-wc-webhook-resource": "order",
            "x-wc-webhook-signature": signature, "x-wc-webhook-delivery-id": unique("d")}


def adobe_body(increment_id: str, status: str = "canceled") -> bytes:
    order = {"entity_id": 42, "increment_id": increment_id, "status": status, "state": status,
             "customer_email": "roni_cost@example.com", "customer_firstname": "Veronica",
             "customer_lastname": "Costello", "grand_total": 36.39, "order_currency_code": "USD",
             "updated_at": "2025-01-06 14:30:00"}
    return json.dumps({"eventName": "observer.sales_order_save_after", "data": {"order": order}}).encode()


def adobe_signature(body: bytes, key: rsa.RSAPrivateKey = KEY) -> str:
    signed = key.sign(base64.b64encode(body), padding.PKCS1v15(), hashes.SHA256())
    return base64.b64encode(signed).decode()


def test_a_woocommerce_order_webhook_becomes_a_signal_and_a_case(database_url, conn):
    number = unique("7")
    body = wc_order(number, status="cancelled")
    with make_client(database_url, woocommerce_webhook_secret=SecretStr(WC_SECRET)) as client:
        res = client.post("/webhooks/woocommerce", content=body, headers=wc_headers(body))
    assert res.status_code == 200, res.text
    out = res.json()
    raw = conn.execute("SELECT source, body FROM raw_deliveries WHERE id = %s", (out["raw_id"],)).fetchone()
    assert (raw["source"], bytes(raw["body"])) == ("woocommerce", body)
    signal = conn.execute("SELECT kind, order_id, customer_email, payload FROM signals WHERE id = %s",
                          (out["signal_id"],)).fetchone()
    assert (signal["kind"], signal["order_id"], signal["customer_email"]) == ("order_cancelled", f"#{number}",
                                                                              "john.doe@example.com")
    assert signal["payload"]["amount"] == "29.35"
    assert conn.execute("SELECT order_id FROM cases WHERE id = %s", (out["case_id"],)).fetchone()["order_id"] == \
        f"#{number}"


def test_a_forged_woocommerce_signature_answers_401_and_stores_nothing(database_url, conn):
    body = wc_order(unique("7"))
    before = counts(conn)
    with make_client(database_url, woocommerce_webhook_secret=SecretStr(WC_SECRET)) as client:
        res = client.post("/webhooks/woocommerce", content=body, headers=wc_headers(body, secret="guessed"))
    assert res.status_code == 401
    assert "X-WC-Webhook-Signature does not match the body" in res.text
    assert delta(before, counts(conn)).get("raw_deliveries", 0) == 0


def test_the_woocommerce_ping_answers_200(database_url):
    with make_client(database_url, woocommerce_webhook_secret=SecretStr(WC_SECRET)) as client:
        res = client.post("/webhooks/woocommerce", content=b"webhook_id=17",
                          headers={"content-type": "application/x-www-form-urlencoded"})
    assert (res.status_code, res.json()) == (200, {"outcome": "ping"})


def test_an_adobe_commerce_webhook_is_verified_with_the_public_key(database_url, conn):
    increment = unique("0000")
    body = adobe_body(increment)
    with make_client(database_url, adobe_commerce_webhook_public_key=PUBLIC_PEM) as client:
        res = client.post("/webhooks/adobe-commerce", content=body,
                          headers={"content-type": "application/json",
                                   "x-adobe-commerce-webhook-signature": adobe_signature(body)})
    assert res.status_code == 200, res.text
    assert res.json()["op"] == "success"
    signal = conn.execute("SELECT source, kind, order_id, customer_email FROM signals WHERE id = %s",
                          (res.json()["signal_id"],)).fetchone()
    assert (signal["source"], signal["kind"], signal["order_id"], signal["customer_email"]) == (
        "magento", "order_cancelled", f"#{increment}", "roni_cost@example.com")


def test_an_adobe_commerce_signature_from_another_key_answers_401(database_url, conn):
    body = adobe_body(unique("0000"))
    other = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    before = counts(conn)
    with make_client(database_url, adobe_commerce_webhook_public_key=PUBLIC_PEM) as client:
        forged = client.post("/webhooks/adobe-commerce", content=body,
                             headers={"x-adobe-commerce-webhook-signature": adobe_signature(body, other)})
        tampered = client.post("/webhooks/adobe-commerce", content=body.replace(b"36.39", b"0.01"),
                               headers={"x-adobe-commerce-webhook-signature": adobe_signature(body)})
    assert (forged.status_code, tampered.status_code) == (401, 401)
    assert delta(before, counts(conn)).get("raw_deliveries", 0) == 0
