"""A signal that joins a case paused for a person's decision re-plans it (plan_version + 1, the timeline says
why, an approval of the old version is stale); a signal that changes nothing only joins the case."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from datetime import timedelta

import psycopg
import pytest
from psycopg.rows import dict_row

from copilot.cases.escalation import escalate_along_path
from copilot.cases.resume import Approve
from copilot.core.errors import Conflict
from copilot.core.models import Signal, SignalKind, SignalSource
from copilot.core.roles import Role
from copilot.desk.decisions import decide
from copilot.intake.ingest import ingest_delivery, ingest_signal
from copilot.workflow.engine import Engine
from tests.conftest import PAYLOADS_DIR
from tests.graph.conftest import NOW, drain, rows, seed_desk

SIZES = {"n_orders": 400, "n_customers": 90, "n_exceptions": 72}
DISPUTE_EVENT = PAYLOADS_DIR / "stripe" / "dj-stripe" / "event_charge.dispute.created.json"


@pytest.fixture
async def desk(database_url: str, engine: Engine) -> AsyncIterator[Engine]:
    await seed_desk(database_url, **SIZES)
    await drain(engine)
    yield engine


async def _case(engine: Engine, where: str, *params: object) -> dict:
    found = await rows(engine, "SELECT c.id, c.plan_version, c.order_id, c.customer_email, c.status FROM cases c"
                       f" WHERE {where} ORDER BY c.id LIMIT 1", *params)
    assert found, f"the seeded desk has no case where {where}"
    return found[0]


def _proposes(tool: str) -> str:
    return ("EXISTS (SELECT 1 FROM proposed_actions a WHERE a.case_id = c.id AND a.plan_version = c.plan_version"
            f" AND a.tool = '{tool}')")


async def _ingest(engine: Engine, signal: Signal) -> None:
    async with await psycopg.AsyncConnection.connect(engine.pool.conninfo, autocommit=True,
                                                     row_factory=dict_row) as conn:
        outcome = await ingest_signal(conn, signal, NOW)
    assert outcome.outcome == "signal"


def _ticket(case: dict, n: int, text: str) -> Signal:
    return Signal(source=SignalSource.zendesk, source_event_id=f"replan-ticket-{case['id']}-{n}",
                  kind=SignalKind.ticket, occurred_at=NOW + timedelta(minutes=n), order_id=case["order_id"],
                  customer_email=case["customer_email"], ticket_id=f"zd-replan-{case['id']}-{n}",
                  subject=f"Order {case['order_id']}", text=text)


async def _stripe_dispute(engine: Engine, case: dict) -> int:
    """The real dj-stripe charge.dispute.created event, pointed at the case's order, through the webhook
    path; the sandbox PSP gets the dispute the event reports."""
    event = json.loads(DISPUTE_EVENT.read_text())
    pay = (await rows(engine, "SELECT id, amount FROM sandbox.payments WHERE order_id = %s ORDER BY id DESC"
                      " LIMIT 1", case["order_id"]))[0]
    dispute = event["data"]["object"]
    event["id"], event["created"] = f"evt_replan_{case['id']}", int((NOW + timedelta(minutes=5)).timestamp())
    dispute["metadata"] = {"order_id": case["order_id"]}
    dispute["evidence"]["customer_email_address"] = case["customer_email"]
    dispute["evidence_details"]["due_by"] = int((NOW + timedelta(days=7)).timestamp())
    async with engine.pool.connection() as conn:
        await conn.execute("INSERT INTO sandbox.disputes (id, order_id, payment_id, reason, status, amount, due_by,"
                           " created_at) VALUES (%s, %s, %s, 'fraudulent', 'needs_response', %s, %s, %s)",
                           (dispute["id"], case["order_id"], pay["id"], pay["amount"], NOW + timedelta(days=7),
                            NOW + timedelta(minutes=5)))
    async with await psycopg.AsyncConnection.connect(engine.pool.conninfo, autocommit=True,
                                                     row_factory=dict_row) as conn:
        outcome = await ingest_delivery(conn, "stripe", {"content-type": "application/json"},
                                        json.dumps(event).encode(), NOW + timedelta(minutes=5))
    assert (outcome.outcome, outcome.case_id) == ("signal", case["id"])
    return outcome.signal_id


async def _state(engine: Engine, case_id: int) -> dict:
    return (await rows(engine, "SELECT status, plan_version, category FROM cases WHERE id = %s", case_id))[0]


async def _tools(engine: Engine, case_id: int, version: int) -> set[str]:
    return {r["tool"] for r in await rows(engine, "SELECT tool FROM proposed_actions WHERE case_id = %s"
                                          " AND plan_version = %s", case_id, version)}


async def _replans(engine: Engine, case_id: int) -> list[dict]:
    return [r["data"] for r in await rows(engine, "SELECT data FROM case_events WHERE case_id = %s"
                                          " AND kind = 'replan_requested' ORDER BY id", case_id)]


async def test_a_stripe_dispute_replans_a_payment_case_awaiting_approval_and_the_old_approval_is_stale(desk):
    engine = desk
    case = await _case(engine, "c.status = 'awaiting_approval' AND c.category = 'payment_failure' AND"
                       " c.ticket_id IS NULL AND " + _proposes("request_payment_update"))
    signal_id = await _stripe_dispute(engine, case)
    # Before the worker runs the case already left approval: nobody can approve the plan the dispute voids.
    assert (await _state(engine, case["id"]))["status"] == "triaged"
    with pytest.raises(Conflict, match="not awaiting approval"):
        await decide(engine.pool, case["id"], Approve(plan_version=case["plan_version"],
                                                      actor="lee", role=Role.lead),
                 now=engine.deps.clock())
    await drain(engine)
    after = await _state(engine, case["id"])
    assert after["plan_version"] == case["plan_version"] + 1 and after["category"] == "chargeback"
    tools = await _tools(engine, case["id"], after["plan_version"])
    assert "assemble_dispute_evidence" in tools and "request_payment_update" not in tools
    replans = await _replans(engine, case["id"])
    assert [(r["signal_id"], r["kind"], r["source"], r["replaces_version"]) for r in replans] == [
        (signal_id, "dispute_opened", "stripe", case["plan_version"])]
    moved = await rows(engine, "SELECT data->>'reason' AS reason FROM case_events WHERE case_id = %s AND"
                       " kind = 'status_changed' AND data->>'from' = 'awaiting_approval' AND data->>'to' = 'triaged'",
                       case["id"])
    assert [m["reason"].split(" (")[0] for m in moved] == ["re-planned: new signal dispute_opened from stripe"]
    proposed = await rows(engine, "SELECT data FROM case_events WHERE case_id = %s AND kind = 'plan_proposed'"
                          " AND (data->>'plan_version')::int = %s", case["id"], after["plan_version"])
    assert proposed[0]["data"]["replanned"].startswith("re-planned: new signal dispute_opened from stripe")
    with pytest.raises(Conflict, match="stale"):
        await decide(engine.pool, case["id"], Approve(plan_version=case["plan_version"],
                                                      actor="lee", role=Role.lead),
                 now=engine.deps.clock())


async def test_a_cancel_ticket_replans_a_payment_case_and_the_new_version_is_approved_and_runs(desk):
    engine = desk
    case = await _case(engine, "c.status = 'awaiting_approval' AND c.category = 'payment_failure' AND"
                       " c.ticket_id IS NULL")
    await _ingest(engine, _ticket(case, 1, "I don't want to deal with this card anymore, please cancel my order."))
    await drain(engine)
    after = await _state(engine, case["id"])
    assert (after["status"], after["plan_version"]) == ("awaiting_approval", case["plan_version"] + 1)
    assert (await _replans(engine, case["id"]))[0]["because"] == "the customer now asks: cancel"
    tools = await _tools(engine, case["id"], after["plan_version"])
    assert "cancel_order" in tools
    with pytest.raises(Conflict, match="stale"):
        await decide(engine.pool, case["id"], Approve(plan_version=case["plan_version"],
                                                      actor="lee", role=Role.lead),
                 now=engine.deps.clock())
    done = await decide(engine.pool, case["id"], Approve(plan_version=after["plan_version"],
                                                         actor="lee", role=Role.lead),
                 now=engine.deps.clock())
    assert done.status == "executing"
    await drain(engine)
    order = (await rows(engine, "SELECT status FROM sandbox.orders WHERE id = %s", case["order_id"]))[0]
    assert order["status"] == "cancelled"
    keys = [r["idempotency_key"] for r in await rows(engine, "SELECT idempotency_key FROM tool_calls WHERE"
                                                     " case_id = %s AND tool = 'cancel_order'", case["id"])]
    assert keys == [f"{case['id']}:v{after['plan_version']}-cancel"]


async def test_a_near_duplicate_ticket_that_changes_nothing_only_joins_the_case(desk):
    engine = desk
    case = await _case(engine, "c.status = 'awaiting_approval' AND c.category = 'change_request' AND"
                       " c.facts->'request'->>'intent' = 'cancel' AND " + _proposes("cancel_order"))
    await _ingest(engine, _ticket(case, 1, f"Hi again, please cancel order {case['order_id']}, I ordered by mistake."))
    joined = await rows(engine, "SELECT case_id FROM signals WHERE source_event_id = %s",
                        f"replan-ticket-{case['id']}-1")
    assert joined == [{"case_id": case["id"]}]
    pending = await rows(engine, "SELECT count(*) AS n FROM case_jobs WHERE case_id = %s AND done_at IS NULL",
                         case["id"])
    assert pending[0]["n"] == 0
    await drain(engine)
    assert await _state(engine, case["id"]) == {"status": "awaiting_approval", "plan_version": case["plan_version"],
                                                "category": "change_request"}
    assert await _replans(engine, case["id"]) == []
    done = await decide(engine.pool, case["id"], Approve(plan_version=case["plan_version"],
                                                         actor="lee", role=Role.lead),
                 now=engine.deps.clock())
    assert done.plan_version == case["plan_version"]


async def test_a_second_signal_while_a_replan_is_queued_enqueues_no_second_resume(desk):
    engine = desk
    case = await _case(engine, "c.status = 'awaiting_approval' AND c.category = 'fraud_hold'")
    for n in (1, 2):
        await _ingest(engine, Signal(source=SignalSource.shopify, source_event_id=f"replan-risk-{case['id']}-{n}",
                                     kind=SignalKind.order_risk, occurred_at=NOW + timedelta(minutes=n),
                                     order_id=case["order_id"], risk_level="medium", risk_recommendation="investigate"))
    resumes = await rows(engine, "SELECT payload FROM case_jobs WHERE case_id = %s AND done_at IS NULL", case["id"])
    assert [r["payload"]["action"] for r in resumes] == ["replan"]
    await drain(engine)
    after = await _state(engine, case["id"])
    assert after["plan_version"] == case["plan_version"] + 1
    assert after["status"] in {"awaiting_approval", "escalated"}
    assert len(await _replans(engine, case["id"])) == 1


async def test_an_escalated_case_paused_at_approval_replans_but_one_the_playbook_escalated_does_not(desk):
    engine = desk
    paused = await _case(engine, "c.status = 'awaiting_approval' AND c.category = 'fulfillment_delay'")
    async with engine.pool.connection() as conn, conn.transaction():
        await escalate_along_path(conn, paused["id"], actor="sla", reason="first touch breached",
                 now=engine.deps.clock())
    ended = await _case(engine, "c.status = 'escalated' AND c.order_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM"
                        " approvals a WHERE a.case_id = c.id)")
    for case in (paused, ended):
        await _ingest(engine, Signal(source=SignalSource.threepl, source_event_id=f"replan-3pl-{case['id']}",
                                     kind=SignalKind.threepl_exception, occurred_at=NOW + timedelta(minutes=3),
                                     order_id=case["order_id"], exception_code="carrier_cutoff_missed"))
    await drain(engine)
    assert (await _state(engine, paused["id"]))["plan_version"] == paused["plan_version"] + 1
    assert [r["kind"] for r in await _replans(engine, paused["id"])] == ["threepl_exception"]
    left = await _state(engine, ended["id"])
    assert (left["status"], left["plan_version"]) == ("escalated", ended["plan_version"])
    assert await _replans(engine, ended["id"]) == []


async def test_a_system_event_on_a_case_awaiting_the_customer_does_not_resume_it(desk):
    engine = desk
    waiting = await _case(engine, "c.status = 'awaiting_customer'")
    await _ingest(engine, Signal(source=SignalSource.easypost, source_event_id=f"replan-track-{waiting['id']}",
                                 kind=SignalKind.tracking_update, occurred_at=NOW + timedelta(minutes=2),
                                 order_id=waiting["order_id"], tracking_status="in_transit"))
    assert await rows(engine, "SELECT id FROM case_jobs WHERE case_id = %s AND done_at IS NULL", waiting["id"]) == []
    after = await _state(engine, waiting["id"])
    assert (after["status"], after["plan_version"]) == ("awaiting_customer", waiting["plan_version"])


async def test_a_replan_for_a_system_event_keeps_the_choice_the_customer_replied(desk):
    engine = desk
    case = await _case(engine, "c.status = 'awaiting_approval' AND c.plan->>'scenario' = 'split_offer'")
    await decide(engine.pool, case["id"], Approve(plan_version=case["plan_version"],
                                                  actor="lee", role=Role.lead),
                 now=engine.deps.clock())
    await drain(engine)
    assert (await _state(engine, case["id"]))["status"] == "awaiting_customer"
    reply = _ticket(case, 1, "Please ship what you have now, the rest can follow.")
    await _ingest(engine, reply.model_copy(update={"kind": SignalKind.ticket_reply}))
    await drain(engine)
    chosen = await _state(engine, case["id"])
    assert chosen["status"] == "awaiting_approval"
    assert await _tools(engine, case["id"], chosen["plan_version"]) >= {"split_shipment"}
    await _ingest(engine, Signal(source=SignalSource.threepl, source_event_id=f"replan-3pl-{case['id']}",
                                 kind=SignalKind.threepl_exception, occurred_at=NOW + timedelta(minutes=3),
                                 order_id=case["order_id"], exception_code="short_pick"))
    await drain(engine)
    after = await _state(engine, case["id"])
    assert after["plan_version"] == chosen["plan_version"] + 1
    assert await _tools(engine, case["id"], after["plan_version"]) >= {"split_shipment"}
    request = (await rows(engine, "SELECT facts->'request'->>'intent' AS intent FROM cases WHERE id = %s",
                          case["id"]))[0]
    assert request["intent"] == "split"
