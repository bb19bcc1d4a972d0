"""The weekly root-cause report (DESIGN §9), computed from the ledger, the cases and the system of record."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from psycopg import AsyncConnection
from psycopg.rows import DictRow

from copilot.cases.figures import QueueFigures, queue_figures
from copilot.core import db
from copilot.core.errors import InvalidInput
from copilot.core.models import Strict

ZERO = Decimal("0")
# Orders of these categories were delivered before the case: shipping after it recovers nothing.
NOT_RECOVERABLE = ("refund_request", "concession_request", "chargeback")
REPEAT_AT = 2
_WEEK = re.compile(r"^(\d{4})-W(\d{2})$")


class CauseRow(Strict):
    cause: str
    detail: str | None
    count: int
    cost: Decimal


class QueueRow(QueueFigures):
    """The shared figures (copilot.cases.figures) plus resolution, judged on each case's latest closure."""

    resolved: int
    resolution_met: int

    @property
    def resolution_rate(self) -> float | None:
        return self.resolution_met / self.resolved if self.resolved else None


class Money(Strict):
    count: int
    value: Decimal


class Leakage(Strict):
    refunds: Decimal
    reships: Decimal
    concessions: Decimal
    intercept_fees: Decimal

    @property
    def total(self) -> Decimal:
        return self.refunds + self.reships + self.concessions + self.intercept_fees


class WeeklyReport(Strict):
    week: str
    start: datetime
    end: datetime
    closed: int
    opened: int
    causes: list[CauseRow]
    recovered: Money
    cancelled: Money
    prevented: Money
    leakage: Leakage
    queues: list[QueueRow]
    feedback: list[str]


def parse_week(text: str) -> tuple[datetime, datetime]:
    match = _WEEK.match(text.strip())
    if not match:
        raise InvalidInput(f"week {text!r} is not in the form YYYY-Www (e.g. 2026-W47)")
    try:
        monday = date.fromisocalendar(int(match.group(1)), int(match.group(2)), 1)
        start = datetime(monday.year, monday.month, monday.day, tzinfo=UTC)
        return start, start + timedelta(days=7)
    except (ValueError, OverflowError) as exc:  # 9999-W52 ends past the last date Python can hold
        raise InvalidInput(f"week {text!r} does not exist: {exc}") from None


def week_of(moment: datetime) -> str:
    year, week, _ = moment.astimezone(UTC).isocalendar()
    return f"{year}-W{week:02d}"


async def latest_week(conn: AsyncConnection[DictRow], fallback: datetime) -> str:
    """The default week: the one with the latest closure, else the fallback's."""
    cur = await conn.execute("SELECT max(closed_at) AS at FROM root_causes")
    row = await db.one(cur)
    return week_of(row["at"] or fallback)


_CLOSURES = "FROM root_causes r LEFT JOIN sandbox.orders o ON o.id = r.order_id WHERE r.closed_at >= %(s)s AND r.closed_at < %(e)s"
_CAUSES = f"""SELECT r.cause, r.detail, count(*) AS count,
    sum(r.refunds + r.reships + r.concessions + r.intercept_fees) AS cost {_CLOSURES}
GROUP BY r.cause, r.detail ORDER BY count(*) DESC, 4 DESC, r.cause, r.detail"""
_MONEY = f"""SELECT
  count(*) FILTER (WHERE o.status IN ('shipped', 'delivered') AND r.category <> ALL(%(nr)s)) AS rec_n,
  coalesce(sum(r.order_value) FILTER (WHERE o.status IN ('shipped', 'delivered') AND r.category <> ALL(%(nr)s)), 0)
    AS rec_v,
  count(*) FILTER (WHERE o.status = 'cancelled') AS can_n,
  coalesce(sum(r.order_value) FILTER (WHERE o.status = 'cancelled'), 0) AS can_v,
  count(*) FILTER (WHERE o.status IS DISTINCT FROM 'cancelled' AND EXISTS (SELECT 1 FROM case_events e
    WHERE e.case_id = r.case_id AND e.kind = 'customer_replied' AND e.data->>'choice' <> 'cancel')) AS pre_n,
  coalesce(sum(r.order_value) FILTER (WHERE o.status IS DISTINCT FROM 'cancelled' AND EXISTS (SELECT 1
    FROM case_events e WHERE e.case_id = r.case_id AND e.kind = 'customer_replied'
    AND e.data->>'choice' <> 'cancel')), 0) AS pre_v,
  coalesce(sum(r.refunds), 0) AS refunds, coalesce(sum(r.reships), 0) AS reships,
  coalesce(sum(r.concessions), 0) AS concessions, coalesce(sum(r.intercept_fees), 0) AS intercept_fees,
  count(*) AS closed {_CLOSURES}"""
# Resolution of the cases opened in the week, judged on each case's latest closure; the other queue figures come
# from copilot.cases.figures, like the desk's and /metrics'.
_RESOLUTION = """SELECT COALESCE(c.queue, 'unrouted') AS queue,
  count(*) FILTER (WHERE l.closed_at IS NOT NULL) AS resolved,
  count(*) FILTER (WHERE l.closed_at <= c.resolution_due) AS resolution_met
FROM cases c LEFT JOIN LATERAL (SELECT closed_at FROM root_causes r WHERE r.case_id = c.id
                                ORDER BY round DESC LIMIT 1) l ON true
WHERE c.created_at >= %(s)s AND c.created_at < %(e)s AND c.queue IS NOT NULL AND c.queue <> 'routed_away'
GROUP BY 1"""


async def weekly(conn: AsyncConnection[DictRow], week: str, now: datetime | None = None) -> WeeklyReport:
    """The week's report; `now` (default: the week's end) is the clock of cases still open."""
    start, end = parse_week(week)
    params = {"s": start, "e": end, "nr": list(NOT_RECOVERABLE)}
    causes = [CauseRow.model_validate(r) for r in await (await conn.execute(_CAUSES, params)).fetchall()]
    m = await db.one(await conn.execute(_MONEY, params))
    resolution = {r["queue"]: r for r in await (await conn.execute(_RESOLUTION, params)).fetchall()}
    shared = await queue_figures(conn, start, end, min(now or end, end))
    queues = [QueueRow.model_validate(q.model_dump() | {k: resolution[q.queue][k] for k in ("resolved",
                                                                                            "resolution_met")})
              for q in shared]
    return WeeklyReport(
        week=week, start=start, end=end, closed=m["closed"], opened=sum(q.cases for q in queues), causes=causes,
        recovered=Money(count=m["rec_n"], value=m["rec_v"]), cancelled=Money(count=m["can_n"], value=m["can_v"]),
        prevented=Money(count=m["pre_n"], value=m["pre_v"]),
        leakage=Leakage(refunds=m["refunds"], reships=m["reships"], concessions=m["concessions"],
                        intercept_fees=m["intercept_fees"]),
        queues=queues, feedback=feedback(causes))


_PHRASES = {
    "oversold_sku": "SKU {d} oversold {n} times", "short_pick": "SKU {d} short-picked {n} times",
    "backorder": "SKU {d} backordered {n} times", "partial_availability": "SKU {d} split orders {n} times",
    "missed_cutoff": "Warehouse {d} missed the carrier cutoff {n} times",
    "warehouse_backlog": "Warehouse {d} backlog delayed {n} orders",
    "fraud_rule_false_positive": "Fraud rules ({d}) held {n} good orders",
    "soft_issuer_decline": "Soft issuer decline {d} on {n} orders: retry schedule works",
    "hard_decline": "Hard decline {d} on {n} orders", "missing_unit": "Addresses missing a unit number {n} times",
    "po_box": "PO box addresses for carrier {d} {n} times", "zip_mismatch": "ZIP/state mismatch in {d} {n} times",
    "carrier_lost": "Carrier {d} lost {n} parcels", "carrier_damaged": "Carrier {d} damaged {n} parcels",
}


def feedback(causes: list[CauseRow], at_least: int = REPEAT_AT) -> list[str]:
    """One line per repeat cause, for the team that can remove it."""
    lines = []
    for row in causes:
        if row.count < at_least:
            continue
        template = _PHRASES.get(row.cause, "{c}" + (" ({d})" if row.detail else "") + ": {n} times")
        lines.append(template.format(d=row.detail or "unknown", n=row.count, c=row.cause.replace("_", " ")))
    return lines
