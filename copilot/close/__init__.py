"""Closing a case: verification against the system of record, the root-cause ledger, and the weekly report."""
