"""Queue sizes, SLA attainment and the oldest open case per queue."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from psycopg import AsyncConnection
from psycopg.rows import DictRow

from api.auth import Caller
from api.deps import Now, connection
from api.schemas import QueuesView

router = APIRouter(prefix="/api", tags=["queues"])


@router.get("/queues", response_model=QueuesView,
            responses={401: {"description": "No API key, or an unknown or revoked one."}})
async def get_queues(_: Caller, request: Request, conn: Annotated[AsyncConnection[DictRow], Depends(connection)],
                     now: Now) -> QueuesView:
    """Every queue with open, at-risk and breached counts, SLA attainment over the last 7 days, and its oldest
    open case. The numbers are at most a few seconds old (`as_of`; COPILOT_QUEUE_STATS_TTL_S)."""
    return await request.app.state.queue_stats.get(conn, now)
