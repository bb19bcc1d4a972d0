"""Audit events in words: a route reason that joins every action's verdicts says each reason once, and no line an
agent reads carries an identifier (snake_case words, ids, "kind:" keys) or a rule's internal name."""

from __future__ import annotations

from api.desk_plan import arguments, verdict_line
from api.desk_text import event_text, plain


def test_a_status_change_says_each_reason_once():
    reason = ("automation: handing the case to an owner needs a person; chargeback cases are not on the automation"
              " allowlist; order value 717.00 is above 250.00; automation: chargeback cases are not on the"
              " automation allowlist; order value 717.00 is above 250.00")
    shown = event_text("status_changed", {"from": "triaged", "to": "escalated", "reason": reason})
    assert shown == ("Moved from triaged to escalated: not automatic: handing the case to an owner needs a person;"
                     " chargeback cases are not on the automation allowlist; order value 717.00 is above 250.00")
    plain = event_text("status_changed", {"from": "executing", "to": "verifying", "reason": "message sent"})
    assert plain == "Moved from executing to verifying: message sent"


def test_carrier_events_read_as_sentences() -> None:
    from api.desk_text import event_text

    assert event_text("address_verified", {"order_id": "#1", "as_verified": "388 TOWNSEND ST, SAN FRANCISCO, CA"}) \
        == "EasyPost verified the new address for #1 as 388 TOWNSEND ST, SAN FRANCISCO, CA"
    assert event_text("return_label", {"order_id": "#3", "status": "recorded_in_shadow"}).startswith(
        "Shadow mode: would have bought an EasyPost return label for #3")
    bought = event_text("return_label", {"order_id": "#3", "status": "bought", "carrier": "USPS",
                                         "tracking_code": "9400", "rate": "6.07"})
    assert bought.startswith("Return label bought from EasyPost for #3: USPS 9400 (") and "6.07" in bought


def test_intake_events_say_what_joined_the_case_without_ids():
    attached = event_text("signal_attached", {"signal_id": 14, "kind": "dispute_opened", "source": "stripe",
                                              "linked_by": "order named by the event", "notes": []})
    assert attached == "Stripe: dispute opened joined the case (matched by: order named by the event)"
    ticket = event_text("signal_attached", {"signal_id": 3, "kind": "ticket", "source": "gorgias",
                                            "linked_by": "order reference checked against the customer"})
    assert ticket.startswith("The customer's ticket via Gorgias joined the case")
    assert event_text("case_opened", {"order_id": "#1282", "linked_by": "order named by the event"}) == \
        "Case opened for order #1282 (matched by: order named by the event)"
    assert event_text("case_opened", {"order_id": None, "linked_by": "customer's most recent open case"}) == \
        "Case opened without an order yet (matched by: customer's most recent open case)"
    # An event with no sentence of its own still hides its ids and keys.
    assert event_text("brand_new_event", {"signal_id": 3, "key": "9:v1-a1", "because": "x"}) == \
        "Brand new event (because: x)"


def test_decisions_read_as_what_happened():
    assert event_text("status_changed", {"from": "awaiting_approval", "to": "awaiting_approval",
                                         "reason": "edit by lead"}) == "Draft edited by a lead"
    assert event_text("status_changed", {"from": "awaiting_approval", "to": "executing",
                                         "reason": "approve by agent"}) == \
        "Moved from awaiting approval to executing: approved by an agent"
    assert event_text("taken", {"role": "lead", "owner": "finance"}) == "Took the case for finance (as lead)"


def test_free_text_loses_snake_case_but_keeps_ids_and_emails():
    assert plain("money at risk in payment_failure (+2); dispute dp_1282; mail jo_an@x.com; soft decline "
                 "insufficient_funds") == ("money at risk in payment failure (+2); dispute dp_1282; mail jo_an@x.com;"
                                           " soft decline insufficient funds")


def test_plan_rows_use_labels_and_say_who_approves():
    assert arguments({"order_id": "#1282", "dispute_id": "dp_1282", "scenario": "dispute_ack", "body": "Hi",
                      "ticket_id": None}) == [("Order", "#1282"), ("Dispute", "dp_1282"),
                                              ("Message", "dispute acknowledgement"), ("Text", "the draft below")]
    assert arguments({"owner": "risk", "reason": "risk level high"}) == [("To", "the risk owner"),
                                                                         ("Why", "risk level high")]
    assert verdict_line("automation", "agent", "VIP customer") == "Not automatic: VIP customer"
    assert verdict_line("concession", "lead", "worth 131.00 is above 75.00") == \
        "Concession (a lead approves): worth 131.00 is above 75.00"
    assert verdict_line("payment_retry", None, "soft decline insufficient_funds") == \
        "Payment retry: soft decline insufficient funds"


def test_a_yes_or_no_argument_reads_as_a_word_not_python():
    assert arguments({"order_id": "#1282", "submit": True, "notify": False}) == [
        ("Order", "#1282"), ("Submit", "yes"), ("Notify", "no")]
