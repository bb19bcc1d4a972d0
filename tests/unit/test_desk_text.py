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
