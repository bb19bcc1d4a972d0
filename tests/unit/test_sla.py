"""SLA due times on the business calendar: weekends, a US public holiday, and each queue's rule."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import psycopg
import pytest
from psycopg.rows import dict_row

from copilot.cases.sla import DEFAULT_CALENDAR, BusinessCalendar, due_times, load_policies

NY = ZoneInfo("America/New_York")


def ny(*args: int) -> datetime:
    return datetime(*args, tzinfo=NY)


def test_business_minutes_skip_the_weekend():
    friday = ny(2026, 11, 20, 15, 0)
    assert DEFAULT_CALENDAR.add_business_minutes(friday, 240) == ny(2026, 11, 23, 11, 0)
    saturday = ny(2026, 11, 21, 10, 0)
    assert DEFAULT_CALENDAR.add_business_minutes(saturday, 60) == ny(2026, 11, 23, 10, 0)


def test_thanksgiving_is_not_a_business_day():
    wednesday = ny(2026, 11, 25, 16, 0)
    assert not DEFAULT_CALENDAR.is_business_day(ny(2026, 11, 26, 12, 0).date())
    assert DEFAULT_CALENDAR.add_business_minutes(wednesday, 240) == ny(2026, 11, 27, 12, 0)
    assert DEFAULT_CALENDAR.end_of_business_day(ny(2026, 11, 26, 9, 30)) == ny(2026, 11, 27, 17, 0)


def test_other_calendars_change_the_answer():
    london = BusinessCalendar(timezone="Europe/London", country="GB")
    assert london.is_business_day(ny(2026, 11, 26).date())  # Thanksgiving is not a UK holiday


@pytest.fixture
async def policies(database_url):
    async with await psycopg.AsyncConnection.connect(database_url, autocommit=True, row_factory=dict_row) as c:
        return await load_policies(c)


async def test_default_queues_owners_and_escalation_paths_are_seeded(policies):
    assert set(policies) == {"pre_fulfillment_holds", "cancel_edit_requests", "delivery_exceptions",
                             "refund_contacts", "chargebacks", "needs_reading"}
    assert all(p.owner == "recovery_desk" for p in policies.values())
    assert policies["chargebacks"].escalation_path == ["finance", "ops_lead"]
    assert policies["refund_contacts"].escalation_path == ["ops_lead", "finance"]


async def test_refund_contacts_answer_in_24_hours_and_resolve_in_5_business_days_around_a_holiday(policies):
    now = ny(2026, 11, 25, 10, 0)
    due = due_times(policies["refund_contacts"], now, DEFAULT_CALENDAR)
    assert due.first_touch_due == now + timedelta(hours=24)
    assert due.resolution_due == ny(2026, 12, 3, 10, 0)


async def test_holds_resolve_before_the_next_cutoff_when_it_comes_first(policies):
    now = ny(2026, 11, 20, 10, 0)
    cutoff = ny(2026, 11, 20, 15, 0)
    due = due_times(policies["pre_fulfillment_holds"], now, DEFAULT_CALENDAR, deadline=cutoff)
    assert (due.first_touch_due, due.resolution_due) == (ny(2026, 11, 20, 14, 0), cutoff)
    far = ny(2026, 12, 20, 15, 0)
    assert due_times(policies["pre_fulfillment_holds"], now, DEFAULT_CALENDAR, deadline=far).resolution_due == \
        ny(2026, 11, 24, 10, 0)


async def test_delivery_exceptions_get_a_same_day_update_even_when_reported_on_saturday(policies):
    due = due_times(policies["delivery_exceptions"], ny(2026, 11, 21, 11, 0), DEFAULT_CALENDAR)
    assert due.first_touch_due == ny(2026, 11, 23, 17, 0)
    assert due.resolution_due == ny(2026, 11, 25, 17, 0)  # 3 business days from Monday's opening
    tuesday = due_times(policies["delivery_exceptions"], ny(2026, 11, 24, 11, 0), DEFAULT_CALENDAR)
    assert tuesday.first_touch_due == ny(2026, 11, 24, 17, 0)
    assert tuesday.resolution_due == ny(2026, 11, 30, 11, 0)  # Thanksgiving and the weekend skipped


async def test_chargeback_evidence_is_due_two_days_before_the_dispute_due_date(policies):
    now = ny(2026, 11, 16, 10, 0)
    due = due_times(policies["chargebacks"], now, DEFAULT_CALENDAR, due_by=ny(2026, 11, 30, 23, 0))
    assert due.first_touch_due == ny(2026, 11, 17, 10, 0)
    assert due.resolution_due == ny(2026, 11, 28, 23, 0)
