"""API-key intake: 3PL exception rows (CSV or JSON) and raw RFC 822 email."""

from __future__ import annotations

import hashlib

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse
from psycopg import AsyncConnection
from psycopg.rows import DictRow

from api.deps import connection, now_of
from api.routes.webhooks import IngestAnswer, answer, chosen_headers, log_rejection
from copilot.core.errors import Unauthorized
from copilot.core.models import Strict
from copilot.intake.ingest import dead_letter, ingest_delivery, store_raw
from copilot.intake.parsers import BadPayload
from copilot.intake.parsers.threepl import frame_rows, row_body
from copilot.intake.signatures import verify_api_key

router = APIRouter(prefix="/intake", tags=["intake"])


class BatchAnswer(Strict):
    rows: int
    signals: int
    duplicates: int
    dead_letters: int
    results: list[IngestAnswer]


async def _authenticate(request: Request, conn: AsyncConnection[DictRow], source: str) -> None:
    key = request.app.state.settings.intake_api_key.get_secret_value()
    try:
        verify_api_key(key, request.headers.get("authorization"), request.headers.get("x-api-key"))
    except Unauthorized as exc:
        await log_rejection(conn, request, source, exc, now_of(request))
        raise


@router.post("/3pl", response_model=BatchAnswer, responses={202: {"model": BatchAnswer}})
async def threepl(request: Request, conn: AsyncConnection[DictRow] = Depends(connection)) -> JSONResponse:
    """Exception rows (order, sku, warehouse, exception_code, note) as text/csv or a JSON list; one signal each."""
    await _authenticate(request, conn, "threepl")
    body, now = await request.body(), now_of(request)
    content_type = request.headers.get("content-type", "")
    try:
        fmt, rows = frame_rows(content_type, body)
    except BadPayload as exc:
        # The upload is kept even when it cannot be split into rows.
        raw_id = await store_raw(conn, "threepl", chosen_headers(request, ()), body, now)
        return answer(await dead_letter(conn, raw_id, "threepl", f"{exc.code}: {exc.message}", rejected=exc))
    upload = hashlib.sha256(body).hexdigest()[:16]
    results = []
    for number, row in enumerate(rows, start=1):
        headers = {"content-type": "application/json", "x-threepl-format": fmt, "x-threepl-upload": upload,
                   "x-threepl-row": str(number)}
        outcome = await ingest_delivery(conn, "threepl", headers, row_body(row), now)
        results.append(IngestAnswer(**outcome.model_dump(include=set(IngestAnswer.model_fields))))
    counts = {k: sum(r.outcome == k for r in results) for k in ("signal", "duplicate", "dead_letter")}
    batch = BatchAnswer(rows=len(rows), signals=counts["signal"], duplicates=counts["duplicate"],
                        dead_letters=counts["dead_letter"], results=results)
    return JSONResponse(batch.model_dump(), status_code=202 if batch.dead_letters else 200)


@router.post("/email", response_model=IngestAnswer, responses={202: {"model": IngestAnswer}})
async def email(request: Request, conn: AsyncConnection[DictRow] = Depends(connection)) -> JSONResponse:
    """A raw RFC 822 message (message/rfc822) as a mail gateway forwards it."""
    await _authenticate(request, conn, "email")
    body, now = await request.body(), now_of(request)
    return answer(await ingest_delivery(conn, "email", chosen_headers(request, ()), body, now))
