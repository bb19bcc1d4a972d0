"""SLA clocks on a business calendar: time zone, business hours, weekends and US public holidays."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from functools import lru_cache
from typing import Literal
from zoneinfo import ZoneInfo

import holidays
import psycopg
from psycopg.rows import DictRow
from pydantic import Field

from copilot.core.errors import ConfigError
from copilot.core.models import Strict
from copilot.core.policy import load_policy

# The at-risk mark of every SLA clock: policy.json's `sla.at_risk_fraction`, read once per process. The SQL of
# the queue views and the scheduler embeds it (a float the policy model validated, never request text).
SLA_AT_RISK: float = load_policy().sla.at_risk_fraction

# The SLA state on the case's own clock: "now" while open, its closing time once closed. At risk is the
# policy's share of a clock's budget (created -> due), breached is past due; a mark the scheduler set counts.
SLA_STATE_SQL = f"""
CASE
  WHEN c.sla_breached_at IS NOT NULL
    OR (c.first_touched_at IS NULL AND c.first_touch_due <= COALESCE(c.closed_at, %(now)s))
    OR c.resolution_due <= COALESCE(c.closed_at, %(now)s) THEN 'breached'
  WHEN c.sla_flagged_at IS NOT NULL
    OR (c.first_touched_at IS NULL
        AND COALESCE(c.closed_at, %(now)s) >= c.created_at + (c.first_touch_due - c.created_at) * {SLA_AT_RISK!r})
    OR COALESCE(c.closed_at, %(now)s) >= c.created_at + (c.resolution_due - c.created_at) * {SLA_AT_RISK!r}
    THEN 'at_risk'
  ELSE 'ok'
END"""

Rule = Literal["business_minutes", "calendar_minutes", "end_of_business_day", "before_deadline",
               "before_due_date"]


class BusinessCalendar(Strict):
    """Working time of the desk; `country` names the public-holiday calendar of the `holidays` package."""

    timezone: str = "America/New_York"
    opens: time = time(9, 0)
    closes: time = time(17, 0)
    workdays: frozenset[int] = frozenset({0, 1, 2, 3, 4})
    country: str = "US"

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def is_business_day(self, day: date) -> bool:
        return day.weekday() in self.workdays and day not in _holidays(self.country, day.year)

    def _open_close(self, day: date) -> tuple[datetime, datetime]:
        return (datetime.combine(day, self.opens, self.zone), datetime.combine(day, self.closes, self.zone))

    def next_open(self, at: datetime) -> datetime:
        """`at` itself when inside business hours, else the start of the next business period."""
        local = at.astimezone(self.zone)
        day = local.date()
        while True:
            if self.is_business_day(day):
                start, end = self._open_close(day)
                if local < end:
                    return max(local, start)
            day += timedelta(days=1)
            local = datetime.combine(day, time(0), self.zone)

    def add_business_minutes(self, at: datetime, minutes: float) -> datetime:
        remaining = timedelta(minutes=minutes)
        cursor = self.next_open(at)
        while True:
            _, end = self._open_close(cursor.date())
            if cursor + remaining <= end:
                return cursor + remaining
            remaining -= end - cursor
            cursor = self.next_open(end)

    def end_of_business_day(self, at: datetime) -> datetime:
        """Close of the day `at` falls in, or of the next business day when `at` is outside hours."""
        opened = self.next_open(at)
        return self._open_close(opened.date())[1]


@lru_cache(maxsize=64)
def _holidays(country: str, year: int) -> holidays.HolidayBase:
    try:
        return holidays.country_holidays(country, years=year)
    except NotImplementedError as exc:
        raise ConfigError(f"no public-holiday calendar for country {country!r}") from exc


class SlaPolicy(Strict):
    """One queue's clocks (a row of `sla_policies`): how first touch and resolution are due."""

    queue: str
    first_touch_rule: Rule
    first_touch_minutes: int = Field(ge=0)
    resolution_rule: Rule
    resolution_minutes: int = Field(ge=0)
    business_hours: bool = True
    owner: str
    escalation_path: list[str]
    definition_of_done: str = ""


class SlaDue(Strict):
    first_touch_due: datetime
    resolution_due: datetime
    explanation: list[str]


def _apply(rule: Rule, minutes: int, now: datetime, calendar: BusinessCalendar,
           deadline: datetime | None, due_by: datetime | None) -> tuple[datetime, str]:
    fallback = calendar.add_business_minutes(now, minutes)
    if rule == "calendar_minutes":
        return now + timedelta(minutes=minutes), f"{minutes / 60:g} calendar hours"
    if rule == "end_of_business_day":
        return calendar.end_of_business_day(now), "same business day"
    if rule == "before_deadline":
        if deadline is not None and deadline > now:
            return min(deadline, fallback), "before the next irreversible point, at most the budget"
        return fallback, f"{minutes / 60:g} business hours (no upcoming cutoff)"
    if rule == "before_due_date":
        if due_by is not None:
            # Evidence goes in two calendar days early; a due date already that close means now.
            return max(now, due_by - timedelta(days=2)), "2 days before the dispute due date"
        return fallback, f"{minutes / 60:g} business hours (no due date)"
    return fallback, f"{minutes / 60:g} business hours"


def due_times(policy: SlaPolicy, now: datetime, calendar: BusinessCalendar,
              deadline: datetime | None = None, due_by: datetime | None = None) -> SlaDue:
    first, why_first = _apply(policy.first_touch_rule, policy.first_touch_minutes, now, calendar, deadline, due_by)
    resolution, why_res = _apply(policy.resolution_rule, policy.resolution_minutes, now, calendar, deadline, due_by)
    resolution = max(resolution, first)
    return SlaDue(first_touch_due=first, resolution_due=resolution,
                  explanation=[f"first touch: {why_first}", f"resolution: {why_res}"])


_COLUMNS = ("queue, first_touch_rule, first_touch_minutes, resolution_rule, resolution_minutes, business_hours,"
            " owner, escalation_path, definition_of_done")


async def load_policies(conn: psycopg.AsyncConnection[DictRow]) -> dict[str, SlaPolicy]:
    cur = conn.cursor(row_factory=psycopg.rows.dict_row)
    await cur.execute(f"SELECT {_COLUMNS} FROM sla_policies")
    policies = {row["queue"]: SlaPolicy.model_validate(row) for row in await cur.fetchall()}
    if not policies:
        raise ConfigError("sla_policies is empty: run the migrations (004 seeds the default queues)")
    return policies


DEFAULT_CALENDAR = BusinessCalendar()
