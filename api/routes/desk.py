"""The web desk: server-rendered pages (Jinja2 + vendored htmx) over the same queries and decisions as the API."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime
from pathlib import Path
from typing import Annotated, TypeVar
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from psycopg import AsyncConnection
from psycopg.rows import DictRow
from pydantic import BaseModel, ValidationError

from api import charts, desk_plan, desk_text
from api.auth import COOKIE, optional_principal, require_signed_in
from api.deps import Now, connection
from api.routes import cases as api_cases
from api.routes.metrics import dashboard
from api.schemas import (
    ApproveRequest,
    CloseRequest,
    EditRequest,
    EscalateRequest,
    HandBackRequest,
    NoteRequest,
    RejectRequest,
    ReplanRequest,
    SlaState,
    TakeRequest,
)
from copilot.close.reports.render import minutes
from copilot.core.errors import CopilotError, Forbidden, InvalidInput, Unauthorized
from copilot.core.keys import Principal, authenticate
from copilot.core.roles import DESK_ROLES
from copilot.desk.ownership import CloseOutcome
from copilot.desk.queries import (
    CaseFilters,
    CaseSummary,
    case_detail,
    decode_cursor,
    encode_cursor,
    list_cases,
)

router = APIRouter(prefix="/desk", include_in_schema=False)
templates = Jinja2Templates(directory=str(Path(__file__).resolve().parents[1] / "templates"))
Conn = Annotated[AsyncConnection[DictRow], Depends(connection)]
MaybeWho = Annotated[Principal | None, Depends(optional_principal)]


def countdown(due: datetime | None, now: datetime) -> str:
    if due is None:
        return "no deadline"
    minutes = round((due - now).total_seconds() / 60)
    left = abs(minutes)
    text = f"{left // 1440}d {left % 1440 // 60}h" if left >= 1440 else f"{left // 60}h {left % 60:02d}m"
    return f"overdue {text}" if minutes < 0 else f"{text} left"


templates.env.globals["countdown"] = countdown
templates.env.globals["minutes"] = minutes  # the weekly report's format, so both pages print one figure alike
for _name in ("label", "title", "status_label", "owner_label", "actor_label", "money", "when", "shown", "verdict_label",
              "due_class", "pct", "scenario_label", "plain"):
    templates.env.globals[_name] = getattr(desk_text, _name)
for _name in ("action_state", "arguments", "verdict_line"):
    templates.env.globals[_name] = getattr(desk_plan, _name)


def _safe_next(url: str | None) -> str:
    return url if url and url.startswith("/desk") and "//" not in url else "/desk"


@router.get("/login", response_class=HTMLResponse)
async def login_page(request: Request, next: str | None = None) -> HTMLResponse:
    return templates.TemplateResponse(request, "login.html", {"next": _safe_next(next), "error": None})


@router.post("/login", response_class=HTMLResponse)
async def login(request: Request, conn: Conn, key: Annotated[str, Form()] = "",
                next: Annotated[str, Form()] = "/desk") -> Response:
    who = await authenticate(conn, key.strip()) if key.strip() else None
    if who is None:
        return templates.TemplateResponse(request, "login.html", {"next": _safe_next(next),
                                          "error": "That key is unknown or revoked."}, status_code=401)
    response = RedirectResponse(_safe_next(next), status_code=303)
    response.set_cookie(COOKIE, key.strip(), httponly=True, samesite="strict", max_age=12 * 3600,
                        secure=request.url.scheme == "https")
    return response


@router.post("/logout")
async def logout() -> RedirectResponse:
    response = RedirectResponse("/desk/login", status_code=303)
    response.delete_cookie(COOKIE)
    return response


def _filters(request: Request) -> CaseFilters:
    q = request.query_params
    try:
        state = SlaState(q["sla_state"]) if q.get("sla_state") else None
    except ValueError:
        state = None
    view = "open" if q.get("view") == "open" else "actionable"
    return CaseFilters(status=view, queue=q.get("queue") or None, category=q.get("category") or None,
                       priority=q.get("priority") or None, sla_state=state, assignee=q.get("assignee") or None)


@router.get("", response_class=HTMLResponse)
async def queue_page(request: Request, who: MaybeWho, conn: Conn, now: Now, cursor: str | None = None) -> Response:
    me = require_signed_in(who, request)
    filters = _filters(request)
    page = await list_cases(conn, filters, now, cursor=cursor, limit=50)
    queues = await request.app.state.queue_stats.get(conn, now)
    keep = {k: v for k, v in filters.model_dump().items() if v and k != "status"}
    if filters.status == "open":
        keep["view"] = "open"
    context = {"me": me, "page": page, "view": filters.status, "now": now, "queues": queues.queues, "filters": keep,
               "next_query": urlencode(keep | {"cursor": page.next_cursor}) if page.next_cursor else None,
               "rows_query": urlencode(keep | ({"cursor": cursor} if cursor else {}))}
    name = "_rows.html" if request.headers.get("hx-request") and request.query_params.get("rows") else "queue.html"
    return templates.TemplateResponse(request, name, context)


def _walk(request: Request) -> dict[str, str]:
    """Where the agent is in the queue they are working: its queue filter and this case's place in it."""
    keep = {k: request.query_params[k] for k in ("queue", "at") if request.query_params.get(k)}
    if "at" in keep:
        try:
            decode_cursor(keep["at"])
        except InvalidInput:
            del keep["at"]
    return keep


async def _next_case(conn: AsyncConnection[DictRow], case: CaseSummary, walk: dict[str, str], now: datetime) -> int | None:
    """The case after this one in the "needs the desk" queue, counted from where this case stood when the
    agent opened it: a decision moves the case (and its deadline), and the walk must neither skip nor repeat."""
    page = await list_cases(conn, CaseFilters(status="actionable", queue=walk.get("queue")), now,
                            cursor=walk.get("at") or encode_cursor(case.next_due_at, case.id), limit=1)
    return page.items[0].id if page.items else None


async def _case_page(request: Request, conn: AsyncConnection[DictRow], me: Principal, case_id: int, now: datetime,
                     error: str | None = None, status_code: int = 200) -> Response:
    detail = await case_detail(conn, case_id, now, me.role, me.name)
    # What the store's own system says about the order, beside the desk's view (a connected store's answer is
    # reused for COPILOT_VENDOR_ORDER_TTL_S, until the copilot itself writes to the order).
    vendor = await request.app.state.vendor_orders.get(conn, now, detail.case.order_id) if detail.case.order_id \
        else None
    walk = _walk(request)
    walk.setdefault("at", encode_cursor(detail.case.next_due_at, detail.case.id))
    following = await _next_case(conn, detail.case, walk, now)
    next_query = urlencode({"queue": walk["queue"]}) if "queue" in walk else ""
    return templates.TemplateResponse(
        request, "case.html",
        {"me": me, "d": detail, "c": detail.case, "now": now, "error": error, "actions": detail.available_actions,
         "vendor": vendor,
         "summary": desk_text.summary(detail), "conversation": desk_text.conversation(detail),
         "facts": desk_text.key_facts(detail.facts), "approval_role": detail.approval_role, "close_outcomes": [o.value for o in CloseOutcome],
         "walk_query": urlencode(walk), "next_url": f"/desk/cases/{following}" + (f"?{next_query}" if next_query else "")
         if following else None, "queue_url": "/desk" + (f"?{next_query}" if next_query else "")},
        status_code=status_code)


@router.get("/cases/{case_id}", response_class=HTMLResponse)
async def case_page(request: Request, case_id: int, who: MaybeWho, conn: Conn, now: Now) -> Response:
    me = require_signed_in(who, request)
    try:
        return await _case_page(request, conn, me, case_id, now)
    except CopilotError as exc:
        return templates.TemplateResponse(request, "error.html", {"me": me, "message": exc.message},
                                          status_code=exc.http_status)


def is_desk_page(path: str) -> bool:
    return path == "/desk" or path.startswith("/desk/")


def error_page(request: Request, status_code: int, message: str) -> Response:
    """Bad input on a desk page, answered as a page the agent can go back from (the API keeps its JSON shape).
    Whoever asked is not looked up: this also answers requests refused before any route ran."""
    title = "No such page" if status_code == 404 else None
    return templates.TemplateResponse(request, "error.html", {"me": None, "message": message, "title": title},
                                      status_code=status_code)


BodyT = TypeVar("BodyT", bound=BaseModel)


async def _act(request: Request, case_id: int, who: Principal | None, conn: AsyncConnection[DictRow], now: datetime,
               build: Callable[[], BodyT], run: Callable[[BodyT, Principal], Awaitable[object]]) -> Response:
    """`build` makes the request body from the form (its validation errors show on the page); `run` is the
    API call it feeds."""
    me = require_signed_in(who, request)
    try:
        if me.role not in DESK_ROLES:
            raise Forbidden(f"role {me.role} may read cases but not act on them")
        body = build()
        await run(body, me)
    except ValidationError as exc:
        first = exc.errors()[0]
        message = f"{'.'.join(map(str, first['loc'])) or 'form'}: {first['msg']}"
        return await _case_page(request, conn, me, case_id, now, error=message, status_code=422)
    except Unauthorized:
        raise
    except CopilotError as exc:
        try:
            return await _case_page(request, conn, me, case_id, now, error=exc.message, status_code=exc.http_status)
        except CopilotError:
            return templates.TemplateResponse(request, "error.html", {"me": me, "message": exc.message},
                                              status_code=exc.http_status)
    walk = _walk(request)
    return RedirectResponse(f"/desk/cases/{case_id}" + (f"?{urlencode(walk)}" if walk else ""), status_code=303)


Version = Annotated[int, Form()]


@router.post("/cases/{case_id}/approve")
async def approve(request: Request, case_id: int, who: MaybeWho, conn: Conn, now: Now,
                  plan_version: Version) -> Response:
    return await _act(request, case_id, who, conn, now, lambda: ApproveRequest(plan_version=plan_version),
                      lambda body, me: api_cases.approve(case_id, body, me, request, conn, now))


@router.post("/cases/{case_id}/edit")
async def edit(request: Request, case_id: int, who: MaybeWho, conn: Conn, now: Now, plan_version: Version,
               message: Annotated[str, Form()] = "") -> Response:
    return await _act(request, case_id, who, conn, now,
                      lambda: EditRequest(plan_version=plan_version, message=message.strip() or None),
                      lambda body, me: api_cases.edit(case_id, body, me, request, conn, now))


@router.post("/cases/{case_id}/reject")
async def reject(request: Request, case_id: int, who: MaybeWho, conn: Conn, now: Now, plan_version: Version,
                 reason: Annotated[str, Form()] = "") -> Response:
    return await _act(request, case_id, who, conn, now,
                      lambda: RejectRequest(plan_version=plan_version, reason=reason.strip()),
                      lambda body, me: api_cases.reject(case_id, body, me, request, conn, now))


@router.post("/cases/{case_id}/escalate")
async def escalate(request: Request, case_id: int, who: MaybeWho, conn: Conn, now: Now, plan_version: Version,
                   reason: Annotated[str, Form()] = "") -> Response:
    return await _act(request, case_id, who, conn, now,
                      lambda: EscalateRequest(plan_version=plan_version, reason=reason.strip()),
                      lambda body, me: api_cases.escalate(case_id, body, me, conn, now))


@router.post("/cases/{case_id}/notes")
async def note(request: Request, case_id: int, who: MaybeWho, conn: Conn, now: Now, plan_version: Version,
               body: Annotated[str, Form()] = "") -> Response:
    return await _act(request, case_id, who, conn, now,
                      lambda: NoteRequest(plan_version=plan_version, body=body.strip()),
                      lambda model, me: api_cases.add_note(case_id, model, me, conn, now))


@router.post("/cases/{case_id}/take")
async def take(request: Request, case_id: int, who: MaybeWho, conn: Conn, now: Now, plan_version: Version) -> Response:
    return await _act(request, case_id, who, conn, now, lambda: TakeRequest(plan_version=plan_version),
                      lambda body, me: api_cases.take(case_id, body, me, conn, now))


@router.post("/cases/{case_id}/replan")
async def replan(request: Request, case_id: int, who: MaybeWho, conn: Conn, now: Now, plan_version: Version,
                 reason: Annotated[str, Form()] = "") -> Response:
    return await _act(request, case_id, who, conn, now,
                      lambda: ReplanRequest(plan_version=plan_version, reason=reason.strip()),
                      lambda body, me: api_cases.replan(case_id, body, me, conn, now))


@router.post("/cases/{case_id}/hand-back")
async def hand_back(request: Request, case_id: int, who: MaybeWho, conn: Conn, now: Now, plan_version: Version,
                    note: Annotated[str, Form()] = "") -> Response:
    return await _act(request, case_id, who, conn, now,
                      lambda: HandBackRequest(plan_version=plan_version, note=note.strip()),
                      lambda body, me: api_cases.hand_back(case_id, body, me, conn, now))


@router.post("/cases/{case_id}/close")
async def close(request: Request, case_id: int, who: MaybeWho, conn: Conn, now: Now, plan_version: Version,
                outcome: Annotated[str, Form()] = "", reason: Annotated[str, Form()] = "") -> Response:
    return await _act(request, case_id, who, conn, now,
                      lambda: CloseRequest(plan_version=plan_version, outcome=outcome, reason=reason.strip()),
                      lambda body, me: api_cases.close(case_id, body, me, conn, now))


@router.get("/metrics", response_class=HTMLResponse)
async def metrics_page(request: Request, who: MaybeWho, conn: Conn, now: Now) -> Response:
    me = require_signed_in(who, request)
    data = await dashboard(conn, now)
    specs = [charts.queue_percent_chart("sla", "SLA attainment and first touch met, by queue", data.queues),
             charts.first_touch_chart(data.queues), charts.queue_sizes_chart(data.snapshots),
             charts.automation_chart(data.automation_by_day)]
    return templates.TemplateResponse(request, "metrics.html", {"me": me, "charts": specs, "now": now,
                                                                "since": data.since, "queues": data.queues})


root = APIRouter(include_in_schema=False)


@root.get("/")
async def home() -> RedirectResponse:
    return RedirectResponse("/desk", status_code=307)


def static_files() -> StaticFiles:
    """The vendored htmx, the desk's stylesheet and its keyboard script; nothing from a CDN."""
    return StaticFiles(directory=Path(__file__).resolve().parents[1] / "static")
