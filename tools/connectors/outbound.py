"""The mode switch of every outbound connector, its retries, and the vendor-error mapping at the boundary.

shadow: a write is built, checked against the contract, recorded in the outbox and on the case, and not
sent (reads are harmless and are sent, so the recorded write carries the vendor's real ids).
live: the write is checked, committed to the outbox as 'sending', sent, and recorded with its answer.
"""

from __future__ import annotations

import ssl
from collections.abc import Awaitable, Callable
from datetime import datetime
from functools import lru_cache
from typing import Any, TypeVar

import httpx
from psycopg import AsyncConnection
from tenacity import AsyncRetrying, retry_if_exception, stop_after_attempt
from tenacity.wait import wait_base

from tools.connectors.config import Mode, SystemConfig
from tools.connectors.outbox import CURRENT_CALL, Outbox, VendorRequest, VendorResponse, own_conninfo
from tools.contracts.errors import (
    ConfigError,
    Conflict,
    ConnectorError,
    CopilotError,
    InvalidInput,
    NotFound,
    Unavailable,
)

T = TypeVar("T")
Send = Callable[[VendorRequest], Awaitable[VendorResponse]]
Check = Callable[[VendorRequest], list[str]]


@lru_cache(maxsize=1)
def ssl_context() -> ssl.SSLContext:
    """Loading the CA bundle takes ~0.4 s: once per process, not per request."""
    return httpx.create_ssl_context()


class Retryable(Exception):
    """A vendor answer worth another try: throttled (never executed) or a transient failure."""

    def __init__(self, message: str, wait_s: float | None, executed: bool) -> None:
        super().__init__(message)
        self.wait_s, self.executed = wait_s, executed


def retry_after_s(headers: dict[str, str] | Any) -> float | None:
    value = headers.get("retry-after") or headers.get("Retry-After")
    try:
        return float(value) if value is not None else None
    except ValueError:
        return None


class _WaitAsTold(wait_base):
    """Wait what the vendor asked for (Retry-After, a throttle's refill time), else back off exponentially."""

    def __init__(self, cap_s: float) -> None:
        self.cap_s = cap_s

    def __call__(self, retry_state: Any) -> float:
        exc = retry_state.outcome.exception() if retry_state.outcome else None
        told = exc.wait_s if isinstance(exc, Retryable) else None
        backoff = min(0.25 * 2 ** (retry_state.attempt_number - 1), self.cap_s)
        return min(told, self.cap_s) if told is not None else backoff


async def with_retries(config: SystemConfig, attempt: Callable[[], Awaitable[T]], safe: bool) -> T:
    """Run `attempt`, again on Retryable answers: always when the vendor did not execute the call,
    otherwise only when repeating it is safe (a read, or a write carrying an idempotency key)."""

    def should(exc: BaseException) -> bool:
        return isinstance(exc, Retryable) and (safe or not exc.executed)

    try:
        async for tried in AsyncRetrying(stop=stop_after_attempt(config.max_attempts), wait=_WaitAsTold(config.max_wait_s),
                                         retry=retry_if_exception(should), reraise=True):
            with tried:
                return await attempt()
    except Retryable as exc:
        raise Unavailable(f"{exc} (gave up after {config.max_attempts} tries)") from exc
    raise AssertionError("unreachable: tenacity either returns or raises")


def map_status(system: str, status: int, message: str, code: str | None) -> CopilotError:
    """A vendor's HTTP failure as the project's error; `code` is the vendor's own error code if any."""
    where = f"{system} answered {status}: {message}"
    if status in (401, 403):
        return ConfigError(f"{where} (check the {system} credentials and scopes)")
    if status == 404:
        return NotFound(where)
    if status == 409 or code == "idempotency_error":
        return Conflict(where)
    if status >= 500:
        return Unavailable(where)
    return ConnectorError(where, reason=code or f"{system}_{status}")


class Outbound:
    """One system's way out for one tool call, in the system's mode."""

    def __init__(self, system: str, mode: Mode, conn: AsyncConnection[Any], now: datetime,
                 check: Check | None) -> None:
        if mode == "sandbox":
            raise ConfigError(f"{system} is in sandbox mode; it has no outbound connector")
        self.system, self.mode, self.conn, self.now, self.check = system, mode, conn, now, check
        self.outbox = Outbox(own_conninfo(conn))

    def _contract_errors(self, request: VendorRequest) -> list[str] | None:
        """None when no contract is at hand to check against (the row then says it was not checked)."""
        return self.check(request) if self.check is not None else None

    async def _event(self, case_id: int | None, kind: str, data: dict[str, Any]) -> None:
        call = CURRENT_CALL.get()
        if case_id is not None and call is not None and call.case_log is not None:
            await call.case_log.record_event(kind, data, actor="connector")

    async def read(self, request: VendorRequest, send: Send) -> VendorResponse:
        errors = self._contract_errors(request)
        if errors:
            raise InvalidInput(f"{request.operation} breaks the {self.system} contract: {errors[0]}")
        return await send(request)

    async def write(self, request: VendorRequest, send: Send, step: str,
                    recover: Callable[[], Awaitable[VendorResponse | None]] | None = None) -> VendorResponse | None:
        """Send (live) or record (shadow) one write; None in shadow. `recover` reads the vendor's state
        after an attempt whose outcome was not recorded: an answer means the write already took effect."""
        call = CURRENT_CALL.get()
        if call is None:
            raise InvalidInput(f"{self.system} {step}: an outbound write needs the tool call's idempotency key")
        call_key, errors = f"{call.key}#{self.system}.{step}", self._contract_errors(request)
        summary = {"system": self.system, "operation": request.operation, "method": request.method,
                   "url": request.url, "body": request.body, "vendor_key": request.vendor_key,
                   "contract_checked": errors is not None, "contract_errors": errors or []}
        if self.mode == "shadow":
            await self.outbox.open(call_key, call.case_id, "shadow", request, errors, "recorded", self.now)
            await self._event(call.case_id, "connector_shadowed", summary)
            if errors:
                raise ConnectorError(f"{self.system} {request.operation} breaks the contract: {errors[0]}",
                                     reason="contract_violation")
            return None
        if errors:
            raise ConnectorError(f"{self.system} {request.operation} breaks the contract: {errors[0]}; not sent",
                                 reason="contract_violation")
        return await self._send_once(call_key, call.case_id, request, send, recover, errors, summary)

    async def settle(self, step: str) -> None:
        """The vendor's state, read before writing, shows the write is already done: an attempt of this call
        left 'sending' (sent, then the worker died) is closed as answered by that read."""
        call = CURRENT_CALL.get()
        if call is None or self.mode != "live":
            return
        row = await self.outbox.find(f"{call.key}#{self.system}.{step}", "live")
        if row is not None and row.status == "sending":
            await self.outbox.close(row.id, "answered", None, "found done when read before writing again", self.now)
            await self._event(call.case_id, "connector_recovered", {"system": self.system, "step": step})

    async def _send_once(self, call_key: str, case_id: int | None, request: VendorRequest, send: Send,
                         recover: Callable[[], Awaitable[VendorResponse | None]] | None,
                         errors: list[str] | None, summary: dict[str, Any]) -> VendorResponse:
        previous = await self.outbox.find(call_key, "live")
        if previous is not None and previous.status == "answered":
            return VendorResponse(status=previous.response_status or 200, body=previous.response)
        if previous is not None and previous.status == "sending" and request.vendor_key is None and recover:
            found = await recover()  # read before writing again: the last attempt may have landed
            if found is not None:
                await self.outbox.close(previous.id, "answered", found, "recovered by reading back", self.now)
                await self._event(case_id, "connector_recovered", summary)
                return found
        row = await self.outbox.open(call_key, case_id, "live", request, errors, "sending", self.now)
        try:
            response = await send(request)
        except ConnectorError as exc:  # a definite refusal: nothing happened at the vendor
            await self.outbox.close(row.id, "failed", None, f"{exc.reason}: {exc.message}", self.now)
            raise
        await self.outbox.close(row.id, "answered", response, None, self.now)
        await self._event(case_id, "connector_sent", {**summary, "status": response.status})
        return response
