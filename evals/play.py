"""Play one eval case through the service's graph on a fresh sandbox world, and read back what it decided."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache
from pathlib import Path
from typing import Any

import psycopg
from psycopg.rows import dict_row

from copilot.core import db
from copilot.core.errors import InvalidInput
from copilot.intake.ingest import ingest_signal
from copilot.workflow.engine import Engine
from copilot.workflow.runtime import reset_desk
from copilot.workflow.worker import work
from evals.schema import Actual, ActualAction, EvalCase
from tools.connectors.sandbox.loaders import load_world_json
from tools.connectors.sandbox.store import write_world
from tools.connectors.sandbox.world import World

WORLDS_DIR = Path(__file__).with_name("datasets") / "worlds"


@dataclass
class Clock:
    """The engine's clock; the runner moves it to each case's `now` before playing it."""

    now: datetime | None = None

    def __call__(self) -> datetime:
        assert self.now is not None, "the eval clock is set before a case is played"
        return self.now


@dataclass
class Played:
    actual: Actual
    latency_ms: float
    llm_tokens: int
    case_id: int | None
    facts: dict[str, Any] | None = None
    plan_version: int = 0
    verdicts: list[dict[str, Any]] = field(default_factory=list)
    llm: LLMHealth = field(default_factory=lambda: LLMHealth())


@dataclass
class LLMHealth:
    """How the case's LLM calls went: `failed` got no answer from the server (error or timeout), and
    `short_circuited` were never sent because the circuit breaker was open."""

    calls: int = 0
    failed: int = 0
    short_circuited: int = 0


@lru_cache(maxsize=32)
def named_world(name: str) -> World:
    path = WORLDS_DIR / f"{name}.json"
    if not path.is_file():
        raise InvalidInput(f"eval world {name!r} not found at {path}")
    return load_world_json(path)


def world_of(case: EvalCase) -> World:
    return named_world(case.world) if isinstance(case.world, str) else case.world


async def play(engine: Engine, url: str, clock: Clock, case: EvalCase) -> Played:
    """Fresh desk, the case's world, its signals through intake, then the workers until nothing is ready."""
    with db.connect(url, autocommit=True) as conn:
        reset_desk(conn)
        write_world(conn, world_of(case))
    clock.now = case.now
    started = time.perf_counter()
    case_id = None
    async with await psycopg.AsyncConnection.connect(url, autocommit=True, row_factory=dict_row) as conn:
        for signal in case.signals:
            outcome = await ingest_signal(conn, signal, case.now)
            case_id = outcome.case_id or case_id
            if outcome.outcome == "dead_letter":
                return Played(Actual(error=f"signal {signal.source_event_id} dead-lettered: {outcome.error}"),
                              (time.perf_counter() - started) * 1000, 0, None)
    stats = await work(engine.pool, engine.run_job, concurrency=2, drain=True, idle_sleep=0.01)
    latency = (time.perf_counter() - started) * 1000
    async with engine.pool.connection() as conn:
        return await read_outcome(conn, case_id, latency, stats.errors)


async def _all(conn: Any, sql: str, *params: object) -> list[dict[str, Any]]:
    cur = await conn.execute(sql, params)
    return await cur.fetchall()


async def read_outcome(conn: Any, case_id: int | None, latency: float, errors: list[str]) -> Played:
    rows = await _all(conn, "SELECT id, category, disposition, priority, status, plan_version, facts"
                      " FROM cases WHERE id = %s", case_id)
    usage = (await _all(conn, "SELECT coalesce(sum(prompt_tokens + completion_tokens), 0)::int AS tokens,"
                        " count(*)::int AS calls,"
                        " (count(*) FILTER (WHERE outcome IN ('error', 'timeout')))::int AS failed,"
                        " (count(*) FILTER (WHERE outcome = 'breaker_open'))::int AS short"
                        " FROM llm_calls"))[0]
    tokens, health = usage["tokens"], LLMHealth(usage["calls"], usage["failed"], usage["short"])
    if not rows:
        return Played(Actual(error="no case was opened"), latency, tokens, None, llm=health)
    case = rows[0]
    version = case["plan_version"]
    verdicts = await _all(conn, "SELECT action_id, rule_id, outcome, mode, role, reason FROM guardrail_verdicts"
                          " WHERE case_id = %s AND plan_version = %s", case_id, version)
    actions = await _all(conn, "SELECT action_id, tool, args, status FROM proposed_actions"
                         " WHERE case_id = %s AND plan_version = %s ORDER BY id", case_id, version)
    message = await _all(conn, "SELECT body FROM messages WHERE case_id = %s AND plan_version = %s"
                         " ORDER BY id DESC LIMIT 1", case_id, version)
    auto = await _all(conn, "SELECT 1 FROM approvals WHERE case_id = %s AND plan_version = %s"
                      " AND decision = 'auto'", case_id, version)
    failed = await _all(conn, "SELECT error FROM case_jobs WHERE case_id = %s AND error IS NOT NULL", case_id)
    actual_actions = [ActualAction(action_id=a["action_id"], tool=a["tool"], args=a["args"], status=a["status"],
                                   outcome=_outcome(a["action_id"], verdicts)) for a in actions]
    error = "; ".join([*errors, *(f["error"] for f in failed)]) or None
    actual = Actual(category=case["category"], disposition=case["disposition"], priority=case["priority"],
                    status=case["status"], approval=approval_outcome(case["status"], bool(auto), verdicts),
                    actions=actual_actions, message=message[0]["body"] if message else None, error=error)
    return Played(actual, latency, tokens, case_id, case["facts"], version, verdicts, health)


SEVERITY = {"allow": 0, "needs_approval": 1, "block": 2}


def _outcome(action_id: str, verdicts: list[dict[str, Any]]) -> str:
    active = [v["outcome"] for v in verdicts if v["action_id"] == action_id and v["mode"] == "active"]
    return max(active, key=SEVERITY.__getitem__, default="allow")


def approval_outcome(status: str, auto: bool, verdicts: list[dict[str, Any]]) -> str:
    """auto, blocked, escalate, approval or routed_away, as evals/README.md defines them."""
    if status == "routed_away":
        return "routed_away"
    if auto:
        return "auto"
    if any(v["outcome"] == "block" and v["mode"] == "active" for v in verdicts):
        return "blocked"
    if status == "escalated":
        return "escalate"
    if status == "awaiting_approval":
        return "approval"
    return "none"
