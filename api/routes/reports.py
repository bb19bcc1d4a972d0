"""The weekly root-cause report on the desk (/desk/reports/weekly) and as data (/reports/weekly)."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, HTTPException, Query, Request
from fastapi.responses import HTMLResponse, PlainTextResponse, Response
from fastapi.templating import Jinja2Templates
from psycopg import AsyncConnection
from psycopg.rows import DictRow

from api.auth import Caller, optional_principal, require_signed_in
from api.charts import report_charts
from api.deps import Now, connection
from copilot.close.reports.render import render, tables
from copilot.close.reports.weekly import WeeklyReport, latest_week, weekly
from copilot.core.errors import CopilotError
from copilot.core.keys import Principal

router = APIRouter(tags=["reports"])
templates = Jinja2Templates(directory=str(Path(__file__).resolve().parents[1] / "templates"))
Conn = Annotated[AsyncConnection[DictRow], Depends(connection)]
Week = Annotated[str | None, Query(description="ISO week YYYY-Www; default: the week of the latest closure.")]


async def _report(conn: AsyncConnection[DictRow], week: str | None, now: datetime) -> WeeklyReport:
    try:
        return await weekly(conn, week or await latest_week(conn, now), now)
    except CopilotError as exc:
        raise HTTPException(status_code=422, detail=exc.message) from None


@router.get("/reports/weekly", response_model=None,
            responses={422: {"description": "The week is not YYYY-Www or out of range; the message says which."}})
async def weekly_data(who: Caller, conn: Conn, now: Now, week: Week = None,
                      format: Literal["json", "md", "csv", "html"] = "json") -> Response | WeeklyReport:
    report = await _report(conn, week, now)
    if format == "json":
        return report
    media = {"md": "text/markdown", "csv": "text/csv", "html": "text/html"}[format]
    return PlainTextResponse(render(report, format), media_type=media)


@router.get("/desk/reports/weekly", response_class=HTMLResponse, include_in_schema=False)
async def weekly_page(request: Request, conn: Conn, now: Now,
                      who: Annotated[Principal | None, Depends(optional_principal)], week: Week = None) -> Response:
    me = require_signed_in(who, request)  # any signed-in role, QA included, reads the report
    try:
        report = await weekly(conn, week or await latest_week(conn, now), now)
    except CopilotError as exc:
        return templates.TemplateResponse(request, "error.html", {"me": me, "title": "No such week",
                                          "message": exc.message, "back": "/desk/reports/weekly"}, status_code=422)
    return templates.TemplateResponse(request, "report_weekly.html",
                                      {"me": me, "report": report, "tables": tables(report, heading=False),
                                       "charts": report_charts(report)})
