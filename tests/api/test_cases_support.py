"""Rows as the case builder and the agent graph write them, for the desk's API tests (no tests here)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from fastapi.testclient import TestClient
from psycopg.types.json import Jsonb

from api.app import create_app
from copilot.core.keys import create_key
from copilot.core.roles import Role
from copilot.core.settings import Settings

NOW = datetime.now(UTC).replace(microsecond=0)


@dataclass
class VerdictRow:
    rule_id: str
    outcome: str
    reason: str
    role: str | None = None


@dataclass
class ActionRow:
    action_id: str
    tool: str
    kind: str
    args: dict[str, object]
    verdicts: list[VerdictRow] = field(default_factory=list)


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


def key_for(conn, role: str, name: str | None = None) -> str:
    return create_key(conn, name or unique(role), Role(role)).key


def bearer(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


def client(database_url: str) -> TestClient:
    return TestClient(create_app(database_url, Settings(worker_on_start=False)))


def insert_case(conn, *, queue: str, created: timedelta = timedelta(hours=-1), first_touch_in: float | None = 4,
                resolution_in: float | None = 48, deadline_in: float | None = None, status: str = "awaiting_approval",
                priority: str = "P2", category: str = "payment_failure", assignee: str | None = None,
                order_id: str | None = None, plan_version: int = 1,
                escalation_path: list[object] | None = None, now: datetime = NOW) -> int:
    """One case with its SLA clocks set relative to `now` (hours; negative is in the past)."""
    def at(hours: float | None) -> datetime | None:
        return None if hours is None else now + timedelta(hours=hours)

    row = conn.execute(
        "INSERT INTO cases (order_id, customer_email, category, priority, priority_score, priority_reasons,"
        " queue, owner, escalation_path, status, assignee, order_value, deadline_at, first_touch_due,"
        " resolution_due, plan_version, plan, facts, created_at, updated_at)"
        " VALUES (%s, %s, %s, %s, 0.5, %s, %s, 'recovery_desk', %s, %s, %s, 120.00, %s, %s, %s, %s, %s, %s,"
        " %s, %s) RETURNING id",
        (order_id or unique("ord"), "ava@example.com", category, priority,
         Jsonb(["authorization expires in 30 hours"]), queue,
         Jsonb(escalation_path if escalation_path is not None else ["ops_lead", "finance"]), status, assignee,
         at(deadline_in), at(first_touch_in), at(resolution_in), plan_version,
         Jsonb({"playbook": "soft_decline_retry"}), Jsonb({"decline_code": "insufficient_funds"}),
         now + created, now + created),
    ).fetchone()
    return row["id"]


def insert_plan(conn, case_id: int, version: int, actions: list[ActionRow], draft: str | None = None) -> None:
    for a in actions:
        conn.execute(
            "INSERT INTO proposed_actions (case_id, plan_version, action_id, tool, kind, args)"
            " VALUES (%s, %s, %s, %s, %s, %s)", (case_id, version, a.action_id, a.tool, a.kind, Jsonb(a.args)))
        for v in a.verdicts:
            conn.execute(
                "INSERT INTO guardrail_verdicts (case_id, plan_version, action_id, rule_id, outcome, role, reason)"
                " VALUES (%s, %s, %s, %s, %s, %s, %s)",
                (case_id, version, a.action_id, v.rule_id, v.outcome, v.role, v.reason))
    if draft is not None:
        conn.execute("INSERT INTO messages (case_id, plan_version, scenario, body) VALUES (%s, %s, 'payment_update', %s)",
                     (case_id, version, draft))


REFUND_NEEDS_LEAD = [
    ActionRow("a1", "refund_payment", "MONEY", {"amount": "180.00"},
              [VerdictRow("refund_limits", "needs_approval", "refund 180.00 is above the agent limit 100.00", "lead")]),
    ActionRow("a2", "send_customer_message", "CONTACT", {"scenario": "refund_status"},
              [VerdictRow("message_rules", "allow", "one ask, 41 words")]),
]
