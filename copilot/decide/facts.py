"""gather_facts: the READ tools a case's category calls, assembled into a typed CaseState."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from typing import Any

from psycopg import AsyncConnection
from psycopg.rows import DictRow

from copilot.cases.case_log import tool_deps
from copilot.cases.order_inference import choose, customer_orders
from copilot.core.errors import NotFound
from copilot.core.models import Category, Signal, SignalKind
from copilot.decide import related
from copilot.decide.plan import AddressCheck, CaseState, CustomerRequest, OrderChoice, Origin
from copilot.decide.requests import read_request
from copilot.reading.derive import primary
from copilot.reading.grounding import ground
from copilot.reading.model import Intent, Reading
from copilot.reading.reader import read_text
from copilot.reading.sources import world_for
from tools import registry
from tools.address import validate_address_text
from tools.base import ToolDeps
from tools.connectors.snapshot import remembering
from tools.schemas import LookupCustomerOutput, LookupOrderOutput

SHIPPING = {Category.delivery_exception, Category.concession_request, Category.chargeback,
            Category.refund_request, Category.change_request, Category.fulfillment_delay}
ADDRESS = {Category.address_issue, Category.delivery_exception}
STOCK = {Category.inventory_mismatch, Category.split_shipment, Category.change_request}


async def _case_row(conn: AsyncConnection[DictRow], case_id: int) -> dict[str, Any]:
    """The case and, in the same statement, its latest signal (a ticket before any system event)."""
    cur = await conn.execute(
        "SELECT c.id, c.order_id, c.customer_email, c.ticket_id, c.category, c.status, c.escalation_level,"
        " c.classified_by, c.confidence, s.payload AS signal FROM cases c"
        " LEFT JOIN LATERAL (SELECT payload FROM signals WHERE case_id = c.id"
        "   ORDER BY (kind IN ('ticket', 'ticket_reply')) DESC, occurred_at DESC, id DESC LIMIT 1) s ON true"
        " WHERE c.id = %s", (case_id,))
    row = await cur.fetchone()
    if row is None:
        raise NotFound(f"case {case_id} does not exist")
    return row


MAX_CHOICES = 4


async def candidate_orders(conn: AsyncConnection[DictRow], email: str, signal: Signal) -> list[OrderChoice]:
    """The orders a ticket naming none fits equally well (none when one wins or none fits): the plan asks which."""
    orders = await customer_orders(conn, email)
    inferred = choose(orders, f"{signal.subject or ''}\n{signal.text or ''}")
    if inferred.order_id is not None or len(inferred.candidates) < 2:
        return []
    found = {o["id"]: o for o in orders if o["lines"]}
    return [OrderChoice(order_id=i, status=found[i]["status"], items=[line["name"] for line in found[i]["lines"]])
            for i in inferred.candidates[:MAX_CHOICES] if i in found]


async def _customer(deps: ToolDeps, email: str | None, order: LookupOrderOutput | None) -> LookupCustomerOutput | None:
    for args in ({"email": email} if email else None, {"customer_id": order.order.customer_id} if order else None):
        if args is None:
            continue
        try:
            return await registry.call("lookup_customer", deps, args)  # type: ignore[return-value]
        except NotFound:
            continue
    return None


async def gather(conn: AsyncConnection[DictRow], case_id: int, now: datetime, llm_address: str | None = None,
                 llm_reading: dict[str, Any] | None = None) -> CaseState:
    """The facts for a case; an address the LLM read only fills an empty field, marked as LLM-sourced. The
    model's Reading, already grounded and checked against the records (copilot/reading/checked.py), replaces
    the rules' when a provider is set and it read the ticket."""
    row = await _case_row(conn, case_id)
    category = Category(row["category"])
    signal = Signal.model_validate(row["signal"]) if row["signal"] is not None else None
    deps = tool_deps(conn, now, case_id)
    deps = replace(deps, connectors=remembering(deps.connectors))  # one snapshot of each system per gather
    order_id = row["order_id"]
    order = await registry.call("lookup_order", deps, {"order_id": order_id}) if order_id else None
    customer = await _customer(deps, row["customer_email"], order)  # type: ignore[arg-type]
    reading = _reading(signal)
    if reading is not None and llm_reading:
        reading = Reading.model_validate(llm_reading)
    elif reading is not None:
        reading = ground(reading, await world_for(conn, row["customer_email"], order_id))
    facts: dict[str, Any] = {
        "case_id": case_id, "category": category, "now": now, "status": row["status"],
        "escalation_level": row["escalation_level"], "classified_by": _by(row["classified_by"]),
        "confidence": row["confidence"] if row["confidence"] is not None else 1.0, "signal": signal,
        "filed_by": row["classified_by"],
        "ticket_id": row["ticket_id"] or (signal.ticket_id if signal else None),
        "request": _grounded(_with_llm_address(read_request(category, _new_words(signal, reading), order_id),
                                               llm_address), reading, order_id),
        "reading": reading, "order": order, "customer": customer,
    }
    if order is None and signal is not None and signal.kind in (SignalKind.ticket, SignalKind.ticket_reply) \
            and row["customer_email"]:
        facts["candidate_orders"] = await candidate_orders(conn, row["customer_email"], signal)
    if order is not None:
        facts["payment"] = await registry.call("lookup_payment", deps, {"order_id": order_id})
        if category in SHIPPING or category is Category.address_issue:
            facts["shipments"] = await registry.call("track_shipment", deps, {"order_id": order_id})
        if category is Category.fraud_hold:
            facts["fraud"] = await registry.call("assess_fraud_signals", deps, {"order_id": order_id})
        # An exchange or an item change needs the other variants of each line, whatever category the ticket was
        # filed under ("return the speaker, and make the laptop the 13-inch one" is filed as a refund).
        if category in STOCK or (facts["request"] is not None and facts["request"].intent == "exchange") \
                or _changes_items(reading):
            facts["inventory"] = [await registry.call("locate_inventory", deps, {"sku": line.sku,
                                                                                  "quantity": line.quantity})
                                  for line in order.order.lines]  # type: ignore[attr-defined]
        if category in ADDRESS or (facts["request"] is not None and facts["request"].new_address is not None):
            facts["address_checks"] = await address_checks(deps, order, facts["request"], customer)  # type: ignore[arg-type]
    if signal is not None and signal.kind in (SignalKind.ticket, SignalKind.ticket_reply) and row["customer_email"]:
        await _with_related(conn, deps, facts, row["customer_email"], signal)
    return CaseState.model_validate(facts)


async def _with_related(conn: AsyncConnection[DictRow], deps: ToolDeps, facts: dict[str, Any], email: str,
                        signal: Signal) -> None:
    """The customer's other orders, for a ticket whose requests reach past the case's own (copilot/decide/related.py);
    the case's own pending order gets the same addresses checked."""
    written = validate_address_text(signal.text or "")
    wanted = [written.normalized] if written.valid and written.normalized is not None else []
    order: LookupOrderOutput | None = facts["order"]
    facts["related"] = await related.related_orders(conn, deps, email, order.order.id if order else None,
                                                    facts["customer"], wanted, signal.text or "")
    if order is not None and order.order.status in related.EDITABLE:
        known = [c.address for c in facts.get("address_checks", [])]
        addresses = related.addresses_for(facts["related"], facts["customer"], wanted)
        extra = await related.checks(deps, order, [a for a in addresses if a not in known])
        facts["address_checks"] = [*facts.get("address_checks", []), *extra]


async def address_checks(deps: ToolDeps, order: LookupOrderOutput, request: Any,
                          customer: LookupCustomerOutput | None) -> list[AddressCheck]:
    """The order's address, the one the customer asked for, and their profile address (the certain
    correction when the order lost its unit) — each validated for the order's carrier."""
    wanted = [request.new_address] if request is not None and request.new_address is not None else []
    if customer is not None and customer.address is not None and customer.address not in wanted:
        wanted.append(customer.address)
    return await related.checks(deps, order, wanted)


def _changes_items(reading: Reading | None) -> bool:
    return reading is not None and any(r.intent in (Intent.change_items, Intent.exchange) for r in reading.requests)


def _reading(signal: Signal | None) -> Reading | None:
    if signal is None or signal.kind not in (SignalKind.ticket, SignalKind.ticket_reply):
        return None
    return read_text(signal.subject or "", signal.text or "")


def _grounded(request: CustomerRequest | None, reading: Reading | None, order_id: str | None) -> CustomerRequest | None:
    """The order line the customer named (by name, variant words or SKU), never a line picked by position.
    Only a line grounded on this case's order: the reader grounds in all of the customer's orders, and a line
    number of another order would name (or reship) the wrong item here."""
    main = primary(reading) if reading else None
    if request is None or main is None or request.line_no is not None or len(main.items) != 1:
        return request
    if main.order is None or main.order.order_id != order_id:
        return request
    return request.model_copy(update={"line_no": main.items[0].line_no})


def _new_words(signal: Signal | None, reading: Reading | None) -> Signal | None:
    """The ticket as the customer newly wrote it: quoted mail and signatures are not requests."""
    if signal is None or reading is None:
        return signal
    return signal.model_copy(update={"subject": "", "text": reading.text})


def _with_llm_address(request: CustomerRequest | None, text: str | None) -> CustomerRequest | None:
    if request is None or request.new_address is not None or not text:
        return request
    normalized = validate_address_text(text).normalized
    if normalized is None:
        return request
    return request.model_copy(update={"new_address": normalized, "origin": Origin.llm})


def _by(value: str | None) -> str:
    return value if value in ("rules", "llm", "human") else "rules"
