"""The connectors' outbox: one row per outbound write, on its own connection so it survives a rollback.

A live write is committed as 'sending' before it leaves and as 'answered' when the vendor replies. A row
found 'sending' on a retry means the last attempt may have reached the vendor: the caller replays it with
the same vendor idempotency key, or reads the vendor's state before writing again.
"""

from __future__ import annotations

from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

import psycopg
from psycopg.conninfo import make_conninfo
from psycopg.rows import dict_row
from psycopg.types.json import Jsonb
from pydantic import BaseModel, ConfigDict

from tools.contracts.case_log import CaseLog

OutboxStatus = Literal["recorded", "sending", "answered", "failed"]


@dataclass(frozen=True)
class CallContext:
    """The tool call a connector acts for: its case and its `case_id:action_id` key."""

    case_id: int | None
    key: str
    case_log: CaseLog | None = None  # where a connector's audit events go (the copilot's case store)


CURRENT_CALL: ContextVar[CallContext | None] = ContextVar("connector_call", default=None)


@contextmanager
def calling(case_id: int | None, key: str, case_log: CaseLog | None = None):  # type: ignore[no-untyped-def]
    token = CURRENT_CALL.set(CallContext(case_id, key, case_log))
    try:
        yield
    finally:
        CURRENT_CALL.reset(token)


class VendorRequest(BaseModel):
    """Exactly what goes on the wire, minus the credentials."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    system: str
    operation: str
    method: str
    url: str
    body: dict[str, Any] | None = None
    vendor_key: str | None = None


class VendorResponse(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    status: int
    body: Any = None
    headers: dict[str, str] = {}


class OutboxRow(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    id: int
    call_key: str
    status: OutboxStatus
    attempts: int
    response_status: int | None
    response: Any


def own_conninfo(conn: psycopg.AsyncConnection[Any]) -> str:
    """The tool connection's address with its password, for a second connection to the same database."""
    info = conn.info
    return make_conninfo(info.dsn, password=info.password) if info.password else info.dsn


class Outbox:
    def __init__(self, conninfo: str) -> None:
        self.conninfo = conninfo

    async def _execute(self, sql: str, params: tuple[object, ...]) -> dict[str, Any] | None:
        async with await psycopg.AsyncConnection.connect(self.conninfo, autocommit=True,
                                                         row_factory=dict_row) as conn:
            cur = await conn.execute(sql, params)
            return await cur.fetchone() if cur.description else None

    async def find(self, call_key: str, mode: str) -> OutboxRow | None:
        row = await self._execute(
            "SELECT id, call_key, status, attempts, response_status, response FROM connector_requests"
            " WHERE call_key = %s AND mode = %s", (call_key, mode))
        return OutboxRow.model_validate(row) if row else None

    async def open(self, call_key: str, case_id: int | None, mode: str, request: VendorRequest,
                   errors: list[str] | None, status: OutboxStatus, now: datetime) -> OutboxRow:
        """Insert the row, or move an existing one to `status` with one more attempt."""
        row = await self._execute(
            "INSERT INTO connector_requests (call_key, case_id, system, operation, mode, method, url, body,"
            " vendor_key, contract_checked, contract_errors, status, attempts, created_at)"
            " VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)"
            " ON CONFLICT (call_key, mode) DO UPDATE SET status = EXCLUDED.status, body = EXCLUDED.body,"
            "  attempts = connector_requests.attempts + EXCLUDED.attempts, contract_errors = EXCLUDED.contract_errors"
            " RETURNING id, call_key, status, attempts, response_status, response",
            (call_key, case_id, request.system, request.operation, mode, request.method, request.url,
             Jsonb(request.body) if request.body is not None else None, request.vendor_key, errors is not None,
             Jsonb(errors or []),
             status, 1 if status == "sending" else 0, now))
        return OutboxRow.model_validate(row)

    async def close(self, row_id: int, status: OutboxStatus, response: VendorResponse | None, detail: str | None,
                    now: datetime) -> None:
        await self._execute(
            "UPDATE connector_requests SET status = %s, response_status = %s, response = %s, detail = %s,"
            " finished_at = %s WHERE id = %s",
            (status, response.status if response else None,
             Jsonb(response.body) if response is not None else None, detail, now, row_id))
