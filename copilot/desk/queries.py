"""Read models for the desk: the queue listing (keyset pages by nearest deadline), a case in full, queues."""

from __future__ import annotations

import asyncio
import base64
import binascii
from datetime import datetime, timedelta
from decimal import Decimal
from enum import StrEnum

from psycopg import AsyncConnection
from psycopg.rows import DictRow
from pydantic import ConfigDict, Field, JsonValue

from copilot.cases.sla import SLA_STATE_SQL
from copilot.cases.transitions import OPEN_SQL
from copilot.core.errors import InvalidInput, NotFound
from copilot.core.models import Strict
from copilot.core.roles import Role, required_role
from copilot.desk.case_view import VIEW_COLUMNS, Escalation, escalation_of, view_of
from copilot.desk.ownership import DeskAction, approval_role, available_actions


class SlaState(StrEnum):
    ok = "ok"
    at_risk = "at_risk"
    breached = "breached"


class Out(Strict):
    """Response bodies: built from rows we select ourselves, so unknown keys are a bug."""


class CaseSummary(Out):
    id: int
    order_id: str | None
    customer_email: str | None
    category: str
    disposition: str | None
    priority: str | None
    priority_score: float | None
    queue: str | None
    status: str
    owner: str | None
    assignee: str | None
    escalation_level: int
    order_value: Decimal | None
    deadline_at: datetime | None
    first_touch_due: datetime | None
    resolution_due: datetime | None
    next_due_at: datetime | None = Field(description="The nearest deadline; the queue is sorted by it.")
    sla_state: SlaState
    plan_version: int
    created_at: datetime


class CasePage(Out):
    items: list[CaseSummary]
    next_cursor: str | None = Field(description="Pass as `cursor` to read the next page; null on the last.")


class Verdict(Out):
    rule_id: str
    outcome: str
    role: str | None
    reason: str
    mode: str


class PlannedAction(Out):
    action_id: str
    tool: str
    kind: str
    args: JsonValue
    status: str
    outcome: str | None = Field(description="The most restrictive verdict: allow, needs_approval or block.")
    verdicts: list[Verdict]


class Plan(Out):
    version: int
    detail: JsonValue
    required_role: str | None = Field(description="The role an approval of this plan needs, if any.")
    actions: list[PlannedAction]
    plan_verdicts: list[Verdict] = Field(description="Verdicts on the plan as a whole (e.g. its message).")


class DraftMessage(Out):
    id: int
    scenario: str
    body: str
    written_by: str
    status: str
    created_at: datetime


class SentMessage(Out):
    scenario: str
    body: str
    written_by: str
    sent_at: datetime | None


class TimelineEvent(Out):
    id: int
    at: datetime
    actor: str
    kind: str
    data: JsonValue


class FailedJobView(Out):
    id: int
    kind: str
    attempts: int
    error: str
    failed_at: datetime


class Note(Out):
    id: int
    at: datetime
    author: str
    body: str


class SignalView(Out):
    id: int
    source: str
    kind: str
    occurred_at: datetime
    order_id: str | None
    customer_email: str | None
    ticket_id: str | None
    payload: JsonValue
    truncated_note: str | None = Field(default=None, description="Set when the text shown was cut for display; "
                                       "the signal keeps the whole text.")


# A ticket of a megabyte made a case page half a million pixels tall; the page shows this much of a text.
DISPLAY_TEXT_CHARS = 4000


def for_display(signal: SignalView) -> SignalView:
    """The signal with its text cut to DISPLAY_TEXT_CHARS and a note saying so (the stored signal keeps all)."""
    payload = signal.payload
    text = payload.get("text") if isinstance(payload, dict) else None
    if not isinstance(text, str) or len(text) <= DISPLAY_TEXT_CHARS:
        return signal
    assert isinstance(payload, dict)
    total = payload.get("text_length") or len(text)
    note = (f"showing the first {DISPLAY_TEXT_CHARS:,} of {total:,} characters; the delivery as received is "
            f"kept whole")
    return signal.model_copy(update={"payload": {**payload, "text": text[:DISPLAY_TEXT_CHARS] + " …"},
                                     "truncated_note": note})


class OrderSnapshot(Out):
    order: dict[str, JsonValue]
    customer: dict[str, JsonValue] | None
    lines: list[dict[str, JsonValue]]
    payments: list[dict[str, JsonValue]]
    fulfillments: list[dict[str, JsonValue]]
    disputes: list[dict[str, JsonValue]]


class CaseDetail(Out):
    case: CaseSummary
    available_actions: list[DeskAction] = Field(description="What the caller may do to the case now, given its "
                                                "status and the caller's role; the desk draws its buttons from it.")
    waits_at: str | None = Field(description="Where the case's workflow is paused: approval, customer, "
                                 "verification, or null while the worker holds it.")
    escalation: Escalation | None = Field(description="The latest hand-over to an owner: who, why, when.")
    blocked: list[Verdict] = Field(description="Rules that block the current plan; edit or re-plan to clear them.")
    approval_role: str | None = Field(description="The role an approval needs now: the plan's, and on an escalated "
                                      "case at least its owner's.")
    priority_reasons: JsonValue
    escalation_path: JsonValue
    facts: JsonValue
    root_cause: str | None
    close_reason: str | None
    signals: list[SignalView]
    order: OrderSnapshot | None
    plan: Plan | None
    draft: DraftMessage | None
    sent_messages: list[SentMessage] = Field(description="What the customer was sent, in order.")
    timeline: list[TimelineEvent]
    notes: list[Note]
    failed_jobs: list[FailedJobView] = Field(default_factory=list, description="Work the workers gave up on for "
                                             "this case; POST /api/jobs/{id}/retry runs it again.")



class QueueStats(Out):
    queue: str
    open: int
    at_risk: int
    breached: int
    sla_attainment: float | None = Field(description="Share of this queue's cases created in the last 7 days "
                                          "with no SLA breach; null when there were none.")
    oldest_case_id: int | None
    oldest_created_at: datetime | None


class QueuesView(Out):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"as_of": "2025-03-04T10:00:00Z", "queues": [
            {"queue": "pre_fulfillment_holds", "open": 12, "at_risk": 3, "breached": 1,
             "sla_attainment": 0.93, "oldest_case_id": 7, "oldest_created_at": "2025-03-03T08:00:00Z"}]}]},
    )
    as_of: datetime
    queues: list[QueueStats]

class CaseFilters(Strict):
    queue: str | None = None
    category: str | None = None
    status: str = "open"
    priority: str | None = None
    sla_state: SlaState | None = None
    assignee: str | None = None


SUMMARY_COLUMNS = f"""
c.id, c.order_id, c.customer_email, c.category, c.disposition, c.priority, c.priority_score, c.queue,
c.status, c.owner, c.assignee, c.escalation_level, c.order_value, c.deadline_at, c.first_touch_due,
c.resolution_due, NULLIF(c.next_due_at, 'infinity') AS next_due_at, {SLA_STATE_SQL} AS sla_state,
c.plan_version, c.created_at"""

MAX_PAGE = 200


def encode_cursor(next_due_at: datetime | None, case_id: int) -> str:
    due = next_due_at.isoformat() if next_due_at else "infinity"
    return base64.urlsafe_b64encode(f"{due}|{case_id}".encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[str, int]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        due, _, case_id = raw.rpartition("|")
        if due != "infinity":
            datetime.fromisoformat(due)
        return due, int(case_id)
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raise InvalidInput("cursor: not a cursor this API returned; start again without it") from None


def _where(filters: CaseFilters) -> tuple[list[str], dict[str, object]]:
    clauses: list[str] = []
    params: dict[str, object] = {}
    if filters.status == "open":
        clauses.append(OPEN_SQL)
    elif filters.status == "actionable":
        clauses.append("c.status IN ('awaiting_approval', 'escalated')")
    elif filters.status != "all":
        clauses.append("c.status = %(status)s")
        params["status"] = filters.status
    for name in ("queue", "category", "priority", "assignee"):
        value = getattr(filters, name)
        if value is not None:
            clauses.append(f"c.{name} = %({name})s")
            params[name] = value
    if filters.sla_state is not None:
        clauses.append(f"({SLA_STATE_SQL}) = %(sla_state)s")
        params["sla_state"] = filters.sla_state.value
    return clauses, params


async def list_cases(conn: AsyncConnection[DictRow], filters: CaseFilters, now: datetime,
                     cursor: str | None = None, limit: int = 50) -> CasePage:
    clauses, params = _where(filters)
    fetch = min(max(limit, 1), MAX_PAGE) + 1  # one more than the page, to know whether another follows
    params.update(now=now, limit=fetch)
    if cursor:
        due, after_id = decode_cursor(cursor)
        clauses.append("(c.next_due_at, c.id) > (%(after_due)s::timestamptz, %(after_id)s)")
        params.update(after_due=due, after_id=after_id)
    where = " AND ".join(clauses) or "TRUE"
    cur = await conn.execute(
        f"SELECT {SUMMARY_COLUMNS} FROM cases c WHERE {where} ORDER BY c.next_due_at, c.id LIMIT %(limit)s",
        params,
    )
    rows = await cur.fetchall()
    items = [CaseSummary.model_validate(r) for r in rows[: fetch - 1]]
    more = len(rows) == fetch
    last = items[-1] if items else None
    return CasePage(items=items, next_cursor=encode_cursor(last.next_due_at, last.id) if more and last else None)


async def case_summary(conn: AsyncConnection[DictRow], case_id: int, now: datetime) -> CaseSummary:
    cur = await conn.execute(f"SELECT {SUMMARY_COLUMNS} FROM cases c WHERE c.id = %(id)s",
                             {"id": case_id, "now": now})
    row = await cur.fetchone()
    if row is None:
        raise NotFound(f"case {case_id} does not exist")
    return CaseSummary.model_validate(row)


async def _all(conn: AsyncConnection[DictRow], sql: str, *args: object) -> list[dict[str, JsonValue]]:
    cur = await conn.execute(sql, args)
    return list(await cur.fetchall())


def _rows_of(sql: str) -> str:
    """A correlated sub-select as one JSON array (empty, not null, when there are no rows)."""
    return f"COALESCE((SELECT jsonb_agg(to_jsonb(x)) FROM ({sql}) x), '[]'::jsonb)"


# The order as the system of record has it, in one round trip (the case page used to take six).
ORDER_SNAPSHOT_SQL = f"""
SELECT to_jsonb(o) AS order,
       (SELECT to_jsonb(c) - 'payment_methods' FROM sandbox.customers c WHERE c.id = o.customer_id) AS customer,
       {_rows_of("SELECT * FROM sandbox.order_lines l WHERE l.order_id = o.id ORDER BY line_no")} AS lines,
       {_rows_of("SELECT * FROM sandbox.payments p WHERE p.order_id = o.id ORDER BY created_at")} AS payments,
       {_rows_of("SELECT * FROM sandbox.fulfillments f WHERE f.order_id = o.id ORDER BY created_at")} AS fulfillments,
       {_rows_of("SELECT * FROM sandbox.disputes d WHERE d.order_id = o.id ORDER BY created_at")} AS disputes
FROM sandbox.orders o WHERE o.id = %s"""


async def order_snapshot(conn: AsyncConnection[DictRow], order_id: str) -> OrderSnapshot | None:
    found = await _all(conn, ORDER_SNAPSHOT_SQL, order_id)
    return OrderSnapshot.model_validate(found[0]) if found else None


RESTRICTIVENESS = {"allow": 0, "needs_approval": 1, "block": 2}


def assemble_plan(version: int, detail: JsonValue, actions: list[dict[str, JsonValue]],
                  verdicts: list[dict[str, JsonValue]]) -> Plan | None:
    if not actions and not verdicts and detail is None:
        return None
    by_action: dict[str, list[Verdict]] = {}
    for v in verdicts:
        v = dict(v)
        by_action.setdefault(str(v.pop("action_id")), []).append(Verdict.model_validate(v))
    planned = []
    for a in actions:
        mine = by_action.get(str(a["action_id"]), [])
        active = [v.outcome for v in mine if v.mode == "active"]
        outcome = max(active, key=lambda o: RESTRICTIVENESS.get(o, 0)) if active else None
        planned.append(PlannedAction(**a, outcome=outcome, verdicts=mine))
    listed = {str(a["action_id"]) for a in actions}
    loose = [v for action_id, vs in by_action.items() if action_id not in listed for v in vs]
    return Plan(version=version, detail=detail, required_role=plan_role(verdicts_of(by_action)),
                actions=planned, plan_verdicts=loose)


def verdicts_of(by_action: dict[str, list[Verdict]]) -> list[Verdict]:
    return [v for vs in by_action.values() for v in vs]


def plan_role(verdicts: list[Verdict]) -> str | None:
    """The highest desk role any active needs_approval verdict reserves the approval for."""
    needed = required_role(v.role for v in verdicts if v.outcome == "needs_approval" and v.mode == "active")
    return needed.value if needed else None


# Everything the case page shows, in one round trip (plus one for the order): it used to take thirteen.
CASE_DETAIL_SQL = f"""
SELECT {SUMMARY_COLUMNS}, c.priority_reasons, c.escalation_path, c.facts, c.root_cause, c.close_reason,
       c.plan AS plan_detail,
       {_rows_of("SELECT id, source, kind, occurred_at, order_id, customer_email, ticket_id, payload FROM signals"
                 " WHERE case_id = c.id ORDER BY occurred_at, id")} AS signals,
       (SELECT to_jsonb(m) FROM (SELECT id, scenario, body, written_by, status, created_at FROM messages
         WHERE case_id = c.id AND plan_version = c.plan_version AND status = 'draft' ORDER BY id DESC LIMIT 1) m)
         AS draft,
       {_rows_of("SELECT scenario, body, written_by, sent_at FROM messages WHERE case_id = c.id AND status = 'sent'"
                 " ORDER BY sent_at, id")} AS sent_messages,
       {_rows_of("SELECT id, at, actor, kind, data FROM case_events WHERE case_id = c.id ORDER BY id")} AS timeline,
       {_rows_of("SELECT id, at, author, body FROM case_notes WHERE case_id = c.id ORDER BY id")} AS notes,
       {_rows_of("SELECT action_id, tool, kind, args, status FROM proposed_actions"
                 " WHERE case_id = c.id AND plan_version = c.plan_version ORDER BY id")} AS plan_actions,
       {_rows_of("SELECT action_id, rule_id, outcome, role, reason, mode FROM guardrail_verdicts"
                 " WHERE case_id = c.id AND plan_version = c.plan_version ORDER BY id")} AS plan_verdicts,
       {_rows_of("SELECT id, kind, attempts, error, done_at AS failed_at FROM case_jobs"
                 " WHERE case_id = c.id AND done_at IS NOT NULL AND error IS NOT NULL ORDER BY id")} AS failed_jobs,
       {VIEW_COLUMNS}
FROM cases c WHERE c.id = %(id)s"""

DETAIL_ONLY = ("waits_at", "blocked", "approval_roles", "escalation", "priority_reasons", "escalation_path", "facts",
               "root_cause", "close_reason", "plan_detail", "signals", "draft", "sent_messages", "timeline", "notes",
               "plan_actions", "plan_verdicts", "failed_jobs")


async def case_detail(conn: AsyncConnection[DictRow], case_id: int, now: datetime, role: Role | None = None,
                      name: str | None = None) -> CaseDetail:
    """The case in full; `role` (and the caller's `name`) decide its `available_actions`."""
    cur = await conn.execute(CASE_DETAIL_SQL, {"id": case_id, "now": now})
    row = await cur.fetchone()
    if row is None:
        raise NotFound(f"case {case_id} does not exist")
    extra = {name: row.pop(name) for name in DETAIL_ONLY}
    summary = CaseSummary.model_validate(row)
    view = view_of(extra | {"status": summary.status, "owner": summary.owner, "assignee": summary.assignee})
    plan = assemble_plan(summary.plan_version, extra["plan_detail"], extra["plan_actions"], extra["plan_verdicts"])
    judged = [v for a in plan.actions for v in a.verdicts] + plan.plan_verdicts if plan else []
    return CaseDetail(
        case=summary,
        available_actions=available_actions(view, role, name) if role else [],
        waits_at=view.waits_at, escalation=escalation_of(extra["escalation"]),
        approval_role=approval_role(view).value if view.waits_at == "approval" else None,
        blocked=[v for v in judged if v.outcome == "block" and v.mode == "active"],
        priority_reasons=extra["priority_reasons"], escalation_path=extra["escalation_path"],
        facts=extra["facts"], root_cause=extra["root_cause"], close_reason=extra["close_reason"],
        signals=[for_display(SignalView.model_validate(s)) for s in extra["signals"]],
        order=await order_snapshot(conn, summary.order_id) if summary.order_id else None,
        plan=plan,
        draft=DraftMessage.model_validate(extra["draft"]) if extra["draft"] else None,
        sent_messages=[SentMessage.model_validate(m) for m in extra["sent_messages"]],
        timeline=[TimelineEvent.model_validate(e) for e in extra["timeline"]],
        notes=[Note.model_validate(n) for n in extra["notes"]],
        failed_jobs=[FailedJobView.model_validate(j) for j in extra["failed_jobs"]],
    )


ATTAINMENT_WINDOW = timedelta(days=7)

# One pass over what the numbers need: the open cases, and the cases created inside the attainment window.
# The whole history is never read (at 100,000 cases that scan cost 200-350 ms). The covering index of
# migration 011 serves it without touching the wide case rows.
QUEUE_STATS_SQL = f"""
WITH c AS (
    SELECT c.id, COALESCE(c.queue, 'unrouted') AS queue, c.created_at, {OPEN_SQL} AS is_open,
           c.created_at >= %(since)s AS in_window, {SLA_STATE_SQL} AS sla
    FROM cases c WHERE c.status <> 'routed_away' AND (c.status <> 'closed' OR c.created_at >= %(since)s)
)
SELECT queue,
       count(*) FILTER (WHERE is_open) AS open,
       count(*) FILTER (WHERE is_open AND sla = 'at_risk') AS at_risk,
       count(*) FILTER (WHERE is_open AND sla = 'breached') AS breached,
       1 - (count(*) FILTER (WHERE in_window AND sla = 'breached'))::float
         / NULLIF(count(*) FILTER (WHERE in_window), 0) AS sla_attainment,
       (min(ARRAY[extract(epoch FROM created_at), id]) FILTER (WHERE is_open))[2]::bigint AS oldest_case_id,
       min(created_at) FILTER (WHERE is_open) AS oldest_created_at
FROM c GROUP BY queue ORDER BY queue"""


async def queue_stats(conn: AsyncConnection[DictRow], now: datetime) -> QueuesView:
    cur = await conn.execute(QUEUE_STATS_SQL, {"now": now, "since": now - ATTAINMENT_WINDOW})
    return QueuesView(as_of=now, queues=[QueueStats.model_validate(r) for r in await cur.fetchall()])


class QueueStatsCache:
    """Queue numbers shared by every request of one process for `ttl_s`: every desk page shows them, and
    with tens of thousands of open cases one computation costs tens of ms. `as_of` says how fresh they are."""

    def __init__(self, ttl_s: float) -> None:
        self.ttl_s = ttl_s
        self._view: QueuesView | None = None
        self._lock = asyncio.Lock()

    async def get(self, conn: AsyncConnection[DictRow], now: datetime) -> QueuesView:
        async with self._lock:  # concurrent misses wait for one computation instead of each running it
            view = self._view
            if view is None or not (0 <= (now - view.as_of).total_seconds() < self.ttl_s):
                view = self._view = await queue_stats(conn, now)
            return view


async def plan_action_ids(conn: AsyncConnection[DictRow], case_id: int, plan_version: int) -> set[str]:
    """The action ids of one plan version (an edit may only name these)."""
    cur = await conn.execute("SELECT action_id FROM proposed_actions WHERE case_id = %s AND plan_version = %s",
                             (case_id, plan_version))
    return {r["action_id"] for r in await cur.fetchall()}
