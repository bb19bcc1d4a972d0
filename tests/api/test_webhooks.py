"""Webhooks end to end on the real app and database: verify, keep the raw body, dedupe, dead-letter, route."""

from __future__ import annotations

import pytest

from tests.api.test_webhooks_support import (
    NOW,
    counts,
    delta,
    dumps,
    easypost_headers,
    fixture,
    make_client,
    secret_headers,
    shopify_headers,
    stripe_event,
    stripe_headers,
    unique,
    zendesk_headers,
)


def test_stripe_dispute_is_stored_raw_then_becomes_a_signal_in_a_chargeback_case(database_url, conn):
    order = f"#{unique('D')}"
    event, body = stripe_event("stripe/charge.dispute.created.json", order)
    with make_client(database_url) as client:
        res = client.post("/webhooks/stripe", content=body, headers=stripe_headers(body))
    assert res.status_code == 200, res.text
    out = res.json()
    assert out["outcome"] == "signal"
    raw = conn.execute("SELECT source, body, headers, outcome, signal_id FROM raw_deliveries WHERE id = %s",
                       (out["raw_id"],)).fetchone()
    assert (raw["source"], bytes(raw["body"]), raw["outcome"], raw["signal_id"]) == ("stripe", body, "signal",
                                                                                    out["signal_id"])
    assert raw["headers"]["stripe-signature"].startswith(f"t={int(NOW.timestamp())},v1=")
    signal = conn.execute("SELECT kind, source_event_id, order_id, case_id FROM signals WHERE id = %s",
                          (out["signal_id"],)).fetchone()
    assert (signal["kind"], signal["source_event_id"], signal["order_id"], signal["case_id"]) == (
        "dispute_opened", event["id"], order, out["case_id"])
    case = conn.execute("SELECT category, order_id FROM cases WHERE id = %s", (out["case_id"],)).fetchone()
    assert (case["category"], case["order_id"]) == ("chargeback", order)


@pytest.mark.parametrize(("rel", "category"), [
    ("stripe/radar.early_fraud_warning.created.json", "fraud_hold"),
    ("stripe/review.opened.json", "fraud_hold"),
    ("stripe/payment_intent.payment_failed.json", "payment_failure"),
    ("stripe/charge.failed.json", "payment_failure"),
])
def test_stripe_fixtures_land_in_the_right_category(database_url, conn, rel, category):
    _, body = stripe_event(rel, f"#{unique('S')}")
    with make_client(database_url) as client:
        res = client.post("/webhooks/stripe", content=body, headers=stripe_headers(body))
    assert res.status_code == 200, res.text
    case = conn.execute("SELECT category FROM cases WHERE id = %s", (res.json()["case_id"],)).fetchone()
    assert case["category"] == category


def test_risky_shopify_order_and_returned_parcel_land_in_their_categories(database_url, conn):
    order = fixture("shopify/orders_updated_risky.json")
    order["name"] = f"#{unique('R')}"
    body = dumps(order)
    tracker = fixture("easypost/tracker.updated_return_to_sender.json")
    tracker["id"], tracker["result"]["reference"] = unique("evt_"), f"#{unique('E')}"
    tracker_body = dumps(tracker)
    with make_client(database_url) as client:
        risky = client.post("/webhooks/shopify", content=body,
                            headers=shopify_headers(body, "orders/updated", unique("wh-")))
        parcel = client.post("/webhooks/easypost", content=tracker_body, headers=easypost_headers(tracker_body))
    assert (risky.status_code, parcel.status_code) == (200, 200), (risky.text, parcel.text)
    categories = [conn.execute("SELECT category FROM cases WHERE id = %s", (r.json()["case_id"],)).fetchone()
                  ["category"] for r in (risky, parcel)]
    assert categories == ["fraud_hold", "delivery_exception"]


def test_same_webhook_three_times_makes_one_signal(database_url, conn):
    body = dumps(fixture("shopify/orders_cancelled.json") | {"name": f"#{unique('C')}"})
    headers = shopify_headers(body, "orders/cancelled", unique("wh-"))
    before = counts(conn)
    with make_client(database_url) as client:
        answers = [client.post("/webhooks/shopify", content=body, headers=headers) for _ in range(3)]
    assert [a.status_code for a in answers] == [200, 200, 200]
    assert [a.json()["outcome"] for a in answers] == ["signal", "duplicate", "duplicate"]
    assert len({a.json()["signal_id"] for a in answers}) == 1
    assert delta(before, counts(conn)) | {"security": 0} == {
        "raw": 3, "no_outcome": 0, "signals": 1, "duplicates": 2, "dead_letters": 0, "security": 0}


def test_tampered_body_with_the_old_signature_is_401_and_stores_only_a_security_line(database_url, conn):
    _, body = stripe_event("stripe/charge.refunded.json", f"#{unique('T')}")
    headers = stripe_headers(body)
    tampered = body.replace(b'"amount_refunded":2000', b'"amount_refunded":9000')
    assert tampered != body
    before = counts(conn)
    with make_client(database_url) as client:
        res = client.post("/webhooks/stripe", content=tampered, headers=headers)
    assert res.status_code == 401
    assert res.json()["error"] == {"code": "unauthorized", "message": "Stripe-Signature does not match the body"}
    assert delta(before, counts(conn)) == {"raw": 0, "no_outcome": 0, "signals": 0, "duplicates": 0,
                                           "dead_letters": 0, "security": 1}
    line = conn.execute("SELECT source, reason FROM security_log ORDER BY id DESC LIMIT 1").fetchone()
    assert (line["source"], line["reason"]) == ("stripe", "Stripe-Signature does not match the body")


@pytest.mark.parametrize(("path", "message"), [
    ("/webhooks/shopify", "missing X-Shopify-Hmac-Sha256 header"),
    ("/webhooks/stripe", "missing Stripe-Signature header"),
    ("/webhooks/easypost", "missing X-Hmac-Signature header"),
    ("/webhooks/helpdesk/zendesk", "missing X-Zendesk-Webhook-Signature header"),
    ("/webhooks/helpdesk/gorgias", "missing X-Webhook-Secret header"),
    ("/webhooks/helpdesk/freshdesk", "missing X-Webhook-Secret header"),
])
def test_missing_signature_is_401_on_every_webhook(database_url, conn, path, message):
    before = counts(conn)
    with make_client(database_url) as client:
        res = client.post(path, content=b'{"id": 1}', headers={"Content-Type": "application/json"})
    assert (res.status_code, res.json()["error"]["message"]) == (401, message)
    assert delta(before, counts(conn))["raw"] == 0


def test_stripe_signature_older_than_five_minutes_is_refused(database_url, conn):
    _, body = stripe_event("stripe/charge.failed.json")
    signed_at = NOW
    with make_client(database_url, now=signed_at.replace(minute=5, second=1)) as client:
        late = client.post("/webhooks/stripe", content=body, headers=stripe_headers(body, signed_at))
    with make_client(database_url, now=signed_at.replace(minute=5, second=0)) as client:
        in_time = client.post("/webhooks/stripe", content=body, headers=stripe_headers(body, signed_at))
    assert late.status_code == 401 and "more than 300 s" in late.json()["error"]["message"]
    assert in_time.status_code == 200


def test_malformed_json_and_unknown_topics_are_202_dead_letters_so_senders_stop_retrying(database_url, conn):
    """Shopify, Stripe and EasyPost retry every non-2xx answer (for hours to days) and disable endpoints that
    keep failing; the bytes are kept as a dead letter, so the answer is 202 with the reason."""
    before = counts(conn)
    bad = b'{"id": "evt_x", "type": '
    unknown = dumps(fixture("stripe/customer.created.json") | {"id": unique("evt_")})
    order = dumps(fixture("shopify/orders_create.json"))
    with make_client(database_url) as client:
        malformed = client.post("/webhooks/stripe", content=bad, headers=stripe_headers(bad))
        other_type = client.post("/webhooks/stripe", content=unknown, headers=stripe_headers(unknown))
        topic = client.post("/webhooks/shopify", content=order, headers=shopify_headers(order, "carts/update", "w1"))
    assert malformed.status_code == 202 and malformed.json()["outcome"] == "dead_letter"
    assert malformed.json()["error"].startswith("bad_payload: body is not valid JSON")
    assert other_type.status_code == 202 and "'customer.created' is not handled" in other_type.json()["error"]
    assert topic.status_code == 202 and "'carts/update' is not handled" in topic.json()["error"]
    assert delta(before, counts(conn)) == {"raw": 3, "no_outcome": 0, "signals": 0, "duplicates": 0,
                                           "dead_letters": 3, "security": 0}
    kept = conn.execute("SELECT body FROM raw_deliveries WHERE id = %s", (malformed.json()["raw_id"],)).fetchone()
    assert bytes(kept["body"]) == bad


def test_authentic_but_unparseable_is_a_202_dead_letter(database_url, conn):
    event = fixture("easypost/tracker.updated.json")
    event["id"] = unique("evt_")
    del event["result"]
    body = dumps(event)
    with make_client(database_url) as client:
        res = client.post("/webhooks/easypost", content=body, headers=easypost_headers(body))
    assert res.status_code == 202
    letter = conn.execute("SELECT source, error, raw_id FROM dead_letters WHERE id = %s",
                          (res.json()["dead_letter_id"],)).fetchone()
    assert (letter["source"], letter["error"], letter["raw_id"]) == (
        "easypost", "tracker.updated event carries no Tracker result", res.json()["raw_id"])


def test_helpdesk_vendors_verify_their_own_way_and_secrets_are_not_stored(database_url, conn):
    zendesk = fixture("helpdesk/zendesk_ticket_created.json") | {"id": unique("zd-")}
    zendesk_body = dumps(zendesk)
    gorgias = fixture("helpdesk/gorgias_ticket.json")
    gorgias["ticket"]["id"] = unique("g")
    gorgias_body = dumps(gorgias)
    fresh = fixture("helpdesk/freshdesk_webhook.json")
    fresh["freshdesk_webhook"]["ticket_id"] = unique("f")
    fresh_body = dumps(fresh)
    with make_client(database_url) as client:
        answers = [
            client.post("/webhooks/helpdesk/zendesk", content=zendesk_body, headers=zendesk_headers(zendesk_body)),
            client.post("/webhooks/helpdesk/gorgias", content=gorgias_body, headers=secret_headers("gorgias")),
            client.post("/webhooks/helpdesk/freshdesk", content=fresh_body, headers=secret_headers("freshdesk")),
            client.post("/webhooks/helpdesk/gorgias", content=gorgias_body,
                        headers={"X-Webhook-Secret": "fd-test"}),
        ]
    assert [a.status_code for a in answers] == [200, 200, 200, 401]
    kinds = [conn.execute("SELECT s.kind, s.ticket_id, r.headers FROM signals s JOIN raw_deliveries r"
                          " ON r.id = s.raw_id WHERE s.id = %s", (a.json()["signal_id"],)).fetchone()
             for a in answers[:3]]
    assert [k["ticket_id"] for k in kinds] == ["5158", str(gorgias["ticket"]["id"]),
                                               str(fresh["freshdesk_webhook"]["ticket_id"])]
    assert all("x-webhook-secret" not in k["headers"] for k in kinds)
    assert "x-zendesk-webhook-signature" in kinds[0]["headers"]


def test_unknown_helpdesk_vendor_is_a_clear_4xx(database_url):
    with make_client(database_url) as client:
        res = client.post("/webhooks/helpdesk/intercom", content=b"{}")
    assert res.status_code == 422 and res.json()["error"]["message"].startswith("path.vendor")


def test_exhausted_database_pool_answers_503_so_the_sender_retries(database_url):
    _, body = stripe_event("stripe/charge.failed.json")
    with make_client(database_url, pool_max_size=1) as client:
        pool = client.app.state.pool
        held = client.portal.call(pool.getconn)
        try:
            res = client.post("/webhooks/stripe", content=body, headers=stripe_headers(body))
        finally:
            client.portal.call(pool.putconn, held)
    assert res.status_code == 503 and res.json()["error"]["code"] == "unavailable"


def test_a_case_builder_failure_keeps_the_signal_as_a_dead_letter_not_a_500(database_url, conn, monkeypatch):
    from copilot.intake import ingest

    async def refuses(*_args, **_kwargs):
        raise RuntimeError("builder exploded")

    monkeypatch.setattr(ingest, "route_signal", refuses)
    _, body = stripe_event("stripe/charge.failed.json", f"#{unique('B')}")
    before = counts(conn)
    with make_client(database_url) as client:
        res = client.post("/webhooks/stripe", content=body, headers=stripe_headers(body))
    assert res.status_code == 202 and res.json()["error"] == "case builder failed: builder exploded"
    # The signal insert rolled back with the failed routing: only the raw body and the dead letter remain.
    assert delta(before, counts(conn)) == {"raw": 1, "no_outcome": 0, "signals": 0, "duplicates": 0,
                                           "dead_letters": 1, "security": 0}
