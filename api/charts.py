"""Chart specifications for the desk pages; /static/desk-charts.js draws them with the vendored uPlot.

A spec is data only (labels, values, unit, scale); the page embeds it as JSON, so the figures on a chart are the
figures the server computed, and nothing is loaded from outside the project.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import Field

from api.desk_text import title
from copilot.cases.figures import DayAutomation, QueueFigures, Snapshot
from copilot.close.reports.weekly import WeeklyReport
from copilot.core.models import Strict


class ChartSeries(Strict):
    name: str
    values: list[float | None]


class ChartSpec(Strict):
    id: str
    title: str
    kind: Literal["bars", "lines"]
    x: Literal["category", "time"]
    x_label: str
    unit: str = Field(description="The y axis label, with its unit.")
    labels: list[str] = Field(default_factory=list, description="Category names, for a category x axis.")
    times: list[float] = Field(default_factory=list, description="Unix seconds, for a time x axis.")
    series: list[ChartSeries]
    max: float | None = Field(default=None, description="A fixed top of the y scale: 100 for percentages.")


def _pct(value: float | None) -> float | None:
    return None if value is None else round(100 * value, 1)


def _name(queue: str) -> str:
    """The queue as the desk's tables name it ("Pre-fulfillment holds"), so a chart and its table agree."""
    return title(queue)


def queue_percent_chart(chart_id: str, title: str, rows: list[QueueFigures]) -> ChartSpec:
    return ChartSpec(id=chart_id, title=title, kind="bars", x="category", x_label="queue", unit="% of cases",
                     labels=[_name(q.queue) for q in rows], max=100, series=[
                         ChartSeries(name="SLA attainment", values=[_pct(q.sla_attainment) for q in rows]),
                         ChartSeries(name="first touch met", values=[_pct(q.first_touch_rate) for q in rows])])


def first_touch_chart(rows: list[QueueFigures]) -> ChartSpec:
    return ChartSpec(id="first-touch", title="Median time to first touch", kind="bars", x="category",
                     x_label="queue", unit="minutes", labels=[_name(q.queue) for q in rows],
                     series=[ChartSeries(name="median minutes",
                                         values=[None if q.median_first_touch_minutes is None
                                                 else round(q.median_first_touch_minutes, 1) for q in rows])])


def queue_sizes_chart(snapshots: list[Snapshot]) -> ChartSpec:
    """One line per queue over the snapshot times (a queue missing from a snapshot had no open case)."""
    times = sorted({r.at for r in snapshots})
    queues = sorted({r.queue for r in snapshots})
    at = {(r.queue, r.at): float(r.open) for r in snapshots}
    return ChartSpec(id="queue-sizes", title="Open cases per queue", kind="lines", x="time", x_label="time (UTC)",
                     unit="open cases", times=[t.timestamp() for t in times],
                     series=[ChartSeries(name=_name(q), values=[at.get((q, t), 0.0) for t in times]) for q in queues])


def automation_chart(days: list[DayAutomation]) -> ChartSpec:
    return ChartSpec(id="automation", title="Automation rate by day", kind="bars", x="time", x_label="day (UTC)",
                     unit="% of decided cases", max=100, times=[d.day.timestamp() for d in days],
                     series=[ChartSeries(name="first touch automatic", values=[_pct(d.rate) for d in days])])


def report_charts(r: WeeklyReport) -> list[ChartSpec]:
    causes = r.causes[:10]
    return [
        queue_percent_chart("report-sla", "SLA by queue (of 100%)", list(r.queues)),
        ChartSpec(id="report-causes", title="Repeat causes", kind="bars", x="category", x_label="cause",
                  unit="cases", labels=[f"{c.cause} {c.detail or ''}".replace("_", " ").strip() for c in causes],
                  series=[ChartSeries(name="cases", values=[float(c.count) for c in causes])]),
        ChartSpec(id="report-money", title="Recovered, cancelled and prevented", kind="bars", x="category",
                  x_label="outcome", unit="order value", labels=["recovered", "cancelled", "prevented"],
                  series=[ChartSeries(name="value", values=[float(r.recovered.value), float(r.cancelled.value),
                                                            float(r.prevented.value)])]),
        ChartSpec(id="report-leakage", title="Leakage", kind="bars", x="category", x_label="kind", unit="amount",
                  labels=["refunds", "reships", "concessions", "intercept fees"],
                  series=[ChartSeries(name="amount", values=[float(r.leakage.refunds), float(r.leakage.reships),
                                                             float(r.leakage.concessions),
                                                             float(r.leakage.intercept_fees)])]),
    ]


def as_of(now: datetime) -> str:
    return now.strftime("%Y-%m-%d %H:%M UTC")
