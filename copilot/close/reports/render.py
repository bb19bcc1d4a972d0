"""The weekly report as Markdown, CSV, or a standalone HTML file (tables and inline SVG charts, no external assets)."""

from __future__ import annotations

import csv
import io
from html import escape
from typing import Literal

from copilot.close.reports.weekly import WeeklyReport

Format = Literal["html", "md", "csv"]


def _pct(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.0%}"


def minutes(value: float | None) -> str:
    """A median first touch: 0.4 min is not "0 min" (the chart beside the table draws 0.4)."""
    if value is None:
        return "n/a"
    return f"{value:.1f} min" if value < 10 else f"{value:.0f} min"


def markdown(r: WeeklyReport) -> str:
    out = [f"# Recovery Desk weekly report {r.week}", "",
           f"{r.start:%Y-%m-%d} to {r.end:%Y-%m-%d}: {r.opened} cases opened, {r.closed} closed.", "",
           "## Money", "", "| figure | orders | value |", "|---|---:|---:|",
           f"| recovered (shipped or delivered after a case) | {r.recovered.count} | {r.recovered.value} |",
           f"| cancelled | {r.cancelled.count} | {r.cancelled.value} |",
           f"| prevented cancellations | {r.prevented.count} | {r.prevented.value} |", "",
           "## Leakage", "", "| kind | amount |", "|---|---:|",
           f"| refunds | {r.leakage.refunds} |", f"| reships | {r.leakage.reships} |",
           f"| concessions | {r.leakage.concessions} |", f"| intercept fees | {r.leakage.intercept_fees} |",
           f"| **total** | **{r.leakage.total}** |", "",
           "## Repeat causes", "", "| cause | detail | cases | cost |", "|---|---|---:|---:|"]
    out += [f"| {c.cause} | {c.detail or ''} | {c.count} | {c.cost} |" for c in r.causes]
    out += ["", "## SLA by queue", "",
            "| queue | cases | SLA attainment | first touch met | median first touch | resolved | resolution met |",
            "|---|---:|---:|---:|---:|---:|---:|"]
    out += [f"| {q.queue} | {q.cases} | {_pct(q.sla_attainment)} | {_pct(q.first_touch_rate)} |"
            f" {minutes(q.median_first_touch_minutes)} | {q.resolved} | {_pct(q.resolution_rate)} |" for q in r.queues]
    out += ["", "## Feedback for operations", ""] + [f"- {line}" for line in r.feedback or ["no repeat causes"]]
    return "\n".join(out) + "\n"


def csv_text(r: WeeklyReport) -> str:
    """One long table: section, name, detail, count, value; easy to pivot in a spreadsheet."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(["week", "section", "name", "detail", "count", "value"])
    for name, m in (("recovered", r.recovered), ("cancelled", r.cancelled), ("prevented", r.prevented)):
        w.writerow([r.week, "money", name, "", m.count, m.value])
    for name in ("refunds", "reships", "concessions", "intercept_fees"):
        w.writerow([r.week, "leakage", name, "", "", getattr(r.leakage, name)])
    for c in r.causes:
        w.writerow([r.week, "cause", c.cause, c.detail or "", c.count, c.cost])
    for q in r.queues:
        w.writerow([r.week, "sla_attainment", q.queue, "met", q.sla_met, q.cases])
        w.writerow([r.week, "sla_first_touch", q.queue, "met", q.first_touch_met, q.first_touch_decided])
        w.writerow([r.week, "sla_resolution", q.queue, "met", q.resolution_met, q.resolved])
        w.writerow([r.week, "first_touch_median_minutes", q.queue, "", q.cases,
                    "" if q.median_first_touch_minutes is None else round(q.median_first_touch_minutes, 1)])
    for line in r.feedback:
        w.writerow([r.week, "feedback", line, "", "", ""])
    return buf.getvalue()


def bars(title: str, items: list[tuple[str, float]], unit: str = "", top: float | None = None) -> str:
    """A horizontal bar chart as inline SVG, for the standalone file; `top` fixes the scale (100 for percents)."""
    width, row, label_w = 560, 22, 220
    top = top or max((v for _, v in items), default=0) or 1
    height = row * max(1, len(items)) + 28
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" role="img" width="{width}" height="{height}"'
             f' viewBox="0 0 {width} {height}"><title>{escape(title)}</title>',
             f'<text x="0" y="14" font-size="13" font-weight="bold">{escape(title)}</text>']
    for i, (label, value) in enumerate(items):
        y = 24 + i * row
        full = width - label_w - 80
        w = full * min(value, top) / top
        parts.append(f'<text x="0" y="{y + 14}" font-size="12">{escape(label[:34])}</text>'
                     f'<rect x="{label_w}" y="{y + 3}" width="{full}" height="{row - 6}" fill="#eef0f3"/>'
                     f'<rect x="{label_w}" y="{y + 3}" width="{w:.1f}" height="{row - 6}" fill="#3b6ea5"/>'
                     f'<text x="{label_w + full + 4:.1f}" y="{y + 14}" font-size="12">{value:g}{unit}</text>')
    if not items:
        parts.append('<text x="0" y="40" font-size="12">no data this week</text>')
    return "".join(parts) + "</svg>"


def charts(r: WeeklyReport) -> list[str]:
    return [
        bars("Repeat causes (cases)", [(f"{c.cause} {c.detail or ''}".strip(), c.count) for c in r.causes[:10]]),
        bars("Recovered vs cancelled (value)", [("recovered", float(r.recovered.value)),
                                                ("cancelled", float(r.cancelled.value)),
                                                ("prevented cancellations", float(r.prevented.value))]),
        bars("Leakage", [("refunds", float(r.leakage.refunds)), ("reships", float(r.leakage.reships)),
                         ("concessions", float(r.leakage.concessions)),
                         ("intercept fees", float(r.leakage.intercept_fees))]),
        bars("First touch within SLA (of 100%)", [(q.queue, round(100 * (q.first_touch_rate or 0)))
                                                  for q in r.queues], "%", top=100),
    ]


def _table(head: list[str], rows: list[list[object]], numeric_from: int = 1) -> str:
    """A real HTML table: a header row, then one row per item; number columns right-aligned."""
    def cls(i: int) -> str:
        return " class='num'" if i >= numeric_from else ""

    th = "".join(f"<th{cls(i)}>{escape(h)}</th>" for i, h in enumerate(head))
    body = "".join("<tr>" + "".join(f"<td{cls(i)}>{escape(str(v))}</td>" for i, v in enumerate(row)) + "</tr>"
                   for row in rows)
    return f"<table class='report'><thead><tr>{th}</tr></thead><tbody>{body}</tbody></table>"


def tables(r: WeeklyReport, *, heading: bool = True) -> str:
    """The report's figures as HTML tables, built from the report itself (never from its Markdown); the desk
    page puts the heading above its charts instead (`heading=False`)."""
    lk = r.leakage
    head = [f"<h1>Recovery Desk weekly report {escape(r.week)}</h1>",
            f"<p>{r.start:%Y-%m-%d} to {r.end:%Y-%m-%d}: {r.opened} cases opened, {r.closed} closed.</p>"]
    parts = [*(head if heading else []),
             "<h2>Money</h2>", _table(["figure", "orders", "value"], [
                 ["recovered (shipped or delivered after a case)", r.recovered.count, r.recovered.value],
                 ["cancelled", r.cancelled.count, r.cancelled.value],
                 ["prevented cancellations", r.prevented.count, r.prevented.value]]),
             "<h2>Leakage</h2>", _table(["kind", "amount"], [
                 ["refunds", lk.refunds], ["reships", lk.reships], ["concessions", lk.concessions],
                 ["intercept fees", lk.intercept_fees], ["total", lk.total]]),
             "<h2>Repeat causes</h2>", _table(["cause", "detail", "cases", "cost"], [
                 [c.cause.replace("_", " "), c.detail or "", c.count, c.cost] for c in r.causes]
                 or [["no case closed this week", "", 0, 0]], numeric_from=2),
             "<h2>SLA by queue</h2>", _table(
                 ["queue", "cases", "SLA attainment", "first touch met", "median first touch", "resolved",
                  "resolution met"],
                 [[q.queue.replace("_", " "), q.cases, _pct(q.sla_attainment), _pct(q.first_touch_rate),
                   minutes(q.median_first_touch_minutes), q.resolved, _pct(q.resolution_rate)] for q in r.queues]),
             "<h2>Feedback for operations</h2>",
             "<ul>" + "".join(f"<li>{escape(line)}</li>" for line in r.feedback or ["no repeat causes"]) + "</ul>"]
    return "".join(parts)


def html_body(r: WeeklyReport) -> str:
    """The standalone file's body: inline SVG charts (it has no server to load a chart library from), then tables."""
    return "<div class='charts'>" + "".join(f"<figure>{svg}</figure>" for svg in charts(r)) + "</div>" + tables(r)


def html(r: WeeklyReport) -> str:
    return ("<!doctype html><html><head><meta charset='utf-8'>"
            f"<title>Recovery Desk weekly report {escape(r.week)}</title><style>"
            "body{font-family:sans-serif;max-width:960px;margin:2em auto}td,th{padding:2px 10px;border-bottom:1px solid #ddd;"
            "text-align:left}.num{text-align:right}table{border-collapse:collapse}"
            "figure{display:inline-block;margin:8px}</style></head><body>" + html_body(r) + "</body></html>\n")


def render(r: WeeklyReport, fmt: Format) -> str:
    return {"html": html, "md": markdown, "csv": csv_text}[fmt](r)
