"""Where the graph asks the LLM: reading a ticket into facts and into requests, and rewording a drafted message.
Deterministic facts win every disagreement; a rewrite that fails rule 9 falls back to the template."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from psycopg import AsyncConnection

from copilot.cases import queries, store
from copilot.cases.queries import LatestTicket
from copilot.core.policy import Policy
from copilot.decide.guardrails import message_facts
from copilot.decide.guardrails_plan import unbacked_phrases
from copilot.decide.llm_reader import read_requests
from copilot.decide.messages import CLAIM_ONLY_FIELDS, check_message
from copilot.decide.plan import CaseState, Plan
from copilot.llm import (
    LLM,
    DeterministicFacts,
    LLMConfig,
    read_ticket,
    reconcile,
    record_calls,
    rewrite_message,
    tokens_used,
)
from copilot.reading.checked import checked
from copilot.reading.grounding import ground
from copilot.reading.reader import read_text
from copilot.reading.sources import world_for


async def _event(conn: AsyncConnection[Any], case_id: int, kind: str, data: dict[str, Any], now: datetime) -> None:
    await store.record_event(conn, case_id, kind, data, actor="llm", at=now)


async def _ticket_to_read(conn: AsyncConnection[Any], config: LLMConfig, case_id: int) -> LatestTicket | None:
    """The case's latest ticket when a model is set to read it; None without a model or a ticket."""
    return await queries.latest_ticket(conn, case_id) if config.enabled else None


async def read_ticket_facts(conn: AsyncConnection[Any], config: LLMConfig, case_id: int,
                            now: datetime) -> dict[str, Any] | None:
    """The LLM's reading of the case's latest ticket, reconciled with the case; None without a model or ticket."""
    ticket = await _ticket_to_read(conn, config, case_id)
    if ticket is None:
        return None
    signal = ticket.signal
    owned = await queries.customer_order_ids(conn, ticket.customer_id) if ticket.customer_id else None
    llm = LLM(config, case_id=case_id, used_tokens=await tokens_used(conn, case_id))
    try:
        facts = await read_ticket(llm, signal.text or "", subject=signal.subject or "",
                                  customer_name=signal.customer_name or "")
    finally:
        await llm.aclose()
    await record_calls(conn, llm.calls)
    acted_on, disagreements = reconcile(facts, DeterministicFacts(
        order_id=ticket.order_id, customer_order_ids=owned, category=ticket.category))
    await _event(conn, case_id, "llm_ticket_read", {
        "read": facts.model_dump(mode="json") if facts else None,
        "acted_on": acted_on.model_dump(mode="json"),
        "disagreements": [d.model_dump(mode="json") for d in disagreements]}, now)
    return acted_on.model_dump(mode="json")


async def read_ticket_requests(conn: AsyncConnection[Any], config: LLMConfig, case_id: int,
                               now: datetime) -> dict[str, Any] | None:
    """The model's Reading of the case's latest ticket (the same typed Reading the rules fill), every argument it
    read grounded in the customer's orders, the catalog and the profile; what the records or the rules contradict
    is recorded on the case and holds the reading for a person. None without a model, a ticket or a usable answer:
    the rules' Reading stands."""
    ticket = await _ticket_to_read(conn, config, case_id)
    if ticket is None:
        return None
    signal = ticket.signal
    world = await world_for(conn, ticket.customer_email, ticket.order_id)
    rules = ground(read_text(signal.subject or "", signal.text or ""), world)
    llm = LLM(config, case_id=case_id, used_tokens=await tokens_used(conn, case_id))
    try:
        model = await read_requests(llm, signal.subject or "", rules.text)  # the new text: no quotes, no signature
    finally:
        await llm.aclose()
    await record_calls(conn, llm.calls)
    reading = checked(model, rules, world) if model is not None else None
    await _event(conn, case_id, "llm_reading", {
        "read": model.model_dump(mode="json") if model else None,
        "requests": [f"{r.intent.value} ({r.mood.value})" for r in reading.requests] if reading else [],
        "rules": [f"{r.intent.value} ({r.mood.value})" for r in rules.requests],
        "disagreements": reading.disagreements if reading else [],
        "needs_reading": reading.needs_reading if reading else None}, now)
    return reading.model_dump(mode="json") if reading is not None else None


async def reword(conn: AsyncConnection[Any], config: LLMConfig, case: CaseState, plan: Plan, text: str,
                 policy: Policy, now: datetime) -> tuple[str, str]:
    """The drafted message in the model's words when they pass rule 9 (and keep every fact), else the template."""
    llm = LLM(config, case_id=case.case_id, used_tokens=await tokens_used(conn, case.case_id))
    facts = message_facts(case)
    context = plan.message.model_dump(mode="json", exclude=set(CLAIM_ONLY_FIELDS)) if plan.message is not None else None
    try:
        # Rule 9 as the guardrails will apply it: also no amount, percentage or promise the plan does not back.
        worded, source = await rewrite_message(
            llm, text, context, lambda t: check_message(t, facts, policy) + unbacked_phrases(t, case, plan))
    finally:
        await llm.aclose()
    await record_calls(conn, llm.calls)
    last = llm.calls[-1] if llm.calls else None
    await _event(conn, case.case_id, "message_drafted", {
        "written_by": source, "template": text, "text": worded,
        "llm_outcome": last.outcome.value if last else None, "llm_detail": getattr(last, "detail", None)}, now)
    return worded, source
