"""A 1,000-delivery mix (valid, duplicate, unparseable, malformed) loses nothing: every raw delivery has
exactly one outcome, and raw = signals + duplicates + dead letters."""

from __future__ import annotations

import time

from tests.api.test_webhooks_support import (
    counts,
    delta,
    dumps,
    easypost_headers,
    fixture,
    make_client,
    shopify_headers,
    stripe_headers,
    unique,
)

VALID, DUPLICATES, UNPARSEABLE, MALFORMED = 600, 250, 100, 50


def _valid(i: int, run: str) -> tuple[str, bytes, dict[str, str]]:
    order = f"#L{run}{i:04d}"
    if i % 3 == 0:
        event = fixture("stripe/payment_intent.payment_failed.json")
        event["id"], event["data"]["object"]["metadata"] = f"evt_{run}_{i}", {"order_id": order}
        body = dumps(event)
        return "/webhooks/stripe", body, stripe_headers(body)
    if i % 3 == 1:
        tracker = fixture("easypost/tracker.updated_return_to_sender.json")
        tracker["id"], tracker["result"]["reference"] = f"evt_{run}_{i}", order
        body = dumps(tracker)
        return "/webhooks/easypost", body, easypost_headers(body)
    body = dumps(fixture("shopify/orders_updated_risky.json") | {"name": order})
    return "/webhooks/shopify", body, shopify_headers(body, "orders/updated", f"wh-{run}-{i}")


def _unparseable(i: int, run: str) -> tuple[str, bytes, dict[str, str]]:
    event = fixture("easypost/tracker.updated.json")
    event["id"] = f"evt_bad_{run}_{i}"
    event["result"] = {"object": "Tracker", "status": "in_transit"}  # no tracking_code: cannot be a signal
    body = dumps(event)
    return "/webhooks/easypost", body, easypost_headers(body)


def test_thousand_mixed_deliveries_keep_the_intake_invariant(database_url, conn, capsys):
    run = unique("")
    valid = [_valid(i, run) for i in range(VALID)]
    plan = valid + [valid[i * 2] for i in range(DUPLICATES)] + [_unparseable(i, run) for i in range(UNPARSEABLE)]
    plan += [("/webhooks/stripe", b'{"id": "evt_', stripe_headers(b'{"id": "evt_'))] * MALFORMED
    assert len(plan) == 1000
    # Interleave deterministically (7 is prime to 1000, so this is a permutation) to mix the kinds.
    plan = [plan[(i * 7) % 1000] for i in range(1000)]
    before = counts(conn)
    statuses: dict[int, int] = {}
    started = time.perf_counter()
    with make_client(database_url) as client:
        for path, body, headers in plan:
            code = client.post(path, content=body, headers=headers).status_code
            statuses[code] = statuses.get(code, 0) + 1
    elapsed = time.perf_counter() - started
    d = delta(before, counts(conn))
    with capsys.disabled():
        print(f"\n1,000 deliveries in {elapsed:.1f} s ({1000 / elapsed:.0f}/s, routing included): {statuses}")
    assert statuses == {200: VALID + DUPLICATES, 202: UNPARSEABLE + MALFORMED}  # kept: retrying would not help
    assert d == {"raw": 1000, "no_outcome": 0, "signals": VALID, "duplicates": DUPLICATES,
                 "dead_letters": UNPARSEABLE + MALFORMED, "security": 0}
    assert d["raw"] == d["signals"] + d["duplicates"] + d["dead_letters"]
    unrouted = conn.execute("SELECT count(*) AS n FROM signals WHERE case_id IS NULL").fetchone()["n"]
    assert unrouted == 0
