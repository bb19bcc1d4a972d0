"""Case builder: join and merge rules, order references checked against the customer, near-duplicates."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import psycopg
import pytest
from psycopg.rows import dict_row
from psycopg.types.json import Jsonb

from copilot.cases.linking import extract_order_refs
from copilot.core.models import Signal, SignalKind, SignalSource
from copilot.intake.builder import route_signal
from copilot.workflow.runtime import reset_desk
from tools.connectors.sandbox.generator import generate_world
from tools.connectors.sandbox.store import write_world
from tools.connectors.sandbox.world import World

K, S = SignalKind, SignalSource
CASE_COLUMNS = ("id, order_id, customer_id, customer_email, ticket_id, category, disposition, classified_by,"
                " confidence, priority, priority_score, priority_reasons, queue, owner, escalation_path, status,"
                " order_value, deadline_at, first_touch_due, resolution_due")


@pytest.fixture
async def aconn(database_url):
    async with await psycopg.AsyncConnection.connect(database_url, autocommit=True, row_factory=dict_row) as c:
        yield c


def clean_world(conn, world: World) -> None:
    write_world(conn, world)
    reset_desk(conn)  # the audit tables refuse any other TRUNCATE


async def insert_signal(aconn, signal: Signal) -> int:
    cur = await aconn.execute(
        "INSERT INTO signals (source, source_event_id, kind, occurred_at, order_id, customer_email, ticket_id,"
        " payload) VALUES (%s, %s, %s, %s, %s, %s, %s, %s) RETURNING id",
        (signal.source.value, signal.source_event_id, signal.kind.value, signal.occurred_at, signal.order_id,
         signal.customer_email, signal.ticket_id, Jsonb(signal.model_dump(mode="json"))))
    return (await cur.fetchone())["id"]


class Desk:
    """A generated world in the sandbox plus a way to send signals through the builder, in a transaction."""

    def __init__(self, conn, aconn) -> None:
        self.world = generate_world(seed=21, n_orders=300, n_customers=60, n_exceptions=26)
        clean_world(conn, self.world)
        self.conn, self.aconn, self.now, self.n = conn, aconn, self.world.now, 0

    def customer(self, i: int):
        with_orders = sorted({o.customer_id for o in self.world.orders if o.status == "pending"})
        return next(c for c in self.world.customers if c.id == with_orders[i])

    def order_of(self, customer, status: str = "pending"):
        return next(o for o in self.world.orders if o.customer_id == customer.id and o.status == status)

    async def send(self, kind: SignalKind, hours: float = 0, **fields) -> int:
        self.n += 1
        source = fields.pop("source", S.zendesk if kind in (K.ticket, K.ticket_reply) else S.stripe)
        signal = Signal(source=source, source_event_id=f"t-{self.n}", kind=kind,
                        occurred_at=self.now + timedelta(hours=hours), **fields)
        async with self.aconn.transaction():
            signal_id = await insert_signal(self.aconn, signal)
            case_id = await route_signal(self.aconn, signal_id, signal, self.now + timedelta(hours=hours))
        linked = self.conn.execute("SELECT case_id FROM signals WHERE id = %s", (signal_id,)).fetchone()
        assert linked["case_id"] == case_id
        return case_id

    def case(self, case_id: int) -> dict:
        return self.conn.execute(f"SELECT {CASE_COLUMNS} FROM cases WHERE id = %s", (case_id,)).fetchone()

    def events(self, case_id: int, kind: str) -> list[dict]:
        return [r["data"] for r in self.conn.execute(
            "SELECT data FROM case_events WHERE case_id = %s AND kind = %s ORDER BY id", (case_id, kind))]


@pytest.fixture
def desk(conn, aconn) -> Desk:
    return Desk(conn, aconn)


def test_order_references_are_found_in_every_customer_form():
    text = "Re order 1001 and #1002, also W1234567 / #W7654321; order no. 1003; ORDER #1001 again; apt #12"
    assert extract_order_refs(text) == ["#1001", "#1002", "#W1234567", "#W7654321", "#1003"]
    assert extract_order_refs("zip 10001, call 555-123-4567, $129.00") == []


async def test_signals_for_one_order_join_its_open_case_and_a_closed_case_is_not_reopened(desk):
    customer = desk.customer(0)
    order = desk.order_of(customer)
    first = await desk.send(K.payment_failed, order_id=order.id, decline_code="insufficient_funds")
    second = await desk.send(K.fraud_warning, hours=1, order_id=order.id)
    assert first == second
    case = desk.case(first)
    assert (case["order_id"], case["customer_id"], case["status"]) == (order.id, customer.id, "triaged")
    assert [e["kind"] for e in desk.events(first, "signal_attached")] == ["payment_failed", "fraud_warning"]
    assert len(desk.events(first, "triaged")) == 2
    desk.conn.execute("UPDATE cases SET status = 'closed' WHERE id = %s", (first,))
    third = await desk.send(K.payment_failed, hours=2, order_id=order.id.lstrip("#"), decline_code="stolen_card")
    assert third != first and desk.case(third)["order_id"] == order.id


async def test_payment_event_without_order_finds_it_through_the_payment(desk):
    order = desk.order_of(desk.customer(1))
    case_id = await desk.send(K.payment_failed, payment_id=f"pi_{order.id.lstrip('#')}", decline_code="lost_card")
    assert desk.case(case_id)["order_id"] == order.id


async def test_ticket_order_reference_must_belong_to_the_sender(desk):
    alice, bob = desk.customer(2), desk.customer(3)
    alice_order, bob_order = desk.order_of(alice), desk.order_of(bob)
    own = await desk.send(K.ticket, customer_email=alice.email.upper(), ticket_id="z1",
                          subject="cancel", text=f"Please cancel order {alice_order.id.lstrip('#')} asap")
    assert desk.case(own)["order_id"] == alice_order.id
    stranger = await desk.send(K.ticket, hours=1, customer_email=bob.email, ticket_id="z2",
                               subject="Cancel this", text=f"cancel {alice_order.id} please, and #99999")
    case = desk.case(stranger)
    assert stranger != own and case["order_id"] is None and case["customer_email"] == bob.email
    notes = desk.events(stranger, "signal_attached")[0]["notes"]
    assert f"reference {alice_order.id} ignored: order belongs to another customer" in notes
    assert "reference #99999 ignored: no such order" in notes
    assert bob_order.id != alice_order.id


async def test_ticket_without_reference_joins_the_customers_most_recent_open_case(desk):
    customer = desk.customer(4)
    older = await desk.send(K.payment_failed, order_id=desk.order_of(customer).id, decline_code="fraudulent")
    other = next(o for o in desk.world.orders if o.customer_id == customer.id and o.id != desk.order_of(customer).id)
    newer = await desk.send(K.dispute_opened, hours=1, order_id=other.id, due_by=desk.now + timedelta(days=9))
    reply = await desk.send(K.ticket, hours=2, customer_email=customer.email, ticket_id="z3",
                            subject="hello??", text="Any news on my problem? nobody answered me")
    assert older != newer and reply == newer
    assert desk.events(newer, "signal_attached")[-1]["linked_by"] == "customer's most recent open case"
    assert desk.case(newer)["category"] == "chargeback"


async def test_ticket_with_nothing_to_join_opens_an_unlinked_case_and_its_thread_follows(desk):
    customer = desk.customer(5)
    first = await desk.send(K.ticket, customer_email=customer.email, ticket_id="z4", subject="Damaged",
                            text="The lamp arrived with a cracked base.")
    assert desk.case(first)["order_id"] is None and desk.case(first)["category"] == "concession_request"
    follow = await desk.send(K.ticket_reply, hours=30, customer_email=customer.email, ticket_id="z4",
                             text="Here is a photo.")
    assert follow == first
    assert desk.events(first, "signal_attached")[-1]["linked_by"] == "same helpdesk thread"


async def test_near_duplicate_tickets_merge_within_72h_but_not_later_nor_across_customers(desk):
    ann, ben = desk.customer(6), desk.customer(7)
    text = "My parcel shows delivered but I never received it. Tracking 1Z999 says left at front door."
    original = await desk.send(K.ticket, customer_email=ann.email, ticket_id="a1", subject="Package never arrived",
                               text=text)
    newer = await desk.send(K.payment_failed, hours=1, order_id=desk.order_of(ann).id, decline_code="fraudulent")
    again = await desk.send(K.ticket, hours=48, customer_email=ann.email, ticket_id="a2",
                            subject="package never arrived!!", text="my parcel shows delivered but i never "
                            "received it. tracking 1Z999 says it was left at the front door")
    assert again == original != newer
    assert desk.events(original, "signal_attached")[-1]["linked_by"] == "near-duplicate ticket within 72 h"
    late = await desk.send(K.ticket, hours=48 + 80, customer_email=ann.email, ticket_id="a3",
                           subject="Package never arrived", text=text)
    assert late == newer
    other = await desk.send(K.ticket, hours=49, customer_email=ben.email, ticket_id="b1",
                            subject="Package never arrived", text=text)
    assert other not in (original, newer)


async def test_out_of_scope_ticket_is_routed_away_not_attached_to_open_work(desk):
    customer = desk.customer(8)
    work = await desk.send(K.payment_failed, order_id=desk.order_of(customer).id, decline_code="fraudulent")
    away = await desk.send(K.ticket, hours=1, customer_email=customer.email, ticket_id="z9",
                           subject="Unsubscribe", text="Please take me off your newsletter list.")
    assert away != work
    case = desk.case(away)
    assert (case["category"], case["status"], case["queue"], case["first_touch_due"]) == (
        "out_of_scope", "routed_away", "routed_away", None)


async def test_informational_signal_keeps_the_category_and_alone_is_routed_away(desk):
    customer = desk.customer(9)
    order = desk.order_of(customer)
    work = await desk.send(K.fraud_warning, order_id=order.id)
    joined = await desk.send(K.order_updated, hours=1, order_id=order.id, source=S.shopify)
    assert joined == work and desk.case(work)["category"] == "fraud_hold"
    other = next(o for o in desk.world.orders if o.status == "delivered")
    alone = await desk.send(K.refund_issued, order_id=other.id, amount=Decimal("5.00"))
    assert (desk.case(alone)["category"], desk.case(alone)["status"]) == ("out_of_scope", "routed_away")
