"""A customer's reply through Gorgias on a ticket the helpdesk connector has no row for (the ticket was opened
in the vendor's helpdesk, not by us): the reply still joins its waiting case and the case goes on; the job does
not fail five times and vanish ("NotFound: no ticket 90004" before)."""

from __future__ import annotations

import psycopg
from psycopg.rows import dict_row

from api.desk_text import conversation
from copilot.core.models import Signal, SignalKind, SignalSource
from copilot.desk.queries import case_detail
from copilot.intake.ingest import ingest_signal
from tests.graph.conftest import drain, rows
from tests.graph.test_close import _awaiting_customer, desk  # noqa: F401 - the seeded desk fixture

TICKET = "90004"


async def test_a_gorgias_reply_on_a_ticket_unknown_to_the_helpdesk_is_attached_and_worked(desk):  # noqa: F811
    engine, clock = desk
    case_id = await _awaiting_customer(engine, "delay_notice")
    case = (await rows(engine, "SELECT order_id, customer_email FROM cases WHERE id = %s", case_id))[0]
    assert await rows(engine, "SELECT 1 FROM sandbox.tickets WHERE id = %s", TICKET) == []
    reply = Signal(source=SignalSource.gorgias, source_event_id="gorgias-reply-90004", kind=SignalKind.ticket_reply,
                   occurred_at=clock.now, order_id=case["order_id"], customer_email=case["customer_email"],
                   ticket_id=TICKET, subject=f"Re: order {case['order_id']}",
                   text="Hm, what does that mean for me? I don't really get it.")
    async with await psycopg.AsyncConnection.connect(engine.pool.conninfo, autocommit=True,
                                                     row_factory=dict_row) as conn:
        outcome = await ingest_signal(conn, reply, clock.now)
    assert outcome.case_id == case_id
    await drain(engine)
    failed = await rows(engine, "SELECT error FROM case_jobs WHERE case_id = %s AND error IS NOT NULL", case_id)
    assert failed == []
    attached = await rows(engine, "SELECT case_id FROM signals WHERE source_event_id = 'gorgias-reply-90004'")
    assert attached == [{"case_id": case_id}]
    status = (await rows(engine, "SELECT status FROM cases WHERE id = %s", case_id))[0]["status"]
    assert status == "awaiting_customer"  # asked once more, as for any unclear reply
    # The follow-up question went out on the customer's own Gorgias ticket.
    asked = await rows(engine, "SELECT ticket_id FROM sandbox.outbox WHERE idempotency_key LIKE %s",
                       f"{case_id}:%followup")
    assert [a["ticket_id"] for a in asked] == [TICKET]
    # The desk shows it as the customer's turn in one conversation, between our notice and our follow-up.
    async with engine.pool.connection() as conn:
        thread = conversation(await case_detail(conn, case_id, clock.now))
    assert [i["at"] for i in thread] == sorted(i["at"] for i in thread)
    turns = [(i["who"], i["text"]) for i in thread if i["who"] in ("customer", "us")]
    mine = turns.index(("customer", f"Re: order {case['order_id']} Hm, what does that mean for me? I don't really"
                                    " get it."))
    assert turns[mine - 1][0] == "us" and turns[mine + 1][0] == "us", turns
