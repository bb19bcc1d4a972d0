"""The agent graph on the seeded demo world: every case reaches a pause with reasons, approvals run once."""

from __future__ import annotations

import pytest

from copilot.cases.resume import ActionEdit, Approve, Edit, Reject
from copilot.core.errors import Conflict, Forbidden
from copilot.core.roles import Role
from copilot.desk.decisions import decide
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
    await decide(engine.pool, case["id"], Approve(plan_version=case["plan_version"],
                                                  actor="dana", role=Role(role)),
                 now=engine.deps.clock())
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
        await decide(engine.pool, case["id"], Approve(plan_version=case["plan_version"] + 1,
                                                      actor="ann", role=Role.admin),
                 now=engine.deps.clock())
    with pytest.raises(Forbidden):
        await decide(engine.pool, case["id"], Approve(plan_version=case["plan_version"],
                                                      actor="quinn", role=Role.qa),
                 now=engine.deps.clock())


async def test_edit_above_a_limit_comes_back_needing_a_higher_role(database_url, engine):
    await seed_desk(database_url)
    case = (await rows(engine, "SELECT c.id, c.order_id, c.customer_email FROM cases c WHERE"
                       " c.category = 'concession_request' ORDER BY c.id LIMIT 1"))[0]
    async with engine.pool.connection() as conn:
        # The claimed item is cheap; the order also holds an expensive one the edit will add.
        await conn.execute("UPDATE sandbox.order_lines SET unit_price = 20, quantity = 1"
                           " WHERE order_id = %s AND line_no = 1", (case["order_id"],))
        await conn.execute("INSERT INTO sandbox.order_lines (order_id, line_no, sku, name, quantity, unit_price)"
                           " VALUES (%s, 9, 'SKU-017-S', 'Office Chair', 1, 289)", (case["order_id"],))
        await conn.execute("DELETE FROM sandbox.claims WHERE customer_id = (SELECT customer_id FROM"
                           " sandbox.orders WHERE id = %s)", (case["order_id"],))
    await drain(engine)
    plan = (await rows(engine, "SELECT status, plan_version FROM cases WHERE id = %s", case["id"]))[0]
    assert plan["status"] == "awaiting_approval"
    before = await rows(engine, "SELECT role FROM guardrail_verdicts WHERE case_id = %s AND plan_version = %s"
                        " AND outcome = 'needs_approval'", case["id"], plan["plan_version"])
    assert {v["role"] for v in before} == {"agent"}
    await decide(engine.pool, case["id"], Edit(plan_version=plan["plan_version"], edits=[ActionEdit(action_id="reship", args={"line_nos": [1, 9]})],
                                               actor="al", role=Role.agent),
                 now=engine.deps.clock())
    await drain(engine)
    after = (await rows(engine, "SELECT status, plan_version FROM cases WHERE id = %s", case["id"]))[0]
    assert after["status"] == "awaiting_approval"
    assert after["plan_version"] == plan["plan_version"] + 1
    verdicts = await rows(engine, "SELECT rule_id, role, reason FROM guardrail_verdicts WHERE case_id = %s"
                          " AND plan_version = %s AND outcome = 'needs_approval'", case["id"], after["plan_version"])
    assert ("concession", "lead") in {(v["rule_id"], v["role"]) for v in verdicts}
    with pytest.raises(Forbidden, match="needs a lead"):
        await decide(engine.pool, case["id"], Approve(plan_version=after["plan_version"],
                                                      actor="al", role=Role.agent),
                 now=engine.deps.clock())
    await decide(engine.pool, case["id"], Approve(plan_version=after["plan_version"],
                                                  actor="lee", role=Role.lead),
                 now=engine.deps.clock())
    await drain(engine)
    reshipped = await rows(engine, "SELECT result FROM tool_calls WHERE case_id = %s AND tool = 'reship_order'",
                           case["id"])
    assert len(reshipped) == 1 and len(reshipped[0]["result"]["skus"]) == 2


async def test_reject_with_close_closes_with_the_reason(database_url, engine):
    await seed_desk(database_url)
    await drain(engine)
    case = await _awaiting(engine)
    await decide(engine.pool, case["id"], Reject(plan_version=case["plan_version"], reason="customer already called", close=True,
                                                 actor="al", role=Role.agent),
                 now=engine.deps.clock())
    await drain(engine)
    after = (await rows(engine, "SELECT status, close_reason FROM cases WHERE id = %s", case["id"]))[0]
    assert after["status"] == "closed"
    assert "customer already called" in after["close_reason"]
    executed = await rows(engine, "SELECT count(*) AS n FROM tool_calls WHERE case_id = %s", case["id"])
    assert executed[0]["n"] == 0


async def test_a_rejected_plan_is_planned_again_on_fresh_facts_and_a_repeat_goes_to_a_person(database_url, engine):
    """Reject without closing: the facts are read again and a new plan version is made. Nothing in the sandbox
    changed, so the playbook proposes what was rejected; instead of asking again, the case goes to a lead with
    the rejection's reason, and nothing runs."""
    await seed_desk(database_url)
    await drain(engine)
    case = await _awaiting(engine)
    await decide(engine.pool, case["id"], Reject(plan_version=case["plan_version"], reason="the customer asked us to wait",
                                                 actor="al", role=Role.agent),
                 now=engine.deps.clock())
    await drain(engine)
    after = (await rows(engine, "SELECT status, plan_version, close_reason FROM cases WHERE id = %s", case["id"]))[0]
    assert (after["status"], after["plan_version"], after["close_reason"]) == ("escalated", case["plan_version"] + 1, None)
    events = await rows(engine, "SELECT kind, data FROM case_events WHERE case_id = %s ORDER BY id", case["id"])
    assert [e["kind"] for e in events].count("plan_proposed") == 2
    escalated = [e["data"] for e in events if e["kind"] == "escalated"]
    assert escalated and "rejected by al: the customer asked us to wait" in str(escalated[-1])
    effects = await rows(engine, "SELECT tool FROM tool_calls WHERE case_id = %s AND tool <> 'escalate_case'",
                         case["id"])
    assert effects == []
