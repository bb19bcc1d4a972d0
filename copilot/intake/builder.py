"""The case builder: every signal lands in exactly one case, which is then triaged again."""

from __future__ import annotations

from datetime import datetime

import psycopg
from psycopg.rows import DictRow, dict_row
from pydantic import ValidationError

from copilot.cases import linking, order_inference, store
from copilot.cases.sla import DEFAULT_CALENDAR, load_policies
from copilot.cases.snapshot import Facts, load_facts, order_via, resolve_order_id
from copilot.cases.taxonomy import classify_signal
from copilot.cases.triage import TICKET_KINDS, Triage, triage
from copilot.core import db
from copilot.core.models import CaseStatus, Category, Signal, Strict
from copilot.intake import joining

ACTOR = "case_builder"


class Placement(Strict):
    """Where a signal goes: an existing case, or a new one for this order (None = unlinked)."""

    case_id: int | None
    order_id: str | None
    how: str
    notes: list[str] = []
    customer_email: str | None = None  # set when the ticket identified a caller the sender address did not


async def route_signal(conn: psycopg.AsyncConnection[DictRow], signal_id: int, signal: Signal, now: datetime) -> int:
    """Attach the stored signal to its case (opening one when needed), triage the case, return its id.

    Runs inside the caller's transaction. Lock order: a ticket's thread and customer advisory locks, then
    its one case row. No path takes those advisory locks while holding a case row, so they close no cycle.
    """
    vector = None
    if signal.kind in TICKET_KINDS and signal.customer_email:
        vector = linking.embed_ticket(signal.subject, signal.text)
    if signal.kind in TICKET_KINDS:
        await linking.serialize_ticket(conn, signal.source.value, signal.ticket_id, signal.customer_email)
    placement = await _place(conn, signal, vector)
    case_id = placement.case_id
    if case_id is None:
        case_id = await _open_case(conn, placement, signal, now)
    else:
        await linking.lock_case(conn, case_id)
    await conn.execute("UPDATE signals SET case_id = %s WHERE id = %s", (case_id, signal_id))
    await _event(conn, case_id, now, "signal_attached", {
        "signal_id": signal_id, "kind": signal.kind.value, "source": signal.source.value,
        "linked_by": placement.how, "notes": placement.notes})
    if vector is not None and signal.customer_email:
        await linking.store_embedding(conn, case_id, signal_id, signal.customer_email.lower(), vector,
                                      signal.occurred_at)
    await retriage(conn, case_id, now, current=(signal_id, signal))
    await joining.on_signal_joined(conn, case_id, signal_id, signal, now)  # a reply resumes a waiting case
    return case_id


async def _place(conn: psycopg.AsyncConnection[DictRow], signal: Signal, vector: str | None) -> Placement:
    if signal.kind not in TICKET_KINDS:
        order_id = await _order_of_system_signal(conn, signal)
        if order_id is None:
            return Placement(case_id=None, order_id=None, how="no order named: unlinked case")
        return Placement(case_id=await linking.open_case_for_order(conn, order_id), order_id=order_id,
                         how="order named by the event")
    return await _place_ticket(conn, signal, vector)


async def _order_of_system_signal(conn: psycopg.AsyncConnection[DictRow], signal: Signal) -> str | None:
    if signal.order_id:
        return await resolve_order_id(conn, signal.order_id) or signal.order_id
    return await order_via(conn, signal.payment_id, signal.dispute_id, signal.tracking_number)


async def _place_ticket(conn: psycopg.AsyncConnection[DictRow], signal: Signal, vector: str | None) -> Placement:
    """Where a ticket goes, in the order a desk agent would look.

    The thread and a checked order number are facts about this ticket, so they win. A near-duplicate is the
    same request sent again, so it joins that case. Then the order the ticket is about, inferred from the
    customer's orders (status the request needs, items named): it comes before "the customer's most recent
    open case" because that rule only guesses the conversation, and folding a ticket about another order
    into it would mix two requests; an inferred order with an open case joins that case anyway. Only a
    single clear winner links; on a tie the candidates go into the notes and the older rules apply.
    """
    text = linking.ticket_text(signal.subject, signal.text)
    caller = await order_inference.identify_caller(conn, signal.customer_email, text)
    email = caller.email
    who = {"customer_email": email} if caller.how else {}
    refs = linking.extract_order_refs(text)
    if signal.order_id:
        refs.insert(0, signal.order_id if signal.order_id.startswith("#") else f"#{signal.order_id}")
    checked = await linking.check_order_refs(conn, refs, email)
    notes = [*caller.notes, *checked.notes]
    if signal.ticket_id:
        thread = await linking.open_case_for_thread(conn, signal.source.value, signal.ticket_id)
        if thread is not None:
            return Placement(case_id=thread, order_id=None, how="same helpdesk thread", notes=notes, **who)
    if checked.order_id:
        return Placement(case_id=await linking.open_case_for_order(conn, checked.order_id),
                         order_id=checked.order_id, how="order reference checked against the customer",
                         notes=notes, **who)
    if not email:
        return Placement(case_id=None, order_id=None, how="no sender email: unlinked case", notes=notes)
    return await _place_by_customer(conn, signal, vector, email, text, notes, who, infer=not checked.foreign)


async def _place_by_customer(conn: psycopg.AsyncConnection[DictRow], signal: Signal, vector: str | None, email: str,
                             text: str, notes: list[str], who: dict[str, str | None], infer: bool) -> Placement:
    out_of_scope = classify_signal(signal).clearly_out_of_scope
    statuses = list(linking.OPEN_VALUES) + ([CaseStatus.routed_away.value] if out_of_scope else [])
    if vector is not None:
        dup = await linking.find_near_duplicate(conn, email.lower(), vector, signal.occurred_at, statuses)
        if dup is not None:
            notes.append(f"similar to signal {dup.signal_id} (cosine {dup.similarity})")
            return Placement(case_id=dup.case_id, order_id=None, how="near-duplicate ticket within 72 h",
                             notes=notes, **who)
    if out_of_scope:
        return Placement(case_id=None, order_id=None, how="no order and no open case: unlinked case", notes=notes,
                         **who)
    # Someone naming another customer's order means that order; their own is not a stand-in for it.
    inferred = await order_inference.infer_order(conn, email, text) if infer else order_inference.NOT_INFERRED
    if inferred.order_id:
        if inferred.others:
            notes.append(f"other orders with named items: {'; '.join(inferred.others)}")
        return Placement(case_id=await linking.open_case_for_order(conn, inferred.order_id),
                         order_id=inferred.order_id, how=inferred.how, notes=notes, **who)
    if inferred.candidates:
        notes.append(f"candidate orders: {', '.join(inferred.candidates)} ({inferred.how})")
    latest = await linking.latest_open_case_for_customer(conn, email)
    if latest is not None:
        return Placement(case_id=latest, order_id=None, how="customer's most recent open case", notes=notes, **who)
    return Placement(case_id=None, order_id=None, how="no order and no open case: unlinked case", notes=notes, **who)


async def _open_case(conn: psycopg.AsyncConnection[DictRow], placement: Placement, signal: Signal, now: datetime) -> int:
    case_id = await store.open_case(conn, placement.order_id, placement.customer_email or signal.customer_email,
                                    signal.ticket_id, now)
    if case_id is None:
        # Another transaction opened this order's case first: join it.
        existing = await linking.open_case_for_order(conn, placement.order_id or "")
        if existing is None:
            raise RuntimeError(f"case for order {placement.order_id} conflicted but cannot be found")
        return existing
    await _event(conn, case_id, now, "case_opened", {"order_id": placement.order_id, "linked_by": placement.how})
    return case_id


async def _event(conn: psycopg.AsyncConnection[DictRow], case_id: int, at: datetime, kind: str, data: dict) -> None:
    await store.record_event(conn, case_id, kind, data, actor=ACTOR, at=at)


def _as_signal(row: dict) -> Signal:
    try:
        return Signal.model_validate(row["payload"])
    except ValidationError:
        # Older rows may hold a vendor payload: keep the columns every signal row has.
        return Signal(source=row["source"], source_event_id=row["source_event_id"], kind=row["kind"],
                      occurred_at=row["occurred_at"], order_id=row["order_id"],
                      customer_email=row["customer_email"], ticket_id=row["ticket_id"])


async def case_signals(conn: psycopg.AsyncConnection[DictRow], case_id: int,
                       current: tuple[int, Signal] | None = None) -> list[Signal]:
    cur = conn.cursor(row_factory=dict_row)
    await cur.execute("SELECT id, source, source_event_id, kind, occurred_at, order_id, customer_email, ticket_id,"
                      " payload FROM signals WHERE case_id = %s ORDER BY occurred_at, id", (case_id,))
    rows = await cur.fetchall()
    return [current[1] if current and row["id"] == current[0] else _as_signal(row) for row in rows]


async def retriage(conn: psycopg.AsyncConnection[DictRow], case_id: int, now: datetime,
                   current: tuple[int, Signal] | None = None) -> Triage:
    """Triage the case from all its signals and today's facts, and record the result with its reasons."""
    cur = conn.cursor(row_factory=dict_row)
    await cur.execute("SELECT order_id, customer_email, ticket_id, status FROM cases WHERE id = %s FOR UPDATE",
                      (case_id,))
    case = await db.one(cur)
    signals = await case_signals(conn, case_id, current)
    email = case["customer_email"] or next((s.customer_email for s in signals if s.customer_email), None)
    sku = next((s.sku for s in reversed(signals) if s.sku), None)
    facts = await load_facts(conn, case["order_id"], email, now, sku=sku)
    result = triage(signals, facts, await load_policies(conn), DEFAULT_CALENDAR, now)
    await _write(conn, case_id, case, result, facts, signals, now)
    return result


def _next_status(current: CaseStatus, category: Category) -> CaseStatus:
    if current not in (CaseStatus.new, CaseStatus.triaged):
        return current  # later stages own the status; triage only refreshes the facts.
    return CaseStatus.routed_away if category is Category.out_of_scope else CaseStatus.triaged


async def _write(conn: psycopg.AsyncConnection[DictRow], case_id: int, case: dict, result: Triage, facts: Facts,
                 signals: list[Signal], now: datetime) -> None:
    previous = CaseStatus(case["status"])
    status = _next_status(previous, result.category)
    customer = facts.customer
    await store.write_triage(conn, case_id, {
        **result.model_dump(include={"category", "disposition", "classified_by", "confidence", "priority",
                                     "priority_score", "queue", "owner", "deadline_at", "first_touch_due",
                                     "resolution_due"}, mode="python"),
        "priority_reasons": result.priority_reasons, "escalation_path": result.escalation_path,
        "order_value": facts.order.total if facts.order else None,
        "customer_id": customer.id if customer else None,
        "customer_email": customer.email if customer else case["customer_email"],
        "ticket_id": case["ticket_id"] or next((s.ticket_id for s in reversed(signals) if s.ticket_id), None)},
        (previous, status), now)
    data = result.model_dump(mode="json", exclude={"confidence", "priority_score"})
    data |= {"confidence": result.confidence, "priority_score": result.priority_score,
             "status": {"from": previous.value, "to": status.value}, "signals": len(signals)}
    await _event(conn, case_id, now, "triaged", data)
