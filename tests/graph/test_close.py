"""Close, verify and learn on the seeded desk: replies resume waiting cases, re-reads close or reopen,
and every closure writes a cause with its cost."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta
from decimal import Decimal

import psycopg
import pytest
from psycopg.rows import dict_row

from copilot.cases.resume import Approve
from copilot.close.verification import run_verification_tick
from copilot.core.models import Signal, SignalKind, SignalSource
from copilot.core.roles import Role
from copilot.core.settings import Settings
from copilot.desk.decisions import decide
from copilot.intake.ingest import ingest_signal
from copilot.workflow.engine import Engine, open_engine
from tests.graph.conftest import DrivenClock, drain, rows, seed_desk

SIZES = {"n_orders": 400, "n_customers": 90, "n_exceptions": 72}


@pytest.fixture
async def desk(database_url: str) -> AsyncIterator[tuple[Engine, DrivenClock]]:
    clock = DrivenClock()
    await seed_desk(database_url, **SIZES)
    async with open_engine(database_url, Settings(), clock=clock, pool_size=8) as engine:
        await drain(engine)
        yield engine, clock


async def _approve(engine: Engine, case_id: int) -> None:
    case = (await rows(engine, "SELECT plan_version FROM cases WHERE id = %s", case_id))[0]
    await decide(engine.pool, case_id, Approve(plan_version=case["plan_version"],
                                               actor="lee", role=Role.lead),
                 now=engine.deps.clock())
    await drain(engine)


async def _tick(engine: Engine, clock: DrivenClock, hours: float) -> None:
    clock.advance(timedelta(hours=hours))
    async with engine.pool.connection() as conn:
        await run_verification_tick(conn, clock.now)
    await drain(engine)


async def _waiting_case(engine: Engine, tool: str) -> int:
    found = await rows(engine, """
        SELECT c.id FROM cases c WHERE c.status = 'awaiting_approval' AND EXISTS (SELECT 1 FROM proposed_actions a
          WHERE a.case_id = c.id AND a.plan_version = c.plan_version AND a.tool = %s) ORDER BY c.id LIMIT 1""", tool)
    assert found, f"the seeded desk has no case awaiting approval of {tool}"
    return found[0]["id"]


async def test_reship_closes_once_the_replacement_ships_with_cause_and_cost(desk):
    engine, clock = desk
    case_id = await _waiting_case(engine, "reship_order")
    await _approve(engine, case_id)
    assert (await rows(engine, "SELECT status FROM cases WHERE id = %s", case_id))[0]["status"] == "verifying"
    await _tick(engine, clock, 7)  # the replacement is still pending at the warehouse: no close yet
    assert (await rows(engine, "SELECT status FROM cases WHERE id = %s", case_id))[0]["status"] == "verifying"
    order = (await rows(engine, "SELECT order_id FROM cases WHERE id = %s", case_id))[0]["order_id"]
    async with engine.pool.connection() as conn:
        await conn.execute("UPDATE sandbox.fulfillments SET status = 'handed_off' WHERE order_id = %s"
                           " AND status = 'pending'", (order,))
    await _tick(engine, clock, 7)
    case = (await rows(engine, "SELECT status, close_reason, root_cause, cost FROM cases WHERE id = %s", case_id))[0]
    assert case["status"] == "closed" and case["close_reason"].startswith("reshipped")
    cost = (await rows(engine, "SELECT (result->>'cost')::numeric AS c FROM tool_calls WHERE case_id = %s"
                       " AND tool = 'reship_order'", case_id))[0]["c"]
    ledger = (await rows(engine, "SELECT * FROM root_causes WHERE case_id = %s", case_id))
    assert len(ledger) == 1
    assert ledger[0]["cause"] in {"damaged_item", "wrong_item", "missing_item", "not_delivered", "carrier_lost"}
    assert ledger[0]["reships"] == cost > 0 and Decimal(case["cost"]["total"]) == cost
    assert ledger[0]["closed_at"] == clock.now and ledger[0]["open_minutes"] >= 14 * 60


async def test_an_order_that_does_not_move_reopens_the_case_and_tells_the_owner(desk):
    engine, clock = desk
    case_id = await _waiting_case(engine, "reship_order")
    await _approve(engine, case_id)
    for _ in range(18):  # 4.5 days of 6-hourly re-reads: past the 4-day window of a concession
        await _tick(engine, clock, 6)
    case = (await rows(engine, "SELECT status, reopen_count, escalation_level, owner FROM cases WHERE id = %s",
                       case_id))[0]
    assert case["reopen_count"] == 1 and case["escalation_level"] >= 1
    assert case["status"] in {"awaiting_approval", "escalated"}  # re-planned; an escalated case is never automatic
    reopened = await rows(engine, "SELECT data FROM case_events WHERE case_id = %s AND kind = 'reopened'", case_id)
    assert len(reopened) == 1 and "not moved within 4 days" in reopened[0]["data"]["reason"]
    moved = await rows(engine, "SELECT data FROM case_events WHERE case_id = %s AND kind = 'status_changed'"
                       " AND data->>'from' = 'verifying' AND data->>'to' = 'triaged'", case_id)
    assert len(moved) == 1 and moved[0]["data"]["reason"].startswith("reopened:")
    assert await rows(engine, "SELECT 1 FROM root_causes WHERE case_id = %s", case_id) == []


async def _reply(engine: Engine, clock: DrivenClock, case_id: int, text: str, n: int) -> None:
    case = (await rows(engine, "SELECT order_id, customer_email FROM cases WHERE id = %s", case_id))[0]
    signal = Signal(source=SignalSource.zendesk, source_event_id=f"reply-{case_id}-{n}", kind=SignalKind.ticket_reply,
                    occurred_at=clock.now, order_id=case["order_id"], customer_email=case["customer_email"],
                    subject=f"Re: order {case['order_id']}", text=text)
    async with await psycopg.AsyncConnection.connect(engine.pool.conninfo, autocommit=True,
                                                     row_factory=dict_row) as conn:
        await ingest_signal(conn, signal, clock.now)
    await drain(engine)


async def _awaiting_customer(engine: Engine, scenario: str) -> int:
    found = await rows(engine, "SELECT c.id FROM cases c WHERE c.status = 'awaiting_customer'"
                       " AND c.plan->>'scenario' = %s ORDER BY c.id LIMIT 1", scenario)
    if not found:
        case_id = (await rows(engine, "SELECT c.id FROM cases c WHERE c.status = 'awaiting_approval'"
                              " AND c.plan->>'scenario' = %s ORDER BY c.id LIMIT 1", scenario))[0]["id"]
        await _approve(engine, case_id)
        return case_id
    return found[0]["id"]


async def test_a_cancel_reply_resumes_the_case_and_cancels_the_order(desk):
    engine, clock = desk
    case_id = await _awaiting_customer(engine, "delay_notice")
    assert (await rows(engine, "SELECT status FROM cases WHERE id = %s", case_id))[0]["status"] == "awaiting_customer"
    await _reply(engine, clock, case_id, "That's too long, please cancel it.", 1)
    chose = await rows(engine, "SELECT data FROM case_events WHERE case_id = %s AND kind = 'customer_replied'", case_id)
    assert [c["data"]["choice"] for c in chose] == ["cancel"]
    plan = (await rows(engine, "SELECT status, plan FROM cases WHERE id = %s", case_id))[0]
    assert {a["tool"] for a in plan["plan"]["actions"]} & {"cancel_order", "intercept_shipment", "escalate_case"}
    if plan["status"] == "awaiting_approval":
        await _approve(engine, case_id)
    final = (await rows(engine, "SELECT c.status, o.status AS order_status FROM cases c"
                        " JOIN sandbox.orders o ON o.id = c.order_id WHERE c.id = %s", case_id))[0]
    assert final["status"] in {"closed", "verifying", "escalated"}
    if final["order_status"] == "cancelled":
        assert final["status"] == "closed"
        ledger = await rows(engine, "SELECT cause FROM root_causes WHERE case_id = %s", case_id)
        assert len(ledger) == 1


async def test_an_unclear_reply_asks_once_more_and_a_second_goes_to_a_person(desk):
    engine, clock = desk
    case_id = await _awaiting_customer(engine, "delay_notice")
    await _reply(engine, clock, case_id, "hmm what does this mean??", 1)
    status = (await rows(engine, "SELECT status FROM cases WHERE id = %s", case_id))[0]["status"]
    assert status == "awaiting_customer"
    asked = await rows(engine, "SELECT body FROM sandbox.outbox WHERE idempotency_key LIKE %s", f"{case_id}:%followup")
    assert len(asked) == 1 and "'wait'" in asked[0]["body"] and "'cancel'" in asked[0]["body"]
    await _reply(engine, clock, case_id, "I don't know, whatever", 2)
    case = (await rows(engine, "SELECT status, owner FROM cases WHERE id = %s", case_id))[0]
    assert case == {"status": "escalated", "owner": "lead"}
    asked = await rows(engine, "SELECT count(*) AS n FROM sandbox.outbox WHERE idempotency_key LIKE %s",
                       f"{case_id}:%followup")
    assert asked[0]["n"] == 1


async def test_a_reply_with_a_new_address_is_checked_and_planned(desk):
    """The customer answers the address question with a new address: the reply is read, the address validated
    (with the order and the customer's profile, as facts gathering does), and the case planned again with it."""
    engine, clock = desk
    case_id = await _awaiting_customer(engine, "address_confirmation")
    await _reply(engine, clock, case_id, "Please send it to 500 Market St Apt 4, San Francisco, CA 94105", 1)
    failed = await rows(engine, "SELECT error FROM case_jobs WHERE case_id = %s AND error IS NOT NULL", case_id)
    assert failed == []
    chose = await rows(engine, "SELECT data FROM case_events WHERE case_id = %s AND kind = 'customer_replied'", case_id)
    assert [c["data"]["choice"] for c in chose] == ["new_address"]
    facts = (await rows(engine, "SELECT facts FROM cases WHERE id = %s", case_id))[0]["facts"]
    checked = [c["address"]["line1"] for c in facts["address_checks"]]
    assert "500 MARKET ST" in " ".join(checked).upper(), checked
