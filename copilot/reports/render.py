"""The weekly report as Markdown, CSV, or HTML with inline SVG charts (no external assets)."""

from __future__ import annotations

import csv
import io
from html import escape
from typing import Literal

from copilot.reports.weekly import WeeklyReport

Format = Literal["html", "md", "csv"]


def _pct(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.0%}"


def _minutes(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.0f} min"


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
            "| queue | cases | first touch met | median first touch | resolved | resolution met |",
            "|---|---:|---:|---:|---:|---:|"]
    out += [f"| {q.queue} | {q.cases} | {_pct(q.first_touch_rate)} | {_minutes(q.median_first_touch_minutes)} |"
            f" {q.resolved} | {_pct(q.resolution_rate)} |" for q in r.queues]
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
        w.writerow([r.week, "sla_first_touch", q.queue, "met", q.first_touch_met, q.cases])
        w.writerow([r.week, "sla_resolution", q.queue, "met", q.resolution_met, q.resolved])
        w.writerow([r.week, "first_touch_median_minutes", q.queue, "", q.cases,
                    "" if q.median_first_touch_minutes is None else round(q.median_first_touch_minutes, 1)])
    for line in r.feedback:
        w.writerow([r.week, "feedback", line, "", "", ""])
    return buf.getvalue()


def bars(title: str, items: list[tuple[str, float]], unit: str = "") -> str:
    """A horizontal bar chart as inline SVG."""
    width, row, label_w = 560, 22, 220
    top = max((v for _, v in items), default=0) or 1
    height = row * max(1, len(items)) + 28
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" role="img" width="{width}" height="{height}"'
             f' viewBox="0 0 {width} {height}"><title>{escape(title)}</title>',
             f'<text x="0" y="14" font-size="13" font-weight="bold">{escape(title)}</text>']
    for i, (label, value) in enumerate(items):
        y = 24 + i * row
        w = (width - label_w - 80) * value / top
        parts.append(f'<text x="0" y="{y + 14}" font-size="12">{escape(label[:34])}</text>'
                     f'<rect x="{label_w}" y="{y + 3}" width="{w:.1f}" height="{row - 6}" fill="#3b6ea5"/>'
                     f'<text x="{label_w + w + 4:.1f}" y="{y + 14}" font-size="12">{value:g}{unit}</text>')
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
        bars("First touch within SLA", [(q.queue, round(100 * (q.first_touch_rate or 0))) for q in r.queues], "%"),
    ]


def html_body(r: WeeklyReport) -> str:
    """The report's body, shared by the standalone file and the desk page."""
    table = markdown(r)  # the same figures, as readable tables
    rows = []
    for line in table.splitlines():
        if line.startswith("# "):
            rows.append(f"<h1>{escape(line[2:])}</h1>")
        elif line.startswith("## "):
            rows.append(f"<h2>{escape(line[3:])}</h2>")
        elif line.startswith("|") and not line.startswith("|---"):
            cells = "".join(f"<td>{escape(c.strip().strip('*'))}</td>" for c in line.strip("|").split("|"))
            rows.append(f"<tr>{cells}</tr>")
        elif line.startswith("- "):
            rows.append(f"<li>{escape(line[2:])}</li>")
        elif line.strip():
            rows.append(f"<p>{escape(line)}</p>")
    body = _group_tables(rows)
    return "<div class='charts'>" + "".join(f"<figure>{svg}</figure>" for svg in charts(r)) + "</div>" + body


def _group_tables(rows: list[str]) -> str:
    out, open_tag = [], None
    for row in rows:
        tag = "table" if row.startswith("<tr>") else "ul" if row.startswith("<li>") else None
        if tag != open_tag:
            if open_tag:
                out.append(f"</{open_tag}>")
            if tag:
                out.append(f"<{tag}>")
            open_tag = tag
        out.append(row)
    if open_tag:
        out.append(f"</{open_tag}>")
    return "".join(out)


def html(r: WeeklyReport) -> str:
    return ("<!doctype html><html><head><meta charset='utf-8'>"
            f"<title>Recovery Desk weekly report {escape(r.week)}</title><style>"
            "body{font-family:sans-serif;max-width:960px;margin:2em auto}td{padding:2px 10px;border-bottom:1px solid #ddd}"
            "figure{display:inline-block;margin:8px}</style></head><body>" + html_body(r) + "</body></html>\n")


def render(r: WeeklyReport, fmt: Format) -> str:
    return {"html": html, "md": markdown, "csv": csv_text}[fmt](r)
