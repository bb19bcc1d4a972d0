"""The agent graph on the seeded demo world: every case reaches a pause with reasons, approvals run once."""

from __future__ import annotations

from decimal import Decimal

import pytest

from copilot.errors import Conflict, Forbidden
from copilot.workflow import Actor, ActionEdit, Decision, decide
from tests.graph.conftest import drain, rows, seed_desk

PAUSED = {"awaiting_approval", "escalated", "awaiting_customer", "verifying", "closed", "routed_away"}


async def test_every_demo_case_ends_paused_with_reasons_and_counts_add_up(database_url, engine):
    ingested = await seed_desk(database_url)
    await drain(engine)
    cases = await rows(engine, "SELECT id, category, status FROM cases ORDER BY id")
    assert len(cases) == ingested > 200
    assert {c["status"] for c in cases} <= PAUSED
    by_status: dict[str, int] = {}
    for c in cases:
        by_status[c["status"]] = by_status.get(c["status"], 0) + 1
    assert sum(by_status.values()) == len(cases)
    assert by_status.get("awaiting_approval", 0) > 50 and by_status.get("escalated", 0) > 10
    unexplained = await rows(engine, """
        SELECT c.id FROM cases c WHERE c.category <> 'out_of_scope' AND NOT EXISTS (
            SELECT 1 FROM case_events e WHERE e.case_id = c.id AND e.kind = 'status_changed'
              AND e.data->>'to' = c.status AND length(e.data->>'reason') > 10)""")
    assert unexplained == []
    auto = await rows(engine, "SELECT count(*) AS n FROM approvals WHERE decision = 'auto'")
    touched = await rows(engine, "SELECT count(*) AS n FROM cases WHERE first_touched_at IS NOT NULL")
    assert touched[0]["n"] >= auto[0]["n"] > 0
    failed = await rows(engine, "SELECT count(*) AS n FROM case_jobs WHERE error IS NOT NULL")
    assert failed[0]["n"] == 0


async def _awaiting(engine, tool: str | None = None) -> dict:
    sql = """SELECT c.id, c.plan_version FROM cases c WHERE c.status = 'awaiting_approval'"""
    if tool:
        sql += f""" AND EXISTS (SELECT 1 FROM proposed_actions a WHERE a.case_id = c.id
                  AND a.plan_version = c.plan_version AND a.tool = '{tool}')"""
    found = await rows(engine, sql + " ORDER BY c.id LIMIT 1")
    assert found, f"no case awaiting approval{' with ' + tool if tool else ''}"
    return found[0]


async def test_approval_executes_each_effect_once_and_sends_the_message(database_url, engine):
    await seed_desk(database_url)
    await drain(engine)
    case = await _awaiting(engine)
    needed = await rows(engine, "SELECT role FROM guardrail_verdicts WHERE case_id = %s AND plan_version = %s"
                        " AND outcome = 'needs_approval'", case["id"], case["plan_version"])
    role = "finance" if any(r["role"] == "finance" for r in needed) else "lead"
    await decide(engine.pool, case["id"], Decision(action="approve", plan_version=case["plan_version"]),
                 Actor(name="dana", role=role))
    await drain(engine)
    after = (await rows(engine, "SELECT status, first_touched_at FROM cases WHERE id = %s", case["id"]))[0]
    assert after["status"] in {"awaiting_customer", "verifying", "closed"}
    assert after["first_touched_at"] is not None
    calls = await rows(engine, "SELECT idempotency_key, status FROM tool_calls WHERE case_id = %s", case["id"])
    assert calls and all(c["status"] == "done" for c in calls)
    sent = await rows(engine, "SELECT count(*) AS n FROM sandbox.outbox WHERE idempotency_key LIKE %s",
                      f"{case['id']}:%")
    assert sent[0]["n"] == 1


async def test_stale_version_and_wrong_role_are_refused(database_url, engine):
    await seed_desk(database_url)
    await drain(engine)
    case = await _awaiting(engine)
    with pytest.raises(Conflict, match="stale"):
        await decide(engine.pool, case["id"], Decision(action="approve", plan_version=case["plan_version"] + 1),
                     Actor(name="ann", role="admin"))
    with pytest.raises(Forbidden):
        await decide(engine.pool, case["id"], Decision(action="approve", plan_version=case["plan_version"]),
                     Actor(name="quinn", role="qa"))


async def test_edit_above_the_agent_limit_comes_back_needing_a_higher_role(database_url, engine):
    await seed_desk(database_url)
    await drain(engine)
    case = await _awaiting(engine, "refund_payment")
    refund = (await rows(engine, "SELECT action_id, args FROM proposed_actions WHERE case_id = %s AND"
                         " plan_version = %s AND tool = 'refund_payment'", case["id"], case["plan_version"]))[0]
    captured = (await rows(engine, "SELECT sum(amount_captured - amount_refunded) AS left FROM sandbox.payments p"
                           " JOIN cases c ON c.order_id = p.order_id WHERE c.id = %s", case["id"]))[0]["left"]
    amount = min(Decimal(captured), Decimal("150.00"))
    assert amount > Decimal("100.00"), "the demo case must have room above the agent limit"
    await decide(engine.pool, case["id"], Decision(action="edit", plan_version=case["plan_version"], edits=[
        ActionEdit(action_id=refund["action_id"], args={"amount": str(amount)})]), Actor(name="al", role="agent"))
    await drain(engine)
    after = (await rows(engine, "SELECT status, plan_version FROM cases WHERE id = %s", case["id"]))[0]
    assert after["status"] == "awaiting_approval"
    assert after["plan_version"] == case["plan_version"] + 1
    verdicts = await rows(engine, "SELECT role FROM guardrail_verdicts WHERE case_id = %s AND plan_version = %s"
                          " AND action_id = %s AND outcome = 'needs_approval'", case["id"], after["plan_version"],
                          refund["action_id"])
    assert "lead" in {v["role"] for v in verdicts}
    with pytest.raises(Forbidden, match="needs a lead"):
        await decide(engine.pool, case["id"], Decision(action="approve", plan_version=after["plan_version"]),
                     Actor(name="al", role="agent"))


async def test_reject_with_close_closes_with_the_reason(database_url, engine):
    await seed_desk(database_url)
    await drain(engine)
    case = await _awaiting(engine)
    await decide(engine.pool, case["id"], Decision(action="reject", plan_version=case["plan_version"],
                                                   reason="customer already called", close=True),
                 Actor(name="al", role="agent"))
    await drain(engine)
    after = (await rows(engine, "SELECT status, close_reason FROM cases WHERE id = %s", case["id"]))[0]
    assert after["status"] == "closed"
    assert "customer already called" in after["close_reason"]
    executed = await rows(engine, "SELECT count(*) AS n FROM tool_calls WHERE case_id = %s", case["id"])
    assert executed[0]["n"] == 0
