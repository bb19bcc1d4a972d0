"""Customer replies: a reply on a case that awaits the customer resumes its thread, and is read into one of
the options the last message offered. Unclear once: one follow-up ask. Unclear twice: a person decides."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any, Literal

from psycopg import AsyncConnection
from psycopg_pool import AsyncConnectionPool

from copilot.cases import order_inference, queries, store
from copilot.cases.case_log import tool_deps
from copilot.cases.resume import Reply
from copilot.cases.store import plans
from copilot.core.models import CaseStatus, Strict
from copilot.decide import facts as case_facts
from copilot.decide.plan import CaseState, CustomerRequest, OrderChoice, Origin
from copilot.llm import LLM, LLMConfig, read_ticket, record_calls, tokens_used
from copilot.workflow.state import CaseGraphState, ReplyMemo
from tools import registry
from tools.address import validate_address_text
from tools.contracts.domain import Address

ACTOR = "copilot"
Option = Literal["accept_substitute", "split", "wait", "cancel", "confirm_address", "new_address",
                 "payment_updated", "reship", "refund", "pick_order"]
# What each decision message offered; a reply can only choose among these.
OFFERED: dict[str, tuple[Option, ...]] = {
    "substitute_offer": ("accept_substitute", "wait", "cancel"),
    "split_offer": ("split", "wait", "cancel"),
    "delay_notice": ("wait", "cancel"),
    "address_confirmation": ("confirm_address", "new_address"),
    "payment_update": ("payment_updated", "cancel"),
    "reship_offer": ("reship", "refund"),
    "which_order": ("pick_order",),  # read by read_order_choice: the choices are the case's own orders
}
_WORDING: dict[Option, str] = {
    "accept_substitute": "'yes' to take the alternative item", "split": "'ship now' to get the ready items first",
    "wait": "'wait' to keep the order as it is", "cancel": "'cancel' to cancel the order",
    "confirm_address": "'correct' if the address is right", "new_address": "the full corrected address",
    "payment_updated": "'updated' once the new card is saved", "reship": "'replace' for a replacement",
    "refund": "'refund' for your money back", "pick_order": "the number of the order you mean",
}
_P = re.compile
_PATTERNS: dict[Option, re.Pattern[str]] = {
    "cancel": _P(r"(?<!don't )(?<!do not )(?<!not )\bcancel|\bdon'?t want (it|the order)|\bno longer (want|need)"),
    "accept_substitute": _P(r"\b(alternative|substitute|the other (one|item)|other colou?r|other size)\b"
                            r"|\b(accept|take)\b.{0,20}\b(it|that|one|item|offer)\b"),
    "split": _P(r"\bship (what|whatever|the (available|ready|rest)|them|it)?\s*(you have|is ready|now|first)\b"
                r"|\bsplit\b|\bseparate(ly)?\b|\bin stock now\b"),
    "wait": _P(r"\bwait\b|\bkeep (the|my) order\b|\bno rush\b|\ball together\b|\bdon'?t cancel\b"
               r"|\bdo not cancel\b|\bhold (it|on)\b"),
    "confirm_address": _P(r"\b(address|it)('s| is) (correct|right|fine|good)\b|\bthat'?s (correct|right)\b"
                          r"|\bconfirm(ed)?\b|\bcorrect\b"),
    "payment_updated": _P(r"\b(updated|changed|added|replaced|saved)\b.{0,25}\b(card|payment|method)\b"
                          r"|\bnew card\b|\bupdated\b"),
    "reship": _P(r"\breplace(ment)?\b|\bsend (another|a new|it again)\b|\breship\b"),
    "refund": _P(r"\brefund\b|\bmoney back\b"),
}
_YES = _P(r"^\W*(yes|yep|yeah|sure|ok(ay)?|fine|sounds good|go ahead|please do|great)\b")
# A plain yes answers a yes/no ask: which option it means depends on the offer.
_YES_MEANS: dict[str, Option] = {"substitute_offer": "accept_substitute", "address_confirmation": "confirm_address",
                                 "payment_update": "payment_updated"}


class Reading(Strict):
    option: Option | None
    new_address: Address | None = None
    order_id: str | None = None
    origin: Literal["ticket", "llm"] = "ticket"
    why: str


def read_reply(text: str, scenario: str | None) -> Reading:
    """The one offered option a reply chooses; None when it matches none or more than one."""
    offered = OFFERED.get(scenario or "", ())
    if not offered:
        return Reading(option=None, why=f"the last message ({scenario}) offered no options to choose from")
    lowered = " ".join(text.lower().split())
    if "new_address" in offered:
        found = validate_address_text(text).normalized
        if found is not None:
            return Reading(option="new_address", new_address=found, why="the reply gives a full US address")
    hits = [o for o in offered if o != "new_address" and _PATTERNS[o].search(lowered)]
    if "cancel" in hits and "wait" in hits and re.search(r"\b(don'?t|do not|not) cancel", lowered):
        hits.remove("cancel")
    if len(hits) == 1:
        return Reading(option=hits[0], why=f"the reply says {hits[0].replace('_', ' ')}")
    if not hits and _YES.search(lowered) and scenario in _YES_MEANS:
        return Reading(option=_YES_MEANS[scenario], why=f"a plain yes to the {scenario.replace('_', ' ')}")
    if hits:
        return Reading(option=None, why=f"the reply matches several options: {', '.join(hits)}")
    return Reading(option=None, why="the reply matches none of the offered options")


def read_order_choice(text: str, candidates: list[OrderChoice]) -> Reading:
    """Which of the offered orders the reply means: its number, else the one whose items the reply names."""
    lowered = text.lower()
    named = [c.order_id for c in candidates
             if re.search(rf"(?<![\w]){re.escape(c.order_id.lstrip('#').lower())}(?!\w)", lowered)]
    how = "names order"
    if not named:
        keys = order_inference.keys_of(text)
        named = [c.order_id for c in candidates if any(order_inference.product_named(i, keys) for i in c.items)]
        how = "names the items of order"
    if len(named) == 1:
        return Reading(option="pick_order", order_id=named[0], why=f"the reply {how} {named[0]}")
    if named:
        return Reading(option=None, why=f"the reply fits several of the orders offered: {', '.join(named)}")
    return Reading(option=None, why="the reply names none of the orders offered")


async def link_order(conn: AsyncConnection[Any], case_id: int, order_id: str, now: datetime) -> int | None:
    """Give the case the order the customer named; the id of another open case that already holds it, if one
    does (an order has one open case: a person merges them)."""
    other = await queries.open_case_holding(conn, order_id, case_id)
    if other is not None:
        return other
    if await store.link_order(conn, case_id, order_id, now):
        await _event(conn, case_id, now, "order_linked", {"order_id": order_id, "how": "the customer named it"})
    return None


def follow_up_text(first_name: str, order_id: str | None, scenario: str | None) -> str:
    """The one follow-up ask after an unclear reply: the offered options, spelled out."""
    options = [_WORDING[o] for o in OFFERED.get(scenario or "", ())]
    listed = ", ".join(options[:-1]) + f" or {options[-1]}" if len(options) > 1 else "".join(options)
    about = f" about order {order_id}" if order_id else ""
    return (f"Hi {first_name}, thanks for your reply{about}. We want to get this exactly right. "
            f"Please reply with {listed}.")


async def _event(conn: AsyncConnection[Any], case_id: int, now: datetime, kind: str, data: dict[str, Any]) -> None:
    await store.record_event(conn, case_id, kind, data, actor=ACTOR, at=now)


def chosen_request(case: CaseState, reading: Reading) -> CustomerRequest:
    intent = reading.option
    return CustomerRequest(origin=Origin(reading.origin), intent=intent, order_id=case.order_id,
                           new_address=reading.new_address)


async def with_request(conn: AsyncConnection[Any], case: CaseState, request: CustomerRequest, now: datetime) -> CaseState:
    """The facts with this request in place of the one read from the latest ticket; a new address is checked."""
    case = case.model_copy(update={"request": request})
    if request.new_address is not None and case.order is not None:
        deps = tool_deps(conn, now, case.case_id)
        checks = await case_facts.address_checks(deps, case.order, request, case.customer)
        case = case.model_copy(update={"address_checks": checks})
    return case


async def record_choice(conn: AsyncConnection[Any], case_id: int, now: datetime, reading: Reading, reply: Reply) -> None:
    await _event(conn, case_id, now, "customer_replied", {"choice": reading.option, "why": reading.why,
                                                          "signal_id": reply.signal_id})
    await store.ensure(conn, case_id, CaseStatus.triaged, actor=ACTOR, now=now,
                       reason=f"customer chose {reading.option}: re-planning with the choice")


async def ask_again(conn: AsyncConnection[Any], case: CaseState, now: datetime, plan_version: int, scenario: str | None,
                    reading: Reading) -> str:
    """Send the one follow-up ask; its key makes a re-run of the node send nothing twice."""
    first = case.customer.name.split()[0] if case.customer and case.customer.name.strip() else "there"
    body = follow_up_text(first, case.order_id, scenario)
    deps = tool_deps(conn, now, case.case_id, case.customer.id if case.customer else None)
    key = f"{case.case_id}:v{plan_version}-followup"
    await registry.call("send_customer_message", deps, {"order_id": case.order_id, "ticket_id": case.ticket_id,
                                                        "scenario": "reply_followup", "body": body},
                        idempotency_key=key)
    await plans.record_followup(conn, case.case_id, plan_version, body, case.ticket_id, key, now)
    await _event(conn, case.case_id, now, "reply_unclear", {"why": reading.why, "follow_up": body})
    return body


async def hand_over(conn: AsyncConnection[Any], case: CaseState, now: datetime, plan_version: int,
                    reading: Reading) -> str:
    """A second unclear reply: a person reads the thread (escalation to the lead)."""
    reason = f"two customer replies could not be read as one offered option ({reading.why})"
    await registry.call("escalate_case", tool_deps(conn, now, case.case_id), {"owner": "lead", "reason": reason},
                        idempotency_key=f"{case.case_id}:v{plan_version}-reply-escalation")
    await _event(conn, case.case_id, now, "reply_unclear", {"why": reading.why, "escalated": True})
    await store.ensure(conn, case.case_id, CaseStatus.escalated, actor=ACTOR, reason=f"to lead: {reason}", now=now)
    return reason


async def llm_reading(config: LLMConfig, conn: AsyncConnection[Any], case_id: int, text: str,
                      scenario: str | None) -> Reading | None:
    """The optional reader: an LLM's typed facts, mapped onto the offered options by the same rules."""
    if not config.enabled:
        return None
    llm = LLM(config, case_id=case_id, used_tokens=await tokens_used(conn, case_id))
    facts = await read_ticket(llm, text)
    await record_calls(conn, llm.calls)
    if facts is None:
        return None
    offered = OFFERED.get(scenario or "", ())
    if facts.new_address and "new_address" in offered:
        found = validate_address_text(facts.new_address).normalized
        if found is not None:
            return Reading(option="new_address", new_address=found, origin="llm", why="the LLM read a new address")
    if facts.requested_change:
        again = read_reply(facts.requested_change, scenario)
        if again.option is not None:
            return again.model_copy(update={"origin": "llm", "why": f"LLM: {again.why}"})
    return None


async def take(pool: AsyncConnectionPool[Any], now: datetime, config: LLMConfig, state: CaseGraphState,
               reply: Reply) -> CaseGraphState:
    """The await_customer node after its pause: choose, ask once more, or hand over."""
    text = f"{reply.subject}\n{reply.text}".strip()
    planned_on = CaseState.model_validate(state["facts"])
    scenario, version = _scenario(state), state["plan_version"]
    unclear = int(state.get("reply", {}).get("unclear", 0))
    case_id = state["case_id"]
    async with pool.connection() as conn:
        if scenario == "which_order":
            reading = read_order_choice(text, planned_on.candidate_orders)
        else:
            reading = read_reply(text, scenario)
            if reading.option is None:
                reading = await llm_reading(config, conn, case_id, text, scenario) or reading
        async with conn.transaction():
            case = await case_facts.gather(conn, case_id, now)
            seen = ReplyMemo(signal_id=reply.signal_id, choice=reading.option, why=reading.why)
            if reading.order_id is not None:
                held_by = await link_order(conn, case_id, reading.order_id, now)
                if held_by is not None:
                    reading = reading.model_copy(update={"why": f"order {reading.order_id} already has open case "
                                                                f"#{held_by}"})
                    await hand_over(conn, case, now, version, reading)
                    return {"reply": seen | {"unclear": 0}, "route": "handed_over"}
                case = await case_facts.gather(conn, case_id, now)  # with the order's facts now
                if planned_on.request is not None:  # the ask from the ticket, not the reply naming the order
                    case = await with_request(conn, case, planned_on.request.model_copy(
                        update={"order_id": reading.order_id}), now)
                await record_choice(conn, case_id, now, reading, reply)
                return {"facts": case.model_dump(mode="json"), "reply": seen | {"unclear": 0},
                        "decision": {}, "route": "replan"}
            if reading.option is not None:
                case = await with_request(conn, case, chosen_request(case, reading), now)
                await record_choice(conn, case_id, now, reading, reply)
                return {"facts": case.model_dump(mode="json"), "reply": seen | {"unclear": 0},
                        "decision": {}, "route": "replan"}
            if unclear == 0:
                await ask_again(conn, case, now, version, scenario, reading)
                return {"reply": seen | {"unclear": 1}, "route": "ask_again"}
            await hand_over(conn, case, now, version, reading)
            return {"reply": seen | {"unclear": unclear + 1}, "route": "handed_over"}


def _scenario(state: CaseGraphState) -> str | None:
    scenario = state["plan"].get("scenario")
    return scenario if isinstance(scenario, str) else None
