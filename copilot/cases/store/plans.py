"""A plan version with the rows it writes beside the case row (its actions, the guardrails' verdicts, the draft,
its event), and what happens to them later: an action's outcome, the draft sent, a follow-up sent outside a plan."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

from psycopg import AsyncConnection
from psycopg.rows import dict_row
from psycopg.types.json import Jsonb

from copilot.core.errors import Conflict

JsonDict = dict[str, Any]


def action_key(case_id: int, version: int, action_id: str) -> str:
    """An action's idempotency key; `_PROPOSE` spells the same key in SQL, as the version is known there."""
    return f"{case_id}:v{version}-{action_id}"


@dataclass(frozen=True)
class ActionRow:
    action_id: str
    tool: str
    kind: str
    args: JsonDict


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


@dataclass(frozen=True)
class Proposal:
    """A plan version as check_guardrails writes it: the plan and the facts it was built on (on the case row),
    its actions, the guardrails' verdicts, the draft (if the plan messages the customer) and its event's data."""

    plan: JsonDict
    facts: JsonDict
    disposition: str
    actions: Sequence[ActionRow]
    verdicts: Sequence[VerdictRow]
    draft: DraftRow | None
    event: JsonDict


# One statement for what used to take six (and one execution per action and per verdict): each statement costs
# the worker and the database CPU, which is what a triage run spends most (README, "Triage against the floor").
# Rows keep their list order (ids ascend with it), as the desk lists them by id.
_PROPOSE = """
WITH saved AS (
    UPDATE cases SET plan_version = plan_version + 1, plan = %(plan)s, facts = %(facts)s,
           disposition = %(disposition)s, updated_at = %(now)s
    WHERE id = %(case)s RETURNING plan_version
),
actions AS (
    INSERT INTO proposed_actions (case_id, plan_version, action_id, tool, kind, args, idempotency_key)
    SELECT %(case)s, saved.plan_version, a.j ->> 'action_id', a.j ->> 'tool', a.j ->> 'kind', a.j -> 'args',
           concat(%(case)s::bigint, ':v', saved.plan_version, '-', a.j ->> 'action_id')
    FROM saved, jsonb_array_elements(%(actions)s) WITH ORDINALITY AS a(j, n) ORDER BY a.n
),
verdicts AS (
    INSERT INTO guardrail_verdicts (case_id, plan_version, action_id, rule_id, outcome, role, reason, mode)
    SELECT %(case)s, saved.plan_version, v.j ->> 'action_id', v.j ->> 'rule_id', v.j ->> 'outcome',
           v.j ->> 'role', v.j ->> 'reason', v.j ->> 'mode'
    FROM saved, jsonb_array_elements(%(verdicts)s) WITH ORDINALITY AS v(j, n) ORDER BY v.n
),
draft AS (
    INSERT INTO messages (case_id, plan_version, scenario, body, ticket_id, written_by)
    SELECT %(case)s, saved.plan_version, %(scenario)s, %(body)s, %(ticket)s, %(written_by)s
    FROM saved WHERE %(scenario)s::text IS NOT NULL
),
event AS (
    INSERT INTO case_events (case_id, at, actor, kind, data)
    SELECT %(case)s, %(now)s, %(actor)s, 'plan_proposed', jsonb_build_object('plan_version', saved.plan_version)
           || %(event)s FROM saved
)
SELECT plan_version FROM saved
"""


async def propose(conn: AsyncConnection[Any], case_id: int, proposal: Proposal, *, actor: str,
                  now: datetime) -> int:
    """The case's next plan version with its rows and its `plan_proposed` event; returns the version."""
    draft = proposal.draft
    cur = conn.cursor(row_factory=dict_row)
    await cur.execute(_PROPOSE, {
        "case": case_id, "plan": Jsonb(proposal.plan), "facts": Jsonb(proposal.facts),
        "disposition": proposal.disposition, "now": now, "actor": actor, "event": Jsonb(proposal.event),
        "actions": Jsonb([asdict(a) for a in proposal.actions]),
        "verdicts": Jsonb([asdict(v) for v in proposal.verdicts]),
        "scenario": draft.scenario if draft else None, "body": draft.body if draft else None,
        "ticket": draft.ticket_id if draft else None, "written_by": draft.written_by if draft else None})
    row = await cur.fetchone()
    if row is None:
        raise Conflict(f"case {case_id} does not exist")
    return int(row["plan_version"])


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
