"""GET /metrics in the Prometheus text format, and the data behind the desk's metrics charts."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import PlainTextResponse
from psycopg import AsyncConnection
from psycopg.rows import DictRow

from api.deps import connection
from api.routes.cases import Now
from api.routes.ops_metrics import operations
from copilot.models import Strict
from copilot.queries import OPEN_SQL, SLA_STATE_SQL

router = APIRouter(tags=["metrics"])

_CASES = "SELECT COALESCE(queue, 'unrouted') AS queue, status, count(*) AS n FROM cases GROUP BY 1, 2 ORDER BY 1, 2"
_SLA = f"""SELECT COALESCE(c.queue, 'unrouted') AS queue,
    count(*) FILTER (WHERE c.sla_breached_at IS NOT NULL) AS breaches,
    count(*) FILTER (WHERE {OPEN_SQL} AND ({SLA_STATE_SQL}) = 'at_risk') AS at_risk,
    count(*) FILTER (WHERE {OPEN_SQL} AND ({SLA_STATE_SQL}) = 'breached') AS breached_open
FROM cases c GROUP BY 1 ORDER BY 1"""
_APPROVALS = "SELECT decision, role, count(*) AS n FROM approvals GROUP BY 1, 2 ORDER BY 1, 2"
# Automation rate: of the cases that got a decision, the share whose first decision was automatic.
_AUTOMATION = """SELECT count(*) AS decided, count(*) FILTER (WHERE first = 'auto') AS automated FROM (
    SELECT DISTINCT ON (case_id) decision AS first FROM approvals ORDER BY case_id, id) f"""


def _label(value: object) -> str:
    return str(value).replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


def _family(name: str, kind: str, help_text: str, samples: list[tuple[dict[str, object], float]]) -> list[str]:
    lines = [f"# HELP {name} {help_text}", f"# TYPE {name} {kind}"]
    for labels, value in samples:
        inner = ",".join(f'{k}="{_label(v)}"' for k, v in labels.items())
        lines.append(f"{name}{{{inner}}} {value:g}" if inner else f"{name} {value:g}")
    return lines


async def _rows(conn: AsyncConnection[DictRow], sql: str, params: dict[str, object] | None = None) -> list[dict]:
    cur = await conn.execute(sql, params)
    return list(await cur.fetchall())


async def exposition(conn: AsyncConnection[DictRow], now: datetime) -> str:
    cases = await _rows(conn, _CASES)
    sla = await _rows(conn, _SLA, {"now": now})
    approvals = await _rows(conn, _APPROVALS)
    auto = (await _rows(conn, _AUTOMATION))[0]
    rate = auto["automated"] / auto["decided"] if auto["decided"] else 0.0
    lines = [
        *_family("copilot_cases", "gauge", "Cases by queue and status.",
                 [({"queue": r["queue"], "status": r["status"]}, r["n"]) for r in cases]),
        *_family("copilot_sla_breaches_total", "counter", "Cases that breached an SLA clock, by queue.",
                 [({"queue": r["queue"]}, r["breaches"]) for r in sla]),
        *_family("copilot_sla_at_risk", "gauge", "Open cases past 75% of an SLA budget, by queue.",
                 [({"queue": r["queue"]}, r["at_risk"]) for r in sla]),
        *_family("copilot_sla_breached_open", "gauge", "Open cases past an SLA due time, by queue.",
                 [({"queue": r["queue"]}, r["breached_open"]) for r in sla]),
        *_family("copilot_approvals_total", "counter", "Decisions on plans, by decision and role.",
                 [({"decision": r["decision"], "role": r["role"]}, r["n"]) for r in approvals]),
        *_family("copilot_automation_rate", "gauge",
                 "Share of decided cases whose first touch was automatic.", [({}, rate)]),
    ]
    return "\n".join(lines) + "\n"


@router.get("/metrics", response_class=PlainTextResponse,
            responses={200: {"content": {"text/plain": {"example": 'copilot_cases{queue="chargebacks",'
                                                                  'status="triaged"} 3\n'}}}})
async def metrics(conn: Annotated[AsyncConnection[DictRow], Depends(connection)], now: Now,
                  request: Request) -> PlainTextResponse:
    """Prometheus text exposition (version 0.0.4): cases, SLA breaches, approvals, automation rate; workers,
    the job queue (ready, oldest ready age, failed) and the LLM breaker."""
    ops = await operations(conn, request.app.state.settings, getattr(request.app.state, "worker", None))
    text = await exposition(conn, now) + "\n".join(ops) + "\n"
    return PlainTextResponse(text, media_type="text/plain; version=0.0.4; charset=utf-8")


class Point(Strict):
    label: str
    value: float


class Series(Strict):
    name: str
    points: list[tuple[datetime, float]]


class Dashboard(Strict):
    sla_by_queue: list[Point]
    first_touch_minutes: list[Point]
    queue_sizes: list[Series]
    automation_by_day: list[Point]


async def dashboard(conn: AsyncConnection[DictRow], now: datetime) -> Dashboard:
    sla = await _rows(conn, f"""SELECT COALESCE(c.queue, 'unrouted') AS label,
        1 - (count(*) FILTER (WHERE ({SLA_STATE_SQL}) = 'breached'))::float / count(*) AS value
        FROM cases c WHERE c.status <> 'routed_away' GROUP BY 1 ORDER BY 1""", {"now": now})
    touch = await _rows(conn, """SELECT COALESCE(queue, 'unrouted') AS label,
        percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM first_touched_at - created_at) / 60)
        AS value FROM cases WHERE first_touched_at IS NOT NULL GROUP BY 1 ORDER BY 1""")
    sizes = await _rows(conn, """SELECT queue, at, open FROM queue_snapshots
        WHERE at > %(since)s AND at <= %(now)s ORDER BY queue, at""", {"since": now - timedelta(days=2), "now": now})
    auto = await _rows(conn, """SELECT to_char(day, 'MM-DD') AS label,
        count(*) FILTER (WHERE first = 'auto')::float / count(*) AS value FROM (
            SELECT DISTINCT ON (case_id) decision AS first, date_trunc('day', created_at) AS day
            FROM approvals WHERE created_at > %(since)s ORDER BY case_id, id) f
        GROUP BY day ORDER BY day""", {"since": now - timedelta(days=14)})
    series: dict[str, list[tuple[datetime, float]]] = {}
    for r in sizes:
        series.setdefault(r["queue"], []).append((r["at"], float(r["open"])))
    return Dashboard(
        sla_by_queue=[Point.model_validate(r) for r in sla],
        first_touch_minutes=[Point(label=r["label"], value=float(r["value"])) for r in touch],
        queue_sizes=[Series(name=k, points=v) for k, v in series.items()],
        automation_by_day=[Point.model_validate(r) for r in auto],
    )


def _esc(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")


def bar_chart(title: str, points: list[Point], fmt: str = "{:.0f}", top: float | None = None) -> str:
    """Horizontal bars as inline SVG: one row per label, the value printed at the bar's end."""
    if not points:
        return f'<p class="empty">{_esc(title)}: no data yet</p>'
    high = top or max(p.value for p in points) or 1.0
    row, width, left = 26, 520, 190
    parts = [f'<svg class="chart" role="img" aria-label="{_esc(title)}" viewBox="0 0 {width} {row * len(points) + 8}">']
    for i, p in enumerate(points):
        y = 4 + i * row
        w = max(1.0, (width - left - 70) * min(p.value, high) / high)
        parts.append(f'<text x="{left - 8}" y="{y + 16}" text-anchor="end">{_esc(p.label)}</text>'
                     f'<rect x="{left}" y="{y + 3}" width="{w:.1f}" height="{row - 8}" rx="3"/>'
                     f'<text x="{left + w + 6:.1f}" y="{y + 16}">{_esc(fmt.format(p.value))}</text>')
    return "".join(parts) + "</svg>"


def line_chart(title: str, series: list[Series]) -> str:
    """Lines over time as inline SVG, one per series, with a legend."""
    stamps = [t for s in series for t, _ in s.points]
    if not stamps:
        return f'<p class="empty">{_esc(title)}: no snapshots yet (the worker writes one every 5 minutes)</p>'
    t0, t1 = min(stamps), max(stamps)
    span = (t1 - t0).total_seconds() or 1.0
    high = max(v for s in series for _, v in s.points) or 1.0
    width, height, pad = 520, 200, 30
    parts = [f'<svg class="chart" role="img" aria-label="{_esc(title)}" viewBox="0 0 {width} {height + 20 * len(series)}">',
             f'<text x="{pad}" y="12">max {high:.0f}</text>']
    for i, s in enumerate(series):
        xy = " ".join(f"{pad + (width - 2 * pad) * (t - t0).total_seconds() / span:.1f},"
                      f"{height - pad - (height - 2 * pad) * v / high:.1f}" for t, v in s.points)
        parts.append(f'<polyline class="s{i % 6}" fill="none" points="{xy}"/>'
                     f'<text class="s{i % 6}" x="{pad}" y="{height + 14 + 20 * i}">{_esc(s.name)}</text>')
    return "".join(parts) + "</svg>"
