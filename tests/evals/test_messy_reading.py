"""The messy dev split read by the deterministic reader and grounded in each sender's own tau2 orders: a floor
under what the reader reaches today (request F1 0.87 on dev; the issue's target is 0.90, not met yet)."""

from __future__ import annotations

from copilot.reading.grounding import ground
from copilot.reading.reader import read_text
from evals.messy import MESSY_DIR, caller, load_messy, reading_metrics, score_reading, tau2_raw, world_of
from tests.conftest import SHARED


def test_messy_dev_requests_are_read_and_grounded():
    raw = tau2_raw(SHARED / "data" / "tau2-retail" / "db.json")
    tickets = load_messy("dev", MESSY_DIR)
    scores = []
    for ticket in tickets:
        reading = read_text(ticket.subject, ticket.body)
        scores.append(score_reading(ticket, ground(reading, world_of(raw, caller(raw, ticket.from_email, reading)))))
    metrics = reading_metrics(scores)
    assert metrics.tickets >= 200
    assert metrics.request_f1 >= 0.85 and metrics.request_precision >= 0.85 and metrics.mood_accuracy >= 0.93
    assert metrics.language_accuracy >= 0.97 and metrics.out_of_scope_accuracy >= 0.95
