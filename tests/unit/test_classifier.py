"""The ticket classifier on our labelled tickets, and the hard cases it must get right."""

from __future__ import annotations

import pytest

from copilot.cases.taxonomy import classify_signal, classify_ticket, negative_tone
from copilot.core.models import Category, Signal, SignalKind, SignalSource
from evals.ticket_classifier import evaluate, load, main


def test_held_apart_split_reaches_macro_f1_of_0_9():
    """The test split's phrasings were written after the rules were frozen and are never trained on."""
    tickets = load(split="test")
    assert len(tickets) >= 90 and {t.label for t in tickets} == set(Category) - {Category.needs_reading}
    report = evaluate(tickets, "test")
    assert report.macro_f1 >= 0.9, report.errors


def test_dataset_is_large_varied_and_its_splits_share_no_phrasing():
    every = load(split="all")
    assert len(every) >= 600
    by_split = {split: {t.core for t in every if t.split == split} for split in ("train", "dev", "test")}
    assert not (by_split["test"] & (by_split["train"] | by_split["dev"]))
    assert sum(t.has_order_ref for t in every) > 300 and sum(not t.has_order_ref for t in every) > 150
    assert sum(t.tone == "negative" for t in every) > 60


@pytest.mark.parametrize("subject, body, expected", [
    ("Where is my refund?", "I cancelled my order last week and still no refund", Category.refund_request),
    ("cancel", "please cancel #1044, found it cheaper", Category.change_request),
    ("Order on hold", "Yes I placed it, please don't cancel it, just release the hold", Category.fraud_hold),
    ("Broken", "The lamp arrived broken, otherwise I'll cancel and shop elsewhere", Category.concession_request),
    ("Dispute", "I disputed the charge with my bank because nobody answered", Category.chargeback),
    ("Tracking", "Label created 5 days ago, carrier never picked it up", Category.threepl_exception),
    ("Tracking", "Says delivered but nothing at my door", Category.delivery_exception),
    ("Unsubscribe", "Stop the newsletter please", Category.out_of_scope),
])
def test_hard_tickets_where_one_word_belongs_to_another_problem(subject, body, expected):
    assert classify_ticket(subject, body).category is expected


def test_system_signals_are_categorised_by_kind_and_code_without_reading_text():
    def sig(kind: SignalKind, **fields) -> Signal:
        return Signal(source=SignalSource.sandbox, source_event_id="x", kind=kind,
                      occurred_at="2026-11-16T15:00:00Z", **fields)
    cases = [
        (sig(SignalKind.payment_failed, decline_code="insufficient_funds"), Category.payment_failure),
        (sig(SignalKind.order_risk, risk_level="high", risk_recommendation="cancel"), Category.fraud_hold),
        (sig(SignalKind.threepl_exception, exception_code="OVERSOLD"), Category.inventory_mismatch),
        (sig(SignalKind.threepl_exception, exception_code="PARTIAL_AVAILABILITY"), Category.split_shipment),
        (sig(SignalKind.threepl_exception, exception_code="CUTOFF_MISSED"), Category.fulfillment_delay),
        (sig(SignalKind.threepl_exception, exception_code="HANDOFF_GAP"), Category.threepl_exception),
        (sig(SignalKind.tracking_update, tracking_status="return_to_sender"), Category.delivery_exception),
        (sig(SignalKind.dispute_opened), Category.chargeback),
        (sig(SignalKind.address_rejected), Category.address_issue),
    ]
    for signal, expected in cases:
        assert classify_signal(signal).category is expected, signal.kind
    assert classify_signal(sig(SignalKind.tracking_update, tracking_status="in_transit")).category is None
    assert classify_signal(sig(SignalKind.order_risk, risk_level="low", risk_recommendation="accept")).category is None


def test_negative_tone_is_detected_from_words_and_shouting():
    assert negative_tone("This is ridiculous, third time I write")
    assert negative_tone("WHERE IS MY ORDER I NEED IT NOW")
    assert not negative_tone("Hi, could you check my order? Thanks a lot")


def test_eval_prints_macro_f1_and_the_confusion_matrix(capsys):
    assert main(["--split", "test"]) == 0
    out = capsys.readouterr().out
    assert "macro-F1=" in out and "confusion (rows = true, columns = predicted)" in out
    assert out.count("\n") > len(Category) + 3


@pytest.mark.parametrize("ticket_ref", ["zd-12fa3b9c", "#A2FA0017", "ref 9c2fa1"])
def test_an_id_that_happens_to_contain_2fa_does_not_make_a_ticket_out_of_scope(ticket_ref):
    """Generated ids are hex; "2fa" inside one read as a login question and sent a real delivery problem out
    of scope (about 1 ticket in 300 with a random id)."""
    result = classify_ticket(f"Order problem {ticket_ref}", "The parcel says delivered but I never got it.")
    assert result.category is Category.delivery_exception
    assert classify_ticket("Can't log in", "My 2FA code never arrives").category is Category.out_of_scope


@pytest.mark.parametrize("body", ["I want to return the headphones, they hurt my ears.",
                                  "Can I return the lamp? It is too bright.",
                                  "Please return the boots I bought, they are too small."])
def test_a_customer_who_wants_to_send_items_back_asks_for_a_refund(body):
    assert classify_ticket("Help", body).category is Category.refund_request


def test_return_to_sender_is_still_a_carrier_problem():
    assert classify_ticket("Tracking", "The parcel says return to sender").category is Category.delivery_exception
