"""Escalated cases are worked by their owners on the real graph: take, approve at the owner's role, re-plan, hand
back, close with a reason; a blocked edit explains itself and is corrected instead of escalating for good."""

from __future__ import annotations

from datetime import timedelta

import pytest

from copilot.cases.resume import Approve, Edit
from copilot.cases.sla_scheduler import run_sla_tick
from copilot.core.errors import Conflict, Forbidden
from copilot.core.roles import Role
from copilot.desk import owner_actions
from copilot.desk.decisions import decide
from copilot.desk.ownership import CloseOutcome
from copilot.desk.queries import case_detail
from tests.graph.conftest import NOW, DrivenClock, drain, rows, seed_desk, seed_one_case


async def _escalated(engine, category: str) -> dict:
    found = await rows(engine, "SELECT id, plan_version, owner FROM cases WHERE status = 'escalated'"
                       " AND category = %s ORDER BY id LIMIT 1", category)
    assert found, f"no escalated {category} case"
    return found[0]


async def _status(engine, case_id: int) -> dict:
    return (await rows(engine, "SELECT status, owner, assignee, plan_version, close_reason, resolution_due,"
                       " first_touch_due FROM cases WHERE id = %s", case_id))[0]


async def test_finance_takes_an_escalated_chargeback_and_approves_it_at_its_role(database_url, engine):
    await seed_one_case(database_url, "chargeback")
    await drain(engine)
    case = await _escalated(engine, "chargeback")
    assert case["owner"] == "finance"
    before = await _status(engine, case["id"])
    async with engine.pool.connection() as conn:
        detail = await case_detail(conn, case["id"], NOW, Role.lead, "lee")
        assert detail.escalation is not None and detail.escalation.owner == "finance"
        assert "evidence is due" in (detail.escalation.reason or "")
        assert "approve" not in detail.available_actions and "close" in detail.available_actions
        with pytest.raises(Forbidden, match="needs a finance"):
            await decide(conn, case["id"], Approve(plan_version=case["plan_version"], actor="lee", role=Role.lead),
                         now=NOW)
        await owner_actions.take(conn, case["id"], case["plan_version"], Role.finance, "fay", NOW)
        detail = await case_detail(conn, case["id"], NOW, Role.finance, "fay")
        assert detail.case.assignee == "fay" and "take" not in detail.available_actions
        assert {"approve", "replan", "hand_back", "close"} <= set(detail.available_actions)
    taken = await _status(engine, case["id"])
    assert (taken["resolution_due"], taken["first_touch_due"]) == (before["resolution_due"], before["first_touch_due"])
    await decide(engine.pool, case["id"], Approve(plan_version=case["plan_version"], actor="fay", role=Role.finance),
                 now=NOW)
    await drain(engine)
    after = await _status(engine, case["id"])
    assert after["status"] in {"verifying", "closed"}
    evidence = await rows(engine, "SELECT status FROM proposed_actions WHERE case_id = %s AND plan_version = %s"
                          " AND tool = 'assemble_dispute_evidence'", case["id"], case["plan_version"])
    assert [e["status"] for e in evidence] == ["done"]


async def test_a_lead_closes_an_escalated_case_with_a_reason_from_the_definition_of_done(database_url, engine):
    await seed_one_case(database_url, "threepl_exception")
    await drain(engine)
    case = await _escalated(engine, "threepl_exception")
    async with engine.pool.connection() as conn:
        with pytest.raises(Forbidden, match="lead"):
            await owner_actions.close(conn, case["id"], case["plan_version"], Role.agent, "al",
                                      CloseOutcome.shipped, "warehouse shipped it", NOW)
        done = await owner_actions.close(conn, case["id"], case["plan_version"], Role.lead, "lee",
                                         CloseOutcome.shipped, "the warehouse reprinted the label and shipped", NOW)
    assert done.status == "closed"
    after = await _status(engine, case["id"])
    assert after["status"] == "closed"
    assert after["close_reason"].startswith("shipped: the warehouse reprinted the label and shipped (closed by lee")
    ledger = await rows(engine, "SELECT close_reason FROM root_causes WHERE case_id = %s", case["id"])
    assert len(ledger) == 1 and ledger[0]["close_reason"] == after["close_reason"]
    async with engine.pool.connection() as conn:
        assert (await case_detail(conn, case["id"], NOW, Role.admin, "ann")).available_actions == []


async def test_an_owner_replans_then_hands_the_case_back_to_the_desk(database_url, engine):
    await seed_one_case(database_url, "chargeback")
    await drain(engine)
    case = await _escalated(engine, "chargeback")
    async with engine.pool.connection() as conn:
        await owner_actions.replan(conn, case["id"], case["plan_version"], Role.finance, "fay",
                                   "the customer sent the tracking page", NOW)
    assert (await _status(engine, case["id"]))["status"] == "triaged"
    await drain(engine)
    replanned = await _status(engine, case["id"])
    assert replanned["status"] == "escalated" and replanned["plan_version"] == case["plan_version"] + 1
    async with engine.pool.connection() as conn:
        with pytest.raises(Conflict, match="stale"):
            await owner_actions.hand_back(conn, case["id"], case["plan_version"], Role.finance, "fay", "go", NOW)
        await owner_actions.hand_back(conn, case["id"], replanned["plan_version"], Role.finance, "fay",
                                      "evidence is fine, send the acknowledgement", NOW)
        detail = await case_detail(conn, case["id"], NOW, Role.agent, "al")
    assert detail.case.status == "awaiting_approval" and detail.case.owner == "recovery_desk"
    assert "approve" in detail.available_actions
    await decide(engine.pool, case["id"], Approve(plan_version=replanned["plan_version"], actor="al", role=Role.agent),
                 now=NOW)
    await drain(engine)
    assert (await _status(engine, case["id"]))["status"] in {"verifying", "closed"}


async def _message_case(engine) -> dict:
    found = await rows(engine, """SELECT c.id, c.plan_version FROM cases c WHERE c.status = 'awaiting_approval'
        AND EXISTS (SELECT 1 FROM messages m WHERE m.case_id = c.id AND m.plan_version = c.plan_version)
        AND NOT EXISTS (SELECT 1 FROM guardrail_verdicts g WHERE g.case_id = c.id AND g.plan_version = c.plan_version
                        AND g.outcome = 'needs_approval' AND g.role = 'finance') ORDER BY c.id LIMIT 1""")
    assert found
    return found[0]


async def test_a_leads_blocked_edit_explains_itself_and_is_corrected(database_url, engine):
    await seed_desk(database_url)
    await drain(engine)
    case = await _message_case(engine)
    lead = {"actor": "lena", "role": Role.lead}
    bad = "Hi, we opened a chargeback review with our 3PL about your order. Could you confirm your address?"
    await decide(engine.pool, case["id"], Edit(plan_version=case["plan_version"], message=bad, **lead), now=NOW)
    await drain(engine)
    blocked = await _status(engine, case["id"])
    assert blocked["status"] == "awaiting_approval"  # not escalated for good
    version = blocked["plan_version"]
    async with engine.pool.connection() as conn:
        detail = await case_detail(conn, case["id"], NOW, Role.lead, "lena")
        assert [v.rule_id for v in detail.blocked] == ["customer_message"]
        assert "chargeback" in detail.blocked[0].reason
        assert "approve" not in detail.available_actions and "edit" in detail.available_actions
        with pytest.raises(Conflict, match="blocks"):
            await decide(conn, case["id"], Approve(plan_version=version, **lead), now=NOW)
    said = await rows(engine, "SELECT data FROM case_events WHERE case_id = %s AND kind = 'edit_blocked'", case["id"])
    assert said[0]["data"]["editor"] == "lena" and said[0]["data"]["blocks"][0]["rule_id"] == "customer_message"
    fixed = "Hi, thank you for your patience. Could you confirm the delivery address for your order?"
    await decide(engine.pool, case["id"], Edit(plan_version=version, message=fixed, **lead), now=NOW)
    await drain(engine)
    corrected = await _status(engine, case["id"])
    assert corrected["status"] == "awaiting_approval" and corrected["plan_version"] == version + 1
    async with engine.pool.connection() as conn:
        detail = await case_detail(conn, case["id"], NOW, Role.lead, "lena")
    assert detail.blocked == [] and "approve" in detail.available_actions
    assert detail.draft is not None and detail.draft.written_by == "lena (lead)"


async def test_sla_clocks_keep_running_on_a_taken_escalated_case(database_url, engine, clock: DrivenClock):
    await seed_one_case(database_url, "chargeback")
    await drain(engine)
    case = await _escalated(engine, "chargeback")
    async with engine.pool.connection() as conn:
        await owner_actions.take(conn, case["id"], case["plan_version"], Role.finance, "fay", NOW)
        level = (await rows(engine, "SELECT escalation_level, resolution_due FROM cases WHERE id = %s",
                            case["id"]))[0]
        clock.advance(level["resolution_due"] + timedelta(minutes=1) - clock.now)
        result = await run_sla_tick(conn, clock.now)
    assert case["id"] in {e.case_id for e in result.escalations}
    after = (await rows(engine, "SELECT status, escalation_level FROM cases WHERE id = %s", case["id"]))[0]
    assert after["status"] == "escalated" and after["escalation_level"] > level["escalation_level"]
