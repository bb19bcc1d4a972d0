"""Every tool, declared once; validated calls; exactly-once effects keyed by `case_id:action_id`."""

from __future__ import annotations

import re
from dataclasses import replace
from typing import Any

from psycopg.types.json import Jsonb
from pydantic import BaseModel, ValidationError

from tools import contact, exchange, fulfillment, money, orders, owner, read  # noqa: F401 - declaring registers them
from tools.base import DECLARED, ToolDeps, ToolKind, ToolSpec
from tools.connectors.outbox import calling
from tools.contracts.errors import Conflict, CopilotError, InvalidInput, NotFound

TOOLS: dict[str, ToolSpec] = dict(DECLARED)
KEY_PATTERN = re.compile(r"^(\d+):([A-Za-z0-9_.\-]+)$")


def get(name: str) -> ToolSpec:
    try:
        return TOOLS[name]
    except KeyError:
        raise NotFound(f"no tool named {name!r}", tool=name) from None


def names(kind: ToolKind | None = None) -> list[str]:
    return sorted(n for n, s in TOOLS.items() if kind is None or s.kind is kind)


def json_schema(name: str) -> dict[str, Any]:
    return get(name).json_schema()


def parse_args(spec: ToolSpec, args: dict[str, Any] | BaseModel) -> BaseModel:
    if isinstance(args, spec.input_model):
        return args
    raw = args.model_dump() if isinstance(args, BaseModel) else args
    try:
        return spec.input_model.model_validate(raw)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "arguments"
        raise InvalidInput(f"{spec.name}: {where}: {first['msg']}", tool=spec.name) from exc


def _check_key(spec: ToolSpec, deps: ToolDeps, key: str | None) -> None:
    if key is None:
        if spec.needs_key:
            raise InvalidInput(f"{spec.name} is a {spec.kind} tool and needs an idempotency key case_id:action_id")
        return
    match = KEY_PATTERN.match(key)
    if match is None:
        raise InvalidInput(f"idempotency key {key!r} is not case_id:action_id")
    if deps.case_id is not None and int(match.group(1)) != deps.case_id:
        raise InvalidInput(f"idempotency key {key!r} belongs to another case than {deps.case_id}")


async def call(name: str, deps: ToolDeps, args: dict[str, Any] | BaseModel,
               idempotency_key: str | None = None) -> BaseModel:
    """Validate and run a tool. With a key, the first result is the only one: a repeat returns it unchanged."""
    spec = get(name)
    data = parse_args(spec, args)
    _check_key(spec, deps, idempotency_key)
    if idempotency_key is None:
        return await spec.fn(deps, data)
    return await _exactly_once(spec, deps, data, idempotency_key)


async def _event(deps: ToolDeps, kind: str, data: dict[str, Any]) -> None:
    if deps.case_log is not None:
        await deps.case_log.record_event(kind, data, actor="tool")


async def _stored(deps: ToolDeps, key: str, lock: bool) -> dict[str, Any] | None:
    sql = "SELECT tool, args, status, result, error FROM tool_calls WHERE idempotency_key = %s"
    cur = await deps.conn.execute(sql + (" FOR UPDATE" if lock else ""), (key,))
    return await cur.fetchone()


def _replay(spec: ToolSpec, key: str, row: dict[str, Any], args: dict[str, Any]) -> BaseModel | None:
    if row["tool"] != spec.name or row["args"] != args:
        raise Conflict(f"idempotency key {key} was used for another call ({row['tool']})", key=key)
    if row["status"] == "done":
        return spec.output_model.model_validate(row["result"])
    return None


async def _exactly_once(spec: ToolSpec, deps: ToolDeps, data: BaseModel, key: str) -> BaseModel:
    args = data.model_dump(mode="json")
    row = await _stored(deps, key, lock=False)
    if row is not None and (done := _replay(spec, key, row, args)) is not None:
        return done
    await deps.conn.execute(
        "INSERT INTO tool_calls (idempotency_key, case_id, tool, args, status, started_at)"
        " VALUES (%s, %s, %s, %s, 'started', %s) ON CONFLICT (idempotency_key) DO NOTHING",
        (key, deps.case_id, spec.name, Jsonb(args), deps.now),
    )
    await _event(deps, "tool_started", {"tool": spec.name, "key": key, "args": args})
    try:
        # The effect, the 'done' row and the audit event commit together or not at all; the row lock
        # makes a concurrent caller with the same key wait, then read the first result.
        async with deps.conn.transaction():
            row = await _stored(deps, key, lock=True)
            if row is not None and (done := _replay(spec, key, row, args)) is not None:
                return done
            with calling(deps.case_id, key, deps.case_log):  # outbound connectors key their vendor requests on this call
                result = await spec.fn(replace(deps, idempotency_key=key), data)
            dumped = result.model_dump(mode="json")
            await deps.conn.execute(
                "UPDATE tool_calls SET status = 'done', result = %s, error = NULL, finished_at = %s"
                " WHERE idempotency_key = %s", (Jsonb(dumped), deps.now, key))
            await _event(deps, "tool_finished", {"tool": spec.name, "key": key, "result": dumped})
            return result
    except Conflict:
        raise
    except CopilotError as exc:
        # Nothing was committed, so a later call with this key may run again (the world may have changed).
        reason = getattr(exc, "reason", exc.code)
        await deps.conn.execute(
            "UPDATE tool_calls SET status = 'failed', error = %s, finished_at = %s WHERE idempotency_key = %s",
            (f"{reason}: {exc.message}", deps.now, key))
        await _event(deps, "tool_failed", {"tool": spec.name, "key": key, "reason": reason, "error": exc.message})
        raise
