"""A signal joins an open case (the case builder calls this in the intake transaction): a customer's message
on a case that waits for the customer resumes its thread with the reply; a material signal on a case that waits
for a person's decision re-plans it. Reading the reply itself is the await_customer step's (copilot/workflow/replies.py)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from psycopg import AsyncConnection

from copilot.cases import store
from copilot.cases.resume import Replan, Reply
from copilot.cases.triage import TICKET_KINDS
from copilot.core.models import CaseStatus, Category, Signal
from copilot.decide.plan import CustomerRequest
from copilot.decide.requests import read_request

ACTOR = "copilot"


async def on_signal_joined(conn: AsyncConnection[Any], case_id: int, signal_id: int, signal: Signal,
                           now: datetime) -> int | None:
    """Called by the case builder in the intake transaction, after the case was re-triaged: a customer message
    on a case that waits for the customer resumes its thread; a material signal on a case that waits for a
    person's decision re-plans it (replan_on_signal). Returns the resume job enqueued, if any."""
    if signal.kind in TICKET_KINDS:
        job = await _resume_with_reply(conn, case_id, signal_id, signal)
        if job is not None:
            return job
    return await replan_on_signal(conn, case_id, signal_id, signal, now)


async def _resume_with_reply(conn: AsyncConnection[Any], case_id: int, signal_id: int, signal: Signal) -> int | None:
    """A second reply while one is queued joins the case without a resume."""
    cur = await conn.execute(
        "SELECT status FROM cases WHERE id = %s AND NOT EXISTS (SELECT 1 FROM case_jobs j WHERE j.case_id = %s"
        " AND j.done_at IS NULL AND j.kind = 'resume')", (case_id, case_id))
    row = await cur.fetchone()
    if row is None or row["status"] != CaseStatus.awaiting_customer:
        return None
    return await store.enqueue(conn, case_id, Reply(signal_id=signal_id, subject=signal.subject or "",
                                                    text=signal.text or "", occurred_at=signal.occurred_at))


# The case as the waiting plan saw it: whether its thread is paused at the approval interrupt (an escalated
# case is when its current plan was routed to approval and nobody decided it), the last two triage results,
# and whether a resume is queued and not yet started (that one will read the new facts when it runs).
_WAITING = """
SELECT c.status, c.plan_version, c.order_id, c.category, c.facts -> 'request' AS request,
       (SELECT e.data ->> 'route' FROM case_events e WHERE e.case_id = c.id AND e.kind = 'plan_proposed'
          AND (e.data ->> 'plan_version')::int = c.plan_version ORDER BY e.id DESC LIMIT 1) AS route,
       EXISTS (SELECT 1 FROM approvals a WHERE a.case_id = c.id AND a.plan_version = c.plan_version) AS decided,
       EXISTS (SELECT 1 FROM case_jobs j WHERE j.case_id = c.id AND j.kind = 'resume' AND j.done_at IS NULL
                 AND (j.locked_until IS NULL OR j.locked_until < now())) AS queued,
       ARRAY(SELECT jsonb_build_object('category', e.data -> 'category', 'disposition', e.data -> 'disposition')
             FROM case_events e WHERE e.case_id = c.id AND e.kind = 'triaged' ORDER BY e.id DESC LIMIT 2) AS triages
FROM cases c WHERE c.id = %s"""


def _paused_for_decision(row: dict[str, Any]) -> bool:
    if row["status"] == CaseStatus.awaiting_approval:
        return True
    return row["status"] == CaseStatus.escalated and row["route"] == "await_approval" and not row["decided"]


def material_change(signal: Signal, row: dict[str, Any]) -> str | None:
    """Why this signal makes the waiting plan stale, or None when it changes nothing the plan was built on.

    Re-plan when (1) it is a system event (PSP, storefront, 3PL, carrier): the system of record moved;
    (2) the re-triage it caused changed the category or the disposition; (3) it is a ticket with an explicit
    ask (a pattern of copilot/decide/requests.py matched, or it names an address) that differs from the request the
    plan was built on. A ticket without an explicit ask ("any news?") or repeating the same ask only joins
    the case. Priority changes alone do not re-plan: no playbook or guardrail reads priority.
    """
    if signal.kind not in TICKET_KINDS:
        return "the system of record reported a change"
    triages = row["triages"] or []
    if len(triages) == 2:
        for field in ("category", "disposition"):
            if triages[0][field] != triages[1][field]:
                return f"re-triage changed the {field} from {triages[1][field]} to {triages[0][field]}"
    # out_of_scope has no default intent, so "other" here means the text itself asks for nothing.
    asked = read_request(Category.out_of_scope, signal, row["order_id"])
    if asked is None or (asked.intent == "other" and asked.new_address is None):
        return None
    current = CustomerRequest.model_validate(row["request"]) if row["request"] else None
    if current is None or current.intent != asked.intent:
        return f"the customer now asks: {asked.intent.replace('_', ' ')}"
    if asked.new_address is not None and asked.new_address != current.new_address:
        return "the customer gave a different address"
    return None


async def replan_on_signal(conn: AsyncConnection[Any], case_id: int, signal_id: int, signal: Signal,
                           now: datetime) -> int | None:
    """A case paused for a person's decision gets a fresh plan when a material signal joins it: the case
    leaves awaiting approval at once (an approval of the old version answers 409), and a resume job takes
    the thread from the approval pause back through facts, plan, draft and guardrails (plan_version + 1).
    Cases past approval (executing, verifying, closed) are left to the verification re-reads."""
    cur = await conn.execute(_WAITING, (case_id,))
    row = await cur.fetchone()
    if row is None or row["queued"] or not _paused_for_decision(row):
        return None
    because = material_change(signal, row)
    if because is None:
        return None
    reason = f"re-planned: new signal {signal.kind.value} from {signal.source.value} ({because})"
    await store.ensure(conn, case_id, CaseStatus.triaged, actor=ACTOR, reason=reason, now=now,
                       data={"plan_version": row["plan_version"], "signal_id": signal_id})
    await store.record_event(conn, case_id, "replan_requested", {
        "signal_id": signal_id, "kind": signal.kind.value, "source": signal.source.value, "because": because,
        "replaces_version": row["plan_version"]}, actor=ACTOR, at=now)
    return await store.enqueue(conn, case_id, Replan(plan_version=row["plan_version"], signal_id=signal_id,
                                                     reason=reason, reread_ticket=signal.kind in TICKET_KINDS))
