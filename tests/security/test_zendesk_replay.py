"""Zendesk signs its timestamp with the body, and the stamp is now held to a 5-minute window like Stripe's:
a signed delivery captured last week and replayed today is a 401 that stores nothing but a security log
line, and a stamp that cannot be read as a time is refused with a clear message rather than a 500."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tests.api.test_webhooks_support import NOW, dumps, fixture, make_client, unique, zendesk_headers

PATH = "/webhooks/helpdesk/zendesk"
WEEK = timedelta(days=7)


def _body() -> bytes:
    return dumps(fixture("helpdesk/zendesk_ticket_created.json") | {"id": unique("zd-")})


def _stored(conn) -> dict[str, int]:
    return conn.execute("SELECT (SELECT count(*) FROM raw_deliveries WHERE source = 'zendesk') AS raw,"
                        " (SELECT count(*) FROM signals WHERE source = 'zendesk') AS signals,"
                        " (SELECT count(*) FROM security_log WHERE source = 'zendesk') AS security").fetchone()


def _stamp(at) -> str:
    return at.strftime("%Y-%m-%dT%H:%M:%SZ")


def test_a_signed_delivery_replayed_a_week_later_is_refused(database_url, conn):
    body = _body()
    headers = zendesk_headers(body, _stamp(NOW))
    with make_client(database_url) as client:
        assert client.post(PATH, content=body, headers=headers).status_code == 200
    before = _stored(conn)
    with make_client(database_url, now=NOW + WEEK) as client:
        replay = client.post(PATH, content=body, headers=headers)
    assert replay.status_code == 401, replay.text
    assert replay.json()["error"] == {
        "code": "unauthorized",
        "message": "X-Zendesk-Webhook-Signature-Timestamp is more than 300 s from now (replay?)"}
    after = _stored(conn)
    assert (after["raw"], after["signals"], after["security"]) == (before["raw"], before["signals"],
                                                                    before["security"] + 1)
    reason = conn.execute("SELECT reason FROM security_log WHERE source = 'zendesk' ORDER BY id DESC LIMIT 1")
    assert "more than 300 s" in reason.fetchone()["reason"]


@pytest.mark.parametrize(("age", "accepted"), [
    (-WEEK, False), (timedelta(seconds=-301), False), (timedelta(seconds=301), False),
    (timedelta(seconds=-290), True), (timedelta(seconds=290), True), (timedelta(0), True),
])
def test_zendesk_accepts_only_stamps_within_five_minutes_of_the_clock(database_url, conn, age, accepted):
    body = _body()
    before = _stored(conn)
    with make_client(database_url) as client:
        answer = client.post(PATH, content=body, headers=zendesk_headers(body, _stamp(NOW + age)))
    after = _stored(conn)
    assert answer.status_code == (200 if accepted else 401), answer.text
    assert after["signals"] - before["signals"] == (1 if accepted else 0)


@pytest.mark.parametrize("stamp", ["last tuesday", "2025-01-06", "2025-01-06T25:00:00Z", "9" * 40])
def test_an_unreadable_signed_stamp_is_a_clear_401_not_a_500(database_url, conn, stamp):
    body = _body()
    before = _stored(conn)
    with make_client(database_url) as client:
        answer = client.post(PATH, content=body, headers=zendesk_headers(body, stamp))
    assert answer.status_code == 401, answer.text
    assert answer.json()["error"]["message"] == ("X-Zendesk-Webhook-Signature-Timestamp is not an ISO-8601 time"
                                                 " such as 2024-05-01T12:00:00Z")
    assert _stored(conn)["raw"] == before["raw"]


def test_an_offset_stamp_for_the_same_instant_is_accepted(database_url, conn):
    body = _body()
    with make_client(database_url) as client:
        answer = client.post(PATH, content=body, headers=zendesk_headers(body, "2025-01-06T10:01:00-05:00"))
    assert answer.status_code == 200, answer.text
    assert answer.json()["outcome"] == "signal"
