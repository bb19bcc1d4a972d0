"""Audit events in words: a route reason that joins every action's verdicts says each reason once."""

from __future__ import annotations

from api.desk_text import event_text


def test_a_status_change_says_each_reason_once():
    reason = ("automation: handing the case to an owner needs a person; chargeback cases are not on the automation"
              " allowlist; order value 717.00 is above 250.00; automation: chargeback cases are not on the"
              " automation allowlist; order value 717.00 is above 250.00")
    shown = event_text("status_changed", {"from": "triaged", "to": "escalated", "reason": reason})
    assert shown == ("Moved from triaged to escalated: automation: handing the case to an owner needs a person;"
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
