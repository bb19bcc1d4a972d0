"""A plan version is written in one statement (copilot/cases/store/plans.py `propose`): the case row's version,
plan and facts, the actions with their idempotency keys, the verdicts and the draft in list order, and the
`plan_proposed` event, all at the version the statement took."""

from __future__ import annotations

from datetime import UTC, datetime

import psycopg
import pytest
from psycopg.rows import dict_row

from copilot.cases import store
from copilot.cases.store import plans
from copilot.core.errors import Conflict
from copilot.workflow.runtime import reset_desk

NOW = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)


@pytest.fixture
async def aconn(database_url, conn):
    reset_desk(conn)
    async with await psycopg.AsyncConnection.connect(database_url, autocommit=True, row_factory=dict_row) as c:
        yield c


def proposal(n_actions: int, draft: bool) -> plans.Proposal:
    actions = [plans.ActionRow(f"a{i}", "refund_payment" if i else "send_customer_message", "money" if i else "contact",
                               {"amount": i * 10}) for i in range(n_actions)]
    verdicts = [plans.VerdictRow(f"a{i % n_actions}", rule, "allow" if i % 2 else "needs_approval",
                                 "lead" if i % 2 == 0 else None, f"reason {i}", "active" if i < 4 else "shadow")
                for i, rule in enumerate(["refund_cap", "automation", "customer_message", "claims", "pii"])]
    return plans.Proposal(
        plan={"disposition": "auto_resolve", "actions": [a.action_id for a in actions]}, facts={"case": "facts"},
        disposition="auto_resolve", actions=actions, verdicts=verdicts,
        draft=plans.DraftRow("delay", "Hi Ava, your order is on its way.", "T-1", "template") if draft else None,
        event={"disposition": "auto_resolve", "reasons": ["late"], "route": "await_approval"})


async def rows(aconn, sql: str, case_id: int) -> list[dict]:
    cur = await aconn.execute(sql, (case_id,))
    return await cur.fetchall()


async def test_a_proposal_writes_every_row_at_its_version(aconn):
    case_id = await store.open_case(aconn, None, "ava@example.com", "T-1", NOW)
    assert case_id is not None
    first = await plans.propose(aconn, case_id, proposal(3, draft=True), actor="copilot", now=NOW)
    second = await plans.propose(aconn, case_id, proposal(2, draft=False), actor="copilot", now=NOW)
    assert (first, second) == (1, 2)

    case = (await rows(aconn, "SELECT plan_version, plan, facts, disposition, updated_at FROM cases WHERE id = %s",
                       case_id))[0]
    assert case == {"plan_version": 2, "plan": {"disposition": "auto_resolve", "actions": ["a0", "a1"]},
                    "facts": {"case": "facts"}, "disposition": "auto_resolve", "updated_at": NOW}
    actions = await rows(aconn, "SELECT plan_version, action_id, tool, kind, args, idempotency_key, status"
                                " FROM proposed_actions WHERE case_id = %s ORDER BY id", case_id)
    assert [(a["plan_version"], a["action_id"], a["idempotency_key"]) for a in actions] == [
        (1, "a0", plans.action_key(case_id, 1, "a0")), (1, "a1", plans.action_key(case_id, 1, "a1")),
        (1, "a2", plans.action_key(case_id, 1, "a2")), (2, "a0", plans.action_key(case_id, 2, "a0")),
        (2, "a1", plans.action_key(case_id, 2, "a1"))]
    assert actions[2] | {"idempotency_key": None} == {
        "plan_version": 1, "action_id": "a2", "tool": "refund_payment", "kind": "money", "args": {"amount": 20},
        "idempotency_key": None, "status": "proposed"}

    verdicts = await rows(aconn, "SELECT action_id, rule_id, outcome, role, reason, mode FROM guardrail_verdicts"
                                 " WHERE case_id = %s AND plan_version = 1 ORDER BY id", case_id)
    assert verdicts == [{"action_id": v.action_id, "rule_id": v.rule_id, "outcome": v.outcome, "role": v.role,
                         "reason": v.reason, "mode": v.mode} for v in proposal(3, draft=True).verdicts]

    messages = await rows(aconn, "SELECT plan_version, scenario, body, ticket_id, written_by, status FROM messages"
                                 " WHERE case_id = %s", case_id)
    assert messages == [{"plan_version": 1, "scenario": "delay", "body": "Hi Ava, your order is on its way.",
                         "ticket_id": "T-1", "written_by": "template", "status": "draft"}]

    events = await rows(aconn, "SELECT actor, at, data FROM case_events WHERE case_id = %s AND kind = 'plan_proposed'"
                               " ORDER BY id", case_id)
    assert [e["data"]["plan_version"] for e in events] == [1, 2]
    assert events[0] == {"actor": "copilot", "at": NOW, "data": {
        "plan_version": 1, "disposition": "auto_resolve", "reasons": ["late"], "route": "await_approval"}}


async def test_a_proposal_for_no_case_is_refused_and_writes_nothing(aconn):
    with pytest.raises(Conflict):
        await plans.propose(aconn, 987654, proposal(1, draft=True), actor="copilot", now=NOW)
    assert await rows(aconn, "SELECT id FROM proposed_actions WHERE case_id = %s", 987654) == []
    assert await rows(aconn, "SELECT id FROM case_events WHERE case_id = %s", 987654) == []
