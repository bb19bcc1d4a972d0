"""GET /metrics in the Prometheus text format, and the data behind the desk's metrics charts."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import PlainTextResponse
from psycopg import AsyncConnection
from psycopg.rows import DictRow

from api.deps import Now, connection
from api.routes.ops_metrics import operations
from copilot.cases import counts, figures
from copilot.cases.figures import DayAutomation, QueueFigures, Snapshot
from copilot.core.models import Strict

router = APIRouter(tags=["metrics"])

WINDOW = timedelta(days=7)  # the desk's figures are over the cases created in the last 7 days


def _label(value: object) -> str:
    return str(value).replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


def _family(name: str, kind: str, help_text: str, samples: list[tuple[dict[str, object], float]]) -> list[str]:
    lines = [f"# HELP {name} {help_text}", f"# TYPE {name} {kind}"]
    for labels, value in samples:
        inner = ",".join(f'{k}="{_label(v)}"' for k, v in labels.items())
        lines.append(f"{name}{{{inner}}} {value:g}" if inner else f"{name} {value:g}")
    return lines


async def exposition(conn: AsyncConnection[DictRow], now: datetime) -> str:
    cases = await counts.cases_by_status(conn)
    sla = await counts.sla_by_queue(conn, now)
    approvals = await counts.decisions_by_role(conn)
    auto = await figures.automation(conn, datetime.min.replace(tzinfo=UTC), now + timedelta(days=1))
    rate = auto.rate or 0.0
    week = await figures.queue_figures(conn, now - WINDOW, now, now)
    lines = [
        *_family("copilot_cases", "gauge", "Cases by queue and status.",
                 [({"queue": r.queue, "status": r.status}, r.n) for r in cases]),
        *_family("copilot_sla_breaches_total", "counter", "Cases that breached an SLA clock, by queue.",
                 [({"queue": r.queue}, r.breaches) for r in sla]),
        *_family("copilot_sla_at_risk", "gauge", "Open cases past 75% of an SLA budget, by queue.",
                 [({"queue": r.queue}, r.at_risk) for r in sla]),
        *_family("copilot_sla_breached_open", "gauge", "Open cases past an SLA due time, by queue.",
                 [({"queue": r.queue}, r.breached_open) for r in sla]),
        *_family("copilot_approvals_total", "counter", "Decisions on plans, by decision and role.",
                 [({"decision": r.decision, "role": r.role}, r.n) for r in approvals]),
        *_family("copilot_automation_rate", "gauge",
                 "Share of decided cases whose first decision was automatic (copilot.cases.figures).", [({}, rate)]),
        *_family("copilot_sla_attainment", "gauge", "Share of the cases created in the last 7 days with no SLA "
                 "breach, by queue (copilot.cases.figures; the same figure as /desk/metrics and the weekly report).",
                 [({"queue": q.queue}, q.sla_attainment or 0.0) for q in week]),
        *_family("copilot_first_touch_met_ratio", "gauge", "Share of the cases created in the last 7 days first "
                 "touched by their first-touch due time, by queue (copilot.cases.figures).",
                 [({"queue": q.queue}, q.first_touch_rate or 0.0) for q in week]),
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


class Dashboard(Strict):
    since: datetime
    queues: list[QueueFigures]
    snapshots: list[Snapshot]
    automation_by_day: list[DayAutomation]


async def dashboard(conn: AsyncConnection[DictRow], now: datetime) -> Dashboard:
    """What /desk/metrics charts: the shared figures over the last 7 days, and 48 hours of queue snapshots."""
    sizes = await counts.snapshots(conn, now - timedelta(days=2), now)
    return Dashboard(since=now - WINDOW, queues=await figures.queue_figures(conn, now - WINDOW, now, now),
                     snapshots=sizes, automation_by_day=await figures.automation_by_day(conn, now - WINDOW, now))
