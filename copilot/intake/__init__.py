"""Intake: every inbound delivery is verified, stored raw, normalized into a Signal and routed to a case."""
