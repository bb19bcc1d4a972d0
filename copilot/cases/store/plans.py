"""The rows a plan version writes beside the case row (its actions, the guardrails' verdicts, the draft), and
what happens to them later: an action's outcome, the draft sent, a follow-up sent outside a plan."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from psycopg import AsyncConnection
from psycopg.types.json import Jsonb

JsonDict = dict[str, Any]


@dataclass(frozen=True)
class ActionRow:
    action_id: str
    tool: str
    kind: str
    args: JsonDict
    idempotency_key: str


@dataclass(frozen=True)
class VerdictRow:
    action_id: str
    rule_id: str
    outcome: str
    role: str | None
    reason: str
    mode: str


@dataclass(frozen=True)
class DraftRow:
    scenario: str
    body: str
    ticket_id: str | None
    written_by: str


async def record_plan_rows(conn: AsyncConnection[Any], case_id: int, version: int, actions: Sequence[ActionRow],
                           verdicts: Sequence[VerdictRow], draft: DraftRow | None) -> None:
    async with conn.cursor() as cur:  # executemany pipelines the rows: one round trip per table
        await cur.executemany(
            "INSERT INTO proposed_actions (case_id, plan_version, action_id, tool, kind, args, idempotency_key)"
            " VALUES (%s, %s, %s, %s, %s, %s, %s)",
            [(case_id, version, a.action_id, a.tool, a.kind, Jsonb(a.args), a.idempotency_key) for a in actions])
        await cur.executemany(
            "INSERT INTO guardrail_verdicts (case_id, plan_version, action_id, rule_id, outcome, role, reason, mode)"
            " VALUES (%s, %s, %s, %s, %s, %s, %s, %s)",
            [(case_id, version, v.action_id, v.rule_id, v.outcome, v.role, v.reason, v.mode) for v in verdicts])
    if draft is not None:
        await conn.execute(
            "INSERT INTO messages (case_id, plan_version, scenario, body, ticket_id, written_by)"
            " VALUES (%s, %s, %s, %s, %s, %s)",
            (case_id, version, draft.scenario, draft.body, draft.ticket_id, draft.written_by))


async def action_done(conn: AsyncConnection[Any], case_id: int, version: int, action_id: str, result: JsonDict) -> None:
    await conn.execute("UPDATE proposed_actions SET status = 'done', result = %s, executed_at = now()"
                       " WHERE case_id = %s AND plan_version = %s AND action_id = %s",
                       (Jsonb(result), case_id, version, action_id))


async def action_failed(conn: AsyncConnection[Any], case_id: int, version: int, action_id: str, error: str) -> None:
    await conn.execute("UPDATE proposed_actions SET status = 'failed', error = %s"
                       " WHERE case_id = %s AND plan_version = %s AND action_id = %s",
                       (error, case_id, version, action_id))


async def draft_sent(conn: AsyncConnection[Any], case_id: int, version: int, now: datetime) -> None:
    await conn.execute("UPDATE messages SET status = 'sent', sent_at = %s WHERE case_id = %s"
                       " AND plan_version = %s AND status = 'draft'", (now, case_id, version))


async def record_followup(conn: AsyncConnection[Any], case_id: int, version: int, body: str, ticket_id: str | None,
                          key: str, now: datetime) -> None:
    """A follow-up ask sent outside a plan's actions; its key keeps a re-run from recording it twice."""
    await conn.execute(
        "INSERT INTO messages (case_id, plan_version, scenario, body, status, ticket_id, idempotency_key, sent_at)"
        " SELECT %s, %s, 'reply_followup', %s, 'sent', %s, %s, %s WHERE NOT EXISTS"
        " (SELECT 1 FROM messages WHERE idempotency_key = %s)",
        (case_id, version, body, ticket_id, key, now, key))
