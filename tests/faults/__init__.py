"""Fault tests: database restart mid-burst, duplicate bursts, a broken model server. A worker killed
mid-execution (exactly-once effects) is covered by tests/graph/test_crash.py and not repeated here."""
