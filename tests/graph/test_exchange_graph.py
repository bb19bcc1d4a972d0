"""An exchange ticket end to end: read, planned with its variant and difference, approved, executed once."""

from __future__ import annotations

import psycopg
from psycopg.rows import dict_row

from copilot.cases.resume import Approve
from copilot.core import db
from copilot.core.models import Signal, SignalKind, SignalSource
from copilot.core.roles import Role
from copilot.desk.decisions import decide
from copilot.intake.ingest import ingest_signal
from copilot.workflow.runtime import reset_desk
from tests.graph.conftest import drain, rows
from tests.unit.test_connectors_sandbox import NOW, mini_world
from tools.connectors.sandbox.store import write_world


async def _ticket(url: str, text: str) -> int:
    with db.connect(url, autocommit=True) as conn:
        reset_desk(conn)
        write_world(conn, mini_world())
    signal = Signal(source=SignalSource.zendesk, source_event_id="exchange-1", kind=SignalKind.ticket,
                    occurred_at=NOW, order_id="#3", customer_email="cus_1@example.com", ticket_id="T-1",
                    subject="Exchange", text=text)
    async with await psycopg.AsyncConnection.connect(url, autocommit=True, row_factory=dict_row) as conn:
        return (await ingest_signal(conn, signal, NOW)).case_id


async def test_an_exchange_ticket_waits_for_approval_then_exchanges_once_and_confirms(database_url, engine):
    case_id = await _ticket(database_url, "Hi, the Item SKU-A I received is fine but I would like to exchange "
                                          "it for the red color please.")
    await drain(engine)
    case = (await rows(engine, "SELECT status, category, plan_version FROM cases WHERE id = %s", case_id))[0]
    assert case["status"] == "awaiting_approval", case
    proposed = await rows(engine, "SELECT tool, args FROM proposed_actions WHERE case_id = %s AND plan_version = %s"
                          " ORDER BY id", case_id, case["plan_version"])
    plan = (await rows(engine, "SELECT plan FROM cases WHERE id = %s", case_id))[0]["plan"]
    assert [p["tool"] for p in proposed] == ["exchange_items", "send_customer_message"], plan["reasons"]
    assert proposed[0]["args"] == {"order_id": "#3", "lines": [{"line_no": 1, "new_sku": "SKU-A-RED"}],
                                   "payment_method_id": "pm"}
    assert "$2.00" in proposed[1]["args"]["body"]
    assert await rows(engine, "SELECT 1 FROM sandbox.exchanges") == []  # nothing happens before a person approves

    await decide(engine.pool, case_id, Approve(plan_version=case["plan_version"],
                                               actor="lee", role=Role.lead),
                 now=engine.deps.clock())
    await drain(engine)
    await drain(engine)  # a second pass finds nothing to repeat
    made = await rows(engine, "SELECT order_id, price_difference, idempotency_key FROM sandbox.exchanges")
    assert [(m["order_id"], str(m["price_difference"])) for m in made] == [("#3", "2.00")]
    assert made[0]["idempotency_key"].startswith(f"{case_id}:v{case['plan_version']}-")
    sent = await rows(engine, "SELECT body FROM sandbox.outbox WHERE ticket_id = 'T-1'")
    assert len(sent) == 1 and "exchange on order #3" in sent[0]["body"]
    calls = await rows(engine, "SELECT tool, status FROM tool_calls WHERE case_id = %s ORDER BY tool", case_id)
    assert calls == [{"tool": "exchange_items", "status": "done"}, {"tool": "send_customer_message", "status": "done"}]


async def test_a_swap_beside_a_return_gets_the_variants_it_needs_whatever_the_case_is_filed_under(database_url,
                                                                                                  engine):
    case_id = await _ticket(database_url, "I want a refund for the two Item SKU-B, they're not what I expected. "
                                          "And the Item SKU-A I received, can I swap it for the red color?")
    await drain(engine)
    case = (await rows(engine, "SELECT category, plan_version, facts FROM cases WHERE id = %s", case_id))[0]
    # Filed as a refund, yet the swap is planned: the case order's variants were gathered for it.
    assert "SKU-A-RED" in {v["sku"] for i in case["facts"]["inventory"] for v in i["variants"]}, case["category"]
    proposed = await rows(engine, "SELECT tool, args FROM proposed_actions WHERE case_id = %s AND plan_version = %s"
                          " ORDER BY id", case_id, case["plan_version"])
    swaps = [p["args"]["lines"] for p in proposed if p["tool"] == "exchange_items"]
    assert swaps == [[{"line_no": 1, "new_sku": "SKU-A-RED"}]], [p["tool"] for p in proposed]
