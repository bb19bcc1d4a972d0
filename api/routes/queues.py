"""Queue sizes, SLA attainment and the oldest open case per queue."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends
from psycopg import AsyncConnection

from api.auth import Caller
from api.deps import connection
from api.routes.cases import Now
from api.schemas import QueuesView
from copilot.queries import queue_stats

router = APIRouter(prefix="/api", tags=["queues"])


@router.get("/queues", response_model=QueuesView,
            responses={401: {"description": "No API key, or an unknown or revoked one."}})
async def get_queues(_: Caller, conn: Annotated[AsyncConnection, Depends(connection)], now: Now) -> QueuesView:
    """Every queue with open, at-risk and breached counts, SLA attainment, and its oldest open case."""
    return await queue_stats(conn, now)
