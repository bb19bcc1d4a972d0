"""The FastAPI application factory."""

from __future__ import annotations

import gc
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI, Request
from fastapi.exception_handlers import http_exception_handler
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from api.docs import add_offline_docs
from api.limits import BodyLimit
from api.routes import cases, desk, health, intake, jobs, metrics, queues, reports, webhooks
from copilot.core import db
from copilot.core.errors import CopilotError
from copilot.core.settings import Settings
from copilot.desk.queries import QueueStatsCache
from copilot.workflow.worker import run_worker_beside
from tools.connectors.vendor_order import VendorOrderCache

HTTP_CODES = {400: "bad_request", 401: "unauthorized", 403: "forbidden", 404: "not_found", 405: "method_not_allowed",
              413: "payload_too_large", 415: "unsupported_media_type", 422: "invalid_input", 503: "unavailable"}


def _desk_refusal(request: Request, status: int, message: str) -> Response | None:
    return desk.error_page(request, status, message) if desk.is_desk_page(request.url.path) else None


def create_app(database_url: str, settings: Settings, *, with_worker: bool = False) -> FastAPI:
    """The service; `with_worker` also runs one case worker in this process (what `copilot run` does)."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        pool = db.make_pool(database_url, max_size=settings.pool_max_size, warm=True)
        await pool.open(wait=True, timeout=10)
        app.state.pool = pool
        # Everything loaded so far (LangGraph, pydantic schemas, templates) lives as long as the process: keep
        # it out of the collector's full passes, which otherwise stopped every request for ~100 ms now and then.
        gc.collect()
        gc.freeze()
        app.state.worker = None
        try:
            if with_worker:
                async with run_worker_beside(database_url, settings, pool) as beside:
                    app.state.worker = beside
                    yield
            else:
                yield
        finally:
            await pool.close()

    app = FastAPI(
        title="Recovery Desk Copilot",
        version="0.1.0",
        description="One intake, triage in minutes, guarded playbooks, approvals and verified closure "
        "for e-commerce order exceptions.",
        lifespan=lifespan,
        docs_url=None,  # served from local files by add_offline_docs, not from a CDN
        redoc_url=None,
    )
    app.state.settings = settings
    app.state.database_url = database_url
    app.state.queue_stats = QueueStatsCache(settings.queue_stats_ttl_s)
    app.state.vendor_orders = VendorOrderCache(settings.vendor_order_ttl_s)

    @app.exception_handler(CopilotError)
    async def copilot_error(request: Request, exc: CopilotError) -> Response:
        if desk.is_desk_page(request.url.path):
            return desk.error_page(request, exc.http_status, exc.message)
        return JSONResponse({"error": {"code": exc.code, "message": exc.message}}, status_code=exc.http_status)

    @app.exception_handler(RequestValidationError)
    async def validation_error(request: Request, exc: RequestValidationError) -> Response:
        errors = [{"loc": [str(p) for p in e.get("loc", ())], "msg": str(e.get("msg", "")),
                   "type": str(e.get("type", ""))} for e in exc.errors()]
        first = errors[0] if errors else {"loc": [], "msg": "invalid request"}
        if first.get("type") == "json_invalid":  # its loc is a character position, not a field
            raw = exc.errors()[0]
            why = (raw.get("ctx") or {}).get("error", "")
            return JSONResponse({"error": {"code": "invalid_input", "message": f"body: not valid JSON ({why}, at "
                                           f"character {first['loc'][-1]})", "details": errors}}, status_code=422)
        where = ".".join(p for p in first["loc"] if p != "body") or "body"
        if desk.is_desk_page(request.url.path):
            return desk.error_page(request, 422, f"{where}: {first['msg']}")
        return JSONResponse({"error": {"code": "invalid_input", "message": f"{where}: {first['msg']}",
                                       "details": errors}}, status_code=422)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        """Framework errors (a body that cannot be parsed, an unknown path) in the API's one error shape, or on
        the desk's error page."""
        if exc.status_code < 400:  # the desk's sign-in redirect
            return await http_exception_handler(request, exc)
        if desk.is_desk_page(request.url.path):
            return desk.error_page(request, exc.status_code, str(exc.detail))
        code = HTTP_CODES.get(exc.status_code, "error")
        return JSONResponse({"error": {"code": code, "message": str(exc.detail)}}, status_code=exc.status_code,
                            headers=exc.headers)

    app.add_middleware(BodyLimit, max_bytes=settings.max_body_bytes, page=_desk_refusal)
    app.include_router(health.router)
    app.include_router(cases.router)
    app.include_router(queues.router)
    app.include_router(jobs.router)
    app.include_router(metrics.router)
    app.include_router(reports.router)
    app.include_router(desk.router)
    app.include_router(desk.root)
    app.mount("/static", desk.static_files(), name="static")
    add_offline_docs(app)
    app.include_router(webhooks.router)
    app.include_router(intake.router)
    return app
