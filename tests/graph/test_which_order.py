"""A ticket that names no order and fits two of the customer's orders: the copilot asks which one, and the
reply that names it links the case to that order and plans the original request on it."""

from __future__ import annotations

from collections.abc import AsyncIterator

import psycopg
import pytest
from psycopg.rows import dict_row

from copilot.cases.resume import Approve
from copilot.core import db
from copilot.core.models import Signal, SignalKind, SignalSource
from copilot.core.roles import Role
from copilot.core.settings import Settings
from copilot.decide.plan import OrderChoice
from copilot.desk.decisions import decide
from copilot.intake.ingest import ingest_signal
from copilot.workflow.engine import Engine, open_engine
from copilot.workflow.replies import read_order_choice
from copilot.workflow.runtime import reset_desk
from tests.graph.conftest import drain, rows
from tests.unit.test_order_inference import NOW, world
from tools.connectors.sandbox.store import write_world
from tools.connectors.sandbox.world import Ticket

HEADPHONES = [OrderChoice(order_id="#1201", status="delivered", items=["Headphones"]),
              OrderChoice(order_id="#1202", status="delivered", items=["Headphones", "Desk Lamp"])]


@pytest.fixture
async def engine(database_url: str) -> AsyncIterator[Engine]:
    with db.connect(database_url, autocommit=True) as conn:
        reset_desk(conn)
        helpdesk = Ticket(id="which-thread", customer_id="ben", channel="email", subject="Help", created_at=NOW)
        write_world(conn, world().model_copy(update={"tickets": [helpdesk]}))
    async with open_engine(database_url, Settings(), clock=lambda: NOW, pool_size=6) as opened:
        yield opened


async def _say(engine: Engine, n: int, text: str, kind: SignalKind = SignalKind.ticket) -> int:
    signal = Signal(source=SignalSource.zendesk, source_event_id=f"which-{n}", kind=kind, occurred_at=NOW,
                    customer_email="ben@example.com", ticket_id="which-thread", subject="Help", text=text)
    async with await psycopg.AsyncConnection.connect(engine.pool.conninfo, autocommit=True,
                                                     row_factory=dict_row) as conn:
        outcome = await ingest_signal(conn, signal, NOW)
    await drain(engine)
    return outcome.case_id


async def _approve_if_waiting(engine: Engine, case_id: int) -> None:
    case = (await rows(engine, "SELECT status, plan_version FROM cases WHERE id = %s", case_id))[0]
    if case["status"] == "awaiting_approval":
        await decide(engine.pool, case_id, Approve(plan_version=case["plan_version"],
                                                   actor="lee", role=Role.lead),
                 now=engine.deps.clock())
        await drain(engine)


async def test_the_copilot_asks_which_order_and_the_reply_links_and_plans_it(engine):
    case_id = await _say(engine, 1, "My headphones arrived damaged, please send a replacement.")
    case = (await rows(engine, "SELECT order_id, plan FROM cases WHERE id = %s", case_id))[0]
    assert case["order_id"] is None and case["plan"]["scenario"] == "which_order"
    await _approve_if_waiting(engine, case_id)
    sent = await rows(engine, "SELECT body FROM sandbox.outbox WHERE body LIKE %s", "%#1201%")
    assert len(sent) == 1 and "#1201" in sent[0]["body"] and "#1202" in sent[0]["body"]
    assert (await rows(engine, "SELECT status FROM cases WHERE id = %s", case_id))[0]["status"] == "awaiting_customer"

    assert await _say(engine, 2, "It's order 1202, thanks", SignalKind.ticket_reply) == case_id
    after = (await rows(engine, "SELECT order_id, plan, plan_version FROM cases WHERE id = %s", case_id))[0]
    assert after["order_id"] == "#1202"
    assert after["plan"]["scenario"] != "which_order" and after["plan"]["actions"]
    linked = await rows(engine, "SELECT data FROM case_events WHERE case_id = %s AND kind = 'order_linked'", case_id)
    assert [e["data"]["order_id"] for e in linked] == ["#1202"]
    failed = await rows(engine, "SELECT error FROM case_jobs WHERE case_id = %s AND error IS NOT NULL", case_id)
    assert failed == []


def test_a_reply_is_read_as_one_of_the_offered_orders_or_as_none():
    assert read_order_choice("it's #1202", HEADPHONES).order_id == "#1202"
    assert read_order_choice("the one with the lamp", HEADPHONES).order_id == "#1202"
    assert read_order_choice("both of them I think: 1201 and 1202", HEADPHONES).order_id is None
    assert read_order_choice("the headphones one", HEADPHONES).order_id is None  # both have headphones
    assert read_order_choice("order 12011 please", HEADPHONES).order_id is None  # not an offered number
