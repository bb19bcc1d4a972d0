"""Deadline-first priority: hours to the next irreversible point, then value, customer and risk.

The deadline sets the floor of the score; the other factors together add at most MODIFIER_CAP points,
so they can lift a case by about one band but never past a case with a much nearer deadline.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from copilot.core.models import Category, Priority, Strict

# (at most this many hours to the deadline, points); overdue counts as zero hours.
DEADLINE_POINTS: list[tuple[float, int]] = [(4, 70), (12, 55), (24, 45), (48, 32), (72, 22), (168, 10)]
BANDS: list[tuple[int, Priority]] = [(70, Priority.P1), (45, Priority.P2), (22, Priority.P3)]
MODIFIER_CAP = 25
VALUE_POINTS: list[tuple[Decimal, int]] = [(Decimal(500), 10), (Decimal(200), 6), (Decimal(100), 3)]
LTV_POINTS: list[tuple[Decimal, int]] = [(Decimal(1000), 4), (Decimal(500), 2)]
VIP_POINTS, REPEAT_POINTS, TONE_POINTS = 8, 6, 5
MONEY_AT_RISK = {Category.chargeback: 3, Category.fraud_hold: 2, Category.payment_failure: 2}
# DESIGN §4: a VIP customer or an order of this value sits at least one band above its deadline's band.
LIFT_ORDER_VALUE = Decimal(500)


class Deadline(Strict):
    kind: str
    at: datetime
    label: str


class PriorityInput(Strict):
    category: Category
    deadlines: list[Deadline] = []
    order_value: Decimal | None = None
    vip: bool = False
    lifetime_value: Decimal = Decimal(0)
    contacts: int = 0
    negative_tone: bool = False


class PriorityResult(Strict):
    band: Priority
    score: float
    reasons: list[str]
    deadline: Deadline | None


def next_cutoff(now: datetime, timezone: str, cutoff_local: time, scheduled: datetime | None = None) -> datetime:
    """The scheduled cutoff when still ahead, else the warehouse's next weekday cutoff in its own zone."""
    if scheduled is not None and scheduled > now:
        return scheduled
    zone = ZoneInfo(timezone)
    day = now.astimezone(zone).date()
    while True:
        candidate = datetime.combine(day, cutoff_local, zone)
        if candidate > now and candidate.weekday() < 5:
            return candidate
        day += timedelta(days=1)


def _deadline_points(hours: float) -> int:
    return next((points for limit, points in DEADLINE_POINTS if hours <= limit), 0)


def _tiered(value: Decimal, tiers: list[tuple[Decimal, int]]) -> int:
    return next((points for floor, points in tiers if value >= floor), 0)


def _modifiers(inp: PriorityInput) -> tuple[int, list[str]]:
    points, reasons = 0, []
    if inp.order_value is not None and (p := _tiered(inp.order_value, VALUE_POINTS)):
        points += p
        reasons.append(f"order value ${inp.order_value:,.2f} (+{p})")
    if inp.vip:
        points += VIP_POINTS
        reasons.append(f"VIP customer (+{VIP_POINTS})")
    if p := _tiered(inp.lifetime_value, LTV_POINTS):
        points += p
        reasons.append(f"lifetime spend ${inp.lifetime_value:,.2f} (+{p})")
    if inp.contacts >= 2:
        points += REPEAT_POINTS
        reasons.append(f"repeat contact: {inp.contacts} messages (+{REPEAT_POINTS})")
    if inp.negative_tone:
        points += TONE_POINTS
        reasons.append(f"negative tone (+{TONE_POINTS})")
    if p := MONEY_AT_RISK.get(inp.category, 0):
        points += p
        reasons.append(f"money at risk in {inp.category.value} (+{p})")
    if points > MODIFIER_CAP:
        reasons.append(f"value, customer and risk capped at +{MODIFIER_CAP}")
    return min(points, MODIFIER_CAP), reasons


def _band(score: int) -> Priority:
    return next((b for floor, b in BANDS if score >= floor), Priority.P4)


def _lift(inp: PriorityInput, deadline_points: int, band: Priority) -> tuple[Priority, str | None]:
    """The one-band lift: at least one band above where a deadline inside 72 h alone puts the case (a case with
    no nearer irreversible point stays where its score puts it)."""
    if _band(deadline_points) is Priority.P4:
        return band, None
    why = [w for ok, w in [(inp.vip, "VIP customer"),
                           (inp.order_value is not None and inp.order_value >= LIFT_ORDER_VALUE,
                            f"order value ${inp.order_value or 0:,.2f} ≥ ${LIFT_ORDER_VALUE:,.0f}")] if ok]
    if not why:
        return band, None
    order = [Priority.P4, Priority.P3, Priority.P2, Priority.P1]
    floor = order[min(order.index(_band(deadline_points)) + 1, len(order) - 1)]
    if order.index(floor) <= order.index(band):
        return band, None
    return floor, f"one-band lift for {' and '.join(why)}: {band.value} → {floor.value}"


def _duration(hours: float) -> str:
    """Hours as a person counts them: "5.5 h" close by, "11 days 10 h" (not "274.2 h") further out."""
    if hours < 48:
        return f"{hours:.1f} h"
    days, rest = divmod(round(hours), 24)
    return f"{days} days {rest} h" if rest else f"{days} days"


def score_priority(inp: PriorityInput, now: datetime) -> PriorityResult:
    if inp.category is Category.out_of_scope:
        return PriorityResult(band=Priority.P4, score=0, reasons=["out of scope: routed away"], deadline=None)
    nearest = min(inp.deadlines, key=lambda d: d.at, default=None)
    reasons: list[str] = []
    score = 0
    if nearest is None:
        reasons.append("no irreversible point ahead (+0)")
    else:
        hours = max(0.0, (nearest.at - now).total_seconds() / 3600)
        score = _deadline_points(hours)
        when = "passed" if nearest.at <= now else f"in {_duration(hours)}"
        reasons.append(f"{nearest.label} {when} (+{score})")
    deadline_points = score
    extra, extra_reasons = _modifiers(inp)
    score += extra
    band, lifted = _lift(inp, deadline_points, _band(score))
    extra_reasons += [lifted] if lifted else []
    return PriorityResult(band=band, score=float(score), reasons=reasons + extra_reasons, deadline=nearest)
