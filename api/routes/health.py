"""Liveness with the database's state."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel

router = APIRouter(tags=["health"])


class DatabaseHealth(BaseModel):
    status: str
    postgres: str | None = None
    pgvector: str | None = None
    error: str | None = None


class Health(BaseModel):
    status: str
    database: DatabaseHealth


@router.get("/healthz", response_model=Health)
async def healthz(request: Request) -> JSONResponse:
    try:
        async with request.app.state.pool.connection(timeout=3) as conn:
            cur = await conn.execute(
                "SELECT current_setting('server_version') AS postgres,"
                " (SELECT extversion FROM pg_extension WHERE extname = 'vector') AS pgvector"
            )
            row = await cur.fetchone()
        body = Health(status="ok", database=DatabaseHealth(status="ok", **row))
        return JSONResponse(body.model_dump(), status_code=200)
    except Exception as exc:  # noqa: BLE001 - health reports the failure instead of raising it
        body = Health(status="degraded", database=DatabaseHealth(status="down", error=str(exc).splitlines()[0]))
        return JSONResponse(body.model_dump(), status_code=503)
