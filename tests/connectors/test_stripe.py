"""Stripe in shadow and live mode through the official SDK, against a server that validates each wire
body against Stripe's OpenAPI and answers with Stripe's example objects."""

from __future__ import annotations

import time
from decimal import Decimal
from typing import Any

import pytest

from copilot.core.errors import ConnectorError
from tests.connectors.conftest import Vendors, set_modes
from tests.connectors.test_shopify import approve, new_case, rows
from tests.unit.test_connectors_sandbox import NOW
from tools.base import ToolDeps
from tools.connectors.outbox import calling


@pytest.fixture
def live(monkeypatch: pytest.MonkeyPatch, contract_server: Any, vendors: Vendors) -> Vendors:
    set_modes(monkeypatch, contract_server[0], stripe="live")
    return vendors


@pytest.fixture
def shadow(monkeypatch: pytest.MonkeyPatch, contract_server: Any, vendors: Vendors) -> Vendors:
    set_modes(monkeypatch, contract_server[0], stripe="shadow")
    return vendors


def posts(vendors: Vendors) -> list[tuple[str, dict[str, Any], str | None]]:
    return [(path, params, key) for method, path, params, key in vendors.stripe.requests if method == "POST"]


async def test_shadow_refund_is_recorded_with_its_key_and_not_sent(shadow, conn, aconn):
    case_id = new_case(conn, "#3")
    out = await approve(aconn, case_id, "refund_payment", {"order_id": "#3", "amount": "20.00",
                                                           "reason": "damaged"}, f"{case_id}:r1")
    assert out.amount == Decimal("20.00")
    assert posts(shadow) == []
    [row] = rows(conn, case_id)
    assert (row["mode"], row["status"], row["method"], row["url"].endswith("/v1/refunds")) == \
        ("shadow", "recorded", "POST", True)
    assert row["body"] == {"payment_intent": "pi_3", "amount": 2000, "reason": "requested_by_customer",
                           "metadata": {"order_id": "#3", "desk_reason": "damaged"}}
    assert row["vendor_key"] == f"rdc-{case_id}:r1-refund"
    assert row["contract_checked"] is True and row["contract_errors"] == []


async def test_live_refund_carries_the_idempotency_key_and_a_retry_is_replayed(live, conn, aconn):
    case_id = new_case(conn, "#3")
    key = f"{case_id}:r2"
    out = await approve(aconn, case_id, "refund_payment", {"order_id": "#3", "amount": "20.00",
                                                           "reason": "damaged"}, key)
    assert out.refund_id.startswith("re_test_")
    [(path, params, sent_key)] = posts(live)
    assert (path, params["amount"], params["payment_intent"], sent_key) == ("/v1/refunds", "2000", "pi_3",
                                                                             f"rdc-{key}-refund")
    assert live.stripe.violations == []
    # The worker died after Stripe answered and before anything was recorded: the mirror, the tool call and
    # the outbox answer are gone, the outbox row still says 'sending'. The retry sends the same key.
    conn.execute("UPDATE sandbox.payments SET amount_refunded = 0 WHERE id = 'pi_3'")
    conn.execute("DELETE FROM sandbox.refunds WHERE payment_id = 'pi_3'")
    conn.execute("DELETE FROM tool_calls WHERE idempotency_key = %s", (key,))
    conn.execute("UPDATE connector_requests SET status = 'sending', response = NULL WHERE case_id = %s", (case_id,))
    again = await approve(aconn, case_id, "refund_payment", {"order_id": "#3", "amount": "20.00",
                                                             "reason": "damaged"}, key)
    assert again.refund_id == out.refund_id  # Stripe replayed the first refund
    assert len(live.stripe.refunds) == 1
    assert [r["attempts"] for r in rows(conn, case_id)] == [2]


async def test_payment_retry_reads_the_intent_then_confirms_it(live, conn, aconn):
    conn.execute("UPDATE sandbox.payments SET retry_count = 1 WHERE id = 'pi_4'")  # clears on this retry
    case_id = new_case(conn, "#4")
    out = await approve(aconn, case_id, "retry_payment", {"order_id": "#4"})
    assert (out.succeeded, out.status) == (True, "authorized")
    assert [(m, p) for m, p, _, _ in live.stripe.requests] == [
        ("GET", "/v1/payment_intents/pi_4"), ("POST", "/v1/payment_intents/pi_4/confirm")]
    assert live.stripe.intents["pi_4"]["status"] == "requires_capture"


async def test_a_card_decline_reaches_the_case_as_the_banks_reason(live, conn, aconn):
    conn.execute("UPDATE sandbox.payments SET retry_count = 1 WHERE id = 'pi_4'")
    live.stripe.decline_next = "insufficient_funds"
    case_id = new_case(conn, "#4")
    with pytest.raises(ConnectorError) as info:
        await approve(aconn, case_id, "retry_payment", {"order_id": "#4"})
    assert info.value.reason == "insufficient_funds"
    assert info.value.message == "Stripe: Your card has insufficient funds. (insufficient_funds)"
    assert conn.execute("SELECT status FROM sandbox.payments WHERE id = 'pi_4'").fetchone()["status"] == "failed"
    failed = conn.execute("SELECT data FROM case_events WHERE case_id = %s AND kind = 'tool_failed'",
                          (case_id,)).fetchone()
    assert failed["data"]["reason"] == "insufficient_funds"


async def test_429_with_retry_after_is_waited_out(live, conn, aconn):
    live.stripe.rate_limit_next = 2
    case_id = new_case(conn, "#3")
    started = time.monotonic()
    await approve(aconn, case_id, "refund_payment", {"order_id": "#3", "amount": "5.00", "reason": "damaged"})
    assert time.monotonic() - started >= 2.0
    assert len(live.stripe.refunds) == 1
    assert [p for p, _, _ in posts(live)] == ["/v1/refunds"] * 3  # two refused unexecuted, one done


async def test_dispute_is_read_and_evidence_staged_then_submitted(live, conn, aconn):
    deps = ToolDeps.sandbox(aconn, NOW, case_id=None, customer_id="cus_1")
    snapshot = await deps.connectors.psp.dispute("#10", None)
    assert snapshot.status == "warning_needs_response"  # Stripe's example dispute, not the mirror's
    psp: Any = deps.connectors.psp
    with calling(None, "0:ev1"):
        staged = await psp.update_dispute_evidence("dp_10", {"customer_name": "Pat Doe",
                                                             "shipping_tracking_number": "1Z10"}, submit=False)
    assert staged["status"] == "warning_needs_response"
    assert staged["evidence"]["customer_name"] == "Pat Doe"
    with calling(None, "0:ev2"):
        submitted = await psp.update_dispute_evidence("dp_10", {"uncategorized_text": "Signed for."}, submit=True)
    assert submitted["status"] == "under_review"
    assert [params.get("submit") for _, params, _ in posts(live)] == ["false", "true"]
    assert live.stripe.violations == []


@pytest.mark.parametrize("mode", ["shadow", "live"])
async def test_the_evidence_pack_is_staged_in_stripe_never_submitted(mode: str, monkeypatch: pytest.MonkeyPatch,
                                                                     contract_server: Any, vendors: Vendors,
                                                                     conn, aconn):
    set_modes(monkeypatch, contract_server[0], stripe=mode)
    case_id = new_case(conn, "#10")
    out = await approve(aconn, case_id, "assemble_dispute_evidence", {"order_id": "#10", "dispute_id": "dp_10"})
    assert out.evidence_staged is True
    [row] = rows(conn, case_id)
    assert (row["operation"], row["mode"], row["contract_errors"]) == ("disputes.update", mode, [])
    assert row["body"]["submit"] is False
    assert row["body"]["evidence"]["customer_email_address"] == "cus_1@example.com"
    assert row["body"]["evidence"]["uncategorized_text"].startswith("Dispute dp_10 (")
    dispute = vendors.stripe.disputes["dp_10"]
    assert dispute["evidence_details"]["submission_count"] == 0 and dispute["status"] != "under_review"
    posted = [p for m, p, _, _ in vendors.stripe.requests if m == "POST"]
    assert posted == ([] if mode == "shadow" else ["/v1/disputes/dp_10"])
    if mode == "live":
        assert dispute["evidence"]["customer_email_address"] == "cus_1@example.com"


@pytest.mark.parametrize("mode", ["shadow", "live"])
async def test_an_approved_submit_stages_the_pack_then_submits_it_once(mode: str, monkeypatch: pytest.MonkeyPatch,
                                                                       contract_server: Any, vendors: Vendors,
                                                                       conn, aconn):
    """The chargeback plan's approved action: submit=false with the pack, then submit=true; a retry after a
    crash (the same call key) reads the dispute first and does not submit it again."""
    set_modes(monkeypatch, contract_server[0], stripe=mode)
    case_id = new_case(conn, "#10")
    args = {"order_id": "#10", "dispute_id": "dp_10", "submit": True}
    out = await approve(aconn, case_id, "assemble_dispute_evidence", args, key=f"{case_id}:evidence")
    assert out.evidence_staged is True
    assert out.evidence_submitted == ("recorded_in_shadow" if mode == "shadow" else "submitted")
    recorded = rows(conn, case_id)
    assert [(r["operation"], r["body"].get("submit"), r["mode"], r["contract_errors"]) for r in recorded] == \
        [("disputes.update", False, mode, []), ("disputes.update", True, mode, [])]
    assert recorded[1]["vendor_key"] == f"rdc-{case_id}:evidence-evidence_submit"
    dispute = vendors.stripe.disputes["dp_10"]
    if mode == "shadow":
        assert posts(vendors) == [] and dispute["evidence_details"]["submission_count"] == 0
        return
    assert [p["submit"] for _, p, _ in posts(vendors)] == ["false", "true"]  # as on the wire
    assert dispute["status"] == "under_review" and dispute["evidence_details"]["submission_count"] == 1
    # Killed after Stripe took the submission and before it was recorded: the retry reads it submitted.
    conn.execute("UPDATE connector_requests SET status = 'sending', response = NULL WHERE case_id = %s"
                 " AND body->>'submit' = 'true'", (case_id,))
    again = await approve(aconn, case_id, "assemble_dispute_evidence", args, key=f"{case_id}:evidence")
    assert again.evidence_submitted == "submitted"
    assert dispute["evidence_details"]["submission_count"] == 1
    assert [p["submit"] for _, p, _ in posts(vendors)].count("true") == 1
    assert vendors.stripe.violations == []


async def test_a_closed_dispute_is_not_submitted_and_says_why(live, conn, aconn):
    live.stripe.disputes["dp_10"]["status"] = "lost"
    case_id = new_case(conn, "#10")
    with pytest.raises(ConnectorError, match="dispute dp_10 is lost"):
        await approve(aconn, case_id, "assemble_dispute_evidence",
                      {"order_id": "#10", "dispute_id": "dp_10", "submit": True})
    assert [p.get("submit") for _, p, _ in posts(live)] == ["false"]
