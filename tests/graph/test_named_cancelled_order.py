"""An order the customer names by number is read even when it is cancelled: its address is a fact they point at
("ship it where my cancelled order was going"). It is only read; nothing is planned on it."""

from __future__ import annotations

import psycopg
from psycopg.rows import dict_row

from copilot.core import db
from copilot.core.models import Signal, SignalKind, SignalSource
from copilot.intake.ingest import ingest_signal
from copilot.workflow.runtime import reset_desk
from tests.graph.conftest import drain, rows
from tests.unit.test_connectors_sandbox import NOW, _order, mini_world
from tools.connectors.sandbox.store import write_world
from tools.connectors.sandbox.world import Address

AUSTIN = Address(line1="400 Congress Ave", city="Austin", state="TX", zip="78701")


async def test_an_address_on_a_cancelled_order_named_by_number_is_where_the_order_goes(database_url, engine):
    world = mini_world()
    _order(world, "#5501", "pending", [("SKU-A", 1)])
    _order(world, "#5502", "cancelled", [("SKU-B", 1)])
    world.orders[-1].shipping_address = AUSTIN
    with db.connect(database_url, autocommit=True) as conn:
        reset_desk(conn)
        write_world(conn, world)
    signal = Signal(source=SignalSource.zendesk, source_event_id="named-cancelled-1", kind=SignalKind.ticket,
                    occurred_at=NOW, order_id="#5501", customer_email="cus_1@example.com", ticket_id="T-12",
                    subject="address", text="I cancelled #5502 by accident last week, but its address was the "
                                            "right one. Could you change the address of order #5501 to the same as "
                                            "#5502?")
    async with await psycopg.AsyncConnection.connect(database_url, autocommit=True, row_factory=dict_row) as conn:
        case_id = (await ingest_signal(conn, signal, NOW)).case_id
    await drain(engine)
    case = (await rows(engine, "SELECT plan_version, plan FROM cases WHERE id = %s", case_id))[0]
    proposed = await rows(engine, "SELECT tool, args FROM proposed_actions WHERE case_id = %s AND plan_version = %s"
                          " ORDER BY id", case_id, case["plan_version"])
    moves = [(p["args"]["order_id"], p["args"]["address"]["line1"]) for p in proposed if p["tool"] == "update_address"]
    assert moves == [("#5501", "400 Congress Ave")], case["plan"]["reasons"]
    assert not [p for p in proposed if p["args"].get("order_id") == "#5502"]
