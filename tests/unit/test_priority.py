"""Deadline-first priority: band boundaries, bounded modifiers, and next cutoffs in the warehouse's zone."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from decimal import Decimal

import pytest

from copilot.cases.priority import MODIFIER_CAP, Deadline, PriorityInput, next_cutoff, score_priority
from copilot.core.models import Category, Priority

NOW = datetime(2026, 11, 16, 15, 0, tzinfo=UTC)


def inp(hours: float | None, **extra) -> PriorityInput:
    deadlines = [] if hours is None else [Deadline(kind="cutoff", at=NOW + timedelta(hours=hours), label="cutoff")]
    return PriorityInput(category=extra.pop("category", Category.change_request), deadlines=deadlines, **extra)


@pytest.mark.parametrize("hours, band", [
    (-2, Priority.P1), (4, Priority.P1), (4.1, Priority.P2), (24, Priority.P2), (24.1, Priority.P3),
    (72, Priority.P3), (72.1, Priority.P4), (None, Priority.P4),
])
def test_band_follows_hours_to_the_irreversible_point(hours, band):
    assert score_priority(inp(hours), NOW).band is band


def test_value_customer_and_risk_lift_at_most_one_band_and_say_why():
    plain = score_priority(inp(30), NOW)
    rich = score_priority(inp(30, order_value=Decimal("640"), vip=True, lifetime_value=Decimal("2400"),
                               contacts=3, negative_tone=True), NOW)
    assert (plain.band, rich.band) == (Priority.P3, Priority.P2)
    assert rich.score == plain.score + MODIFIER_CAP
    assert any("VIP" in r for r in rich.reasons) and any("$640.00" in r for r in rich.reasons)
    assert any("repeat contact: 3" in r for r in rich.reasons) and any("capped" in r for r in rich.reasons)


def test_a_nearer_deadline_always_outranks_any_amount_of_value():
    urgent = score_priority(inp(3.5), NOW)
    loaded = score_priority(inp(None, order_value=Decimal("5000"), vip=True, lifetime_value=Decimal("9000"),
                                contacts=5, negative_tone=True, category=Category.chargeback), NOW)
    next_day = score_priority(inp(20), NOW)
    assert urgent.score > next_day.score > loaded.score
    ranked = sorted([loaded, next_day, urgent], key=lambda r: -r.score)
    assert [r.band for r in ranked] == [Priority.P1, Priority.P2, Priority.P3]


def test_the_nearest_of_several_deadlines_counts():
    deadlines = [Deadline(kind="promised", at=NOW + timedelta(hours=50), label="promised delivery date"),
                 Deadline(kind="auth_expiry", at=NOW + timedelta(hours=10), label="card authorization expiry")]
    result = score_priority(PriorityInput(category=Category.payment_failure, deadlines=deadlines), NOW)
    assert result.deadline.kind == "auth_expiry" and result.band is Priority.P2
    assert result.reasons[0].startswith("card authorization expiry in 10.0 h")


def test_out_of_scope_is_always_p4():
    assert score_priority(inp(1, category=Category.out_of_scope), NOW).band is Priority.P4


def test_next_cutoff_uses_the_warehouse_zone_and_skips_the_weekend():
    friday_evening = datetime(2026, 11, 20, 23, 0, tzinfo=UTC)  # 18:00 in New York, after the 15:00 cutoff
    assert next_cutoff(friday_evening, "America/New_York", time(15, 0)) == datetime(2026, 11, 23, 20, 0, tzinfo=UTC)
    scheduled = friday_evening + timedelta(hours=2)
    assert next_cutoff(friday_evening, "America/New_York", time(15, 0), scheduled) == scheduled
    morning = datetime(2026, 11, 17, 13, 0, tzinfo=UTC)  # 05:00 in Reno
    assert next_cutoff(morning, "America/Los_Angeles", time(14, 0)) == datetime(2026, 11, 17, 22, 0, tzinfo=UTC)


def test_a_far_deadline_is_said_in_days_and_a_near_one_in_hours():
    assert score_priority(inp(274.2), NOW).reasons[0].startswith("cutoff in 11 days 10 h (+")
    assert score_priority(inp(5.5), NOW).reasons[0].startswith("cutoff in 5.5 h (+")
