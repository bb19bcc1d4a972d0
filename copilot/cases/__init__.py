"""Cases: the case store (the only writer of case state), triage, linking, escalation and the SLA clocks."""
