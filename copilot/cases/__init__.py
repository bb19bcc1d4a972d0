"""Cases: route each signal to its case (one open case per order) and triage it deterministically."""

from copilot.cases.builder import route_signal

__all__ = ["route_signal"]
