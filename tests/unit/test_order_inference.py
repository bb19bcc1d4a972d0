"""Order inference and caller identification through real intake on a small hand-written sandbox world: the one
order a ticket fits is linked with a reason, ties are noted and never guessed, explicit references still win."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import psycopg
import pytest
from psycopg.rows import dict_row

from copilot.cases.order_inference import choose, product_named, words
from copilot.core.models import Signal, SignalKind, SignalSource
from copilot.intake.ingest import ingest_signal
from copilot.workflow.runtime import reset_desk
from tools.connectors.sandbox.store import write_world
from tools.connectors.sandbox.world import Address, Customer, Order, OrderLine, Product, World

NOW = datetime(2026, 3, 2, 15, 0, tzinfo=UTC)
ADDRESS = Address(line1="1 Main St", city="Philadelphia", state="PA", zip="19122")
CATALOG = {"Desk Lamp": "L1", "Water Bottle": "B1", "Headphones": "H1", "T-Shirt": "T1", "Hiking Boots": "K1"}
# (order id, customer, status, items, hours ago)
ORDERS = [("#1101", "ann", "pending", ["Desk Lamp"], 10), ("#1102", "ann", "pending", ["Water Bottle"], 20),
          ("#1103", "ann", "delivered", ["Water Bottle", "T-Shirt"], 300),
          ("#1201", "ben", "delivered", ["Headphones"], 100), ("#1202", "ben", "delivered", ["Headphones"], 200),
          ("#1203", "ben", "pending", ["T-Shirt"], 5),
          ("#1301", "cy", "delivered", ["Desk Lamp"], 400), ("#1302", "cy", "pending", ["Desk Lamp"], 4),
          ("#1401", "yusuf", "pending", ["Water Bottle"], 8), ("#1402", "yusuf", "delivered", ["Hiking Boots"], 90),
          ("#1501", "dana1", "pending", ["Hiking Boots"], 9), ("#1601", "dana2", "pending", ["Hiking Boots"], 9)]
PEOPLE = {"ann": ("Ann", "Lee", "10001"), "ben": ("Ben", "Ode", "10002"), "cy": ("Cy", "Park", "10003"),
          "yusuf": ("Yusuf", "Rossi", "19122"), "dana1": ("Dana", "Vale", "30301"), "dana2": ("Dana", "Vale", "30301")}


def world() -> World:
    customers = [Customer(id=cid, email=f"{cid}@example.com", first_name=first, last_name=last,
                          address=ADDRESS.model_copy(update={"zip": zip_}), created_at=NOW - timedelta(days=400))
                 for cid, (first, last, zip_) in PEOPLE.items()]
    products = [Product(sku=sku, product_id=f"P-{sku}", name=name, price=Decimal("20"), options={"color": "black"})
                for name, sku in CATALOG.items()]
    orders = [Order(id=oid, customer_id=cid, status=status, subtotal=Decimal(20 * len(items)),
                    total=Decimal(20 * len(items)), shipping_address=ADDRESS, created_at=NOW - timedelta(hours=ago),
                    updated_at=NOW - timedelta(hours=ago),
                    lines=[OrderLine(line_no=n + 1, sku=CATALOG[name], name=name, unit_price=Decimal("20"),
                                     options={"color": "black"}) for n, name in enumerate(items)])
              for oid, cid, status, items, ago in ORDERS]
    return World(name="inference", now=NOW, customers=customers, products=products, orders=orders)


@pytest.fixture
async def aconn(conn, database_url):
    write_world(conn, world())
    reset_desk(conn)
    async with await psycopg.AsyncConnection.connect(database_url, autocommit=True, row_factory=dict_row) as c:
        yield c


async def ticket(aconn, text: str, email: str | None, n: int, kind: SignalKind = SignalKind.ticket,
                 thread: str | None = None, **fields) -> dict:
    signal = Signal(source=SignalSource.zendesk, source_event_id=f"inf-{n}", kind=kind, occurred_at=NOW,
                    customer_email=email, ticket_id=thread or f"inf-{n}", subject="Help", text=text, **fields)
    outcome = await ingest_signal(aconn, signal, NOW)
    cur = await aconn.execute(
        "SELECT c.id, c.order_id, c.customer_email, e.data->>'linked_by' AS how, e.data->'notes' AS notes"
        " FROM cases c JOIN case_events e ON e.case_id = c.id AND e.kind = 'signal_attached'"
        " WHERE c.id = %s AND (e.data->>'signal_id')::int = %s", (outcome.case_id, outcome.signal_id))
    return await cur.fetchone()


async def test_the_only_pending_order_with_the_named_item_is_linked_with_its_reason(aconn):
    case = await ticket(aconn, "Please cancel my order of the water bottle, I ordered it by mistake.",
                        "ann@example.com", 1)
    assert case["order_id"] == "#1102"
    assert case["how"] == "inferred: the only pending order with water bottle for 'cancel'"


async def test_two_orders_that_fit_equally_are_noted_as_candidates_and_not_guessed(aconn):
    case = await ticket(aconn, "I want to return the headphones, they hurt my ears.", "ben@example.com", 2)
    assert case["order_id"] is None
    assert case["how"] == "no order and no open case: unlinked case"
    assert "candidate orders: #1201, #1202 (ambiguous: 2 orders fit equally)" in case["notes"]


async def test_cancel_ignores_a_delivered_order_holding_the_same_item(aconn):
    case = await ticket(aconn, "Cancel the desk lamp please", "cy@example.com", 3)
    assert case["order_id"] == "#1302" and case["how"].startswith("inferred: the only pending order with desk lamp")
    again = await ticket(aconn, "The desk lamp I received last month is broken, I want a refund",
                         "cy@example.com", 4)
    assert again["order_id"] == "#1301" and again["id"] != case["id"]


async def test_a_valid_order_number_wins_over_the_items_named(aconn):
    case = await ticket(aconn, "Cancel order #1101, and the water bottle is fine.", "ann@example.com", 5)
    assert case["order_id"] == "#1101" and case["how"] == "order reference checked against the customer"


async def test_another_customers_order_number_is_not_replaced_by_an_inferred_order(aconn):
    case = await ticket(aconn, "cancel order #1102 now", "ben@example.com", 6)
    assert case["order_id"] is None and "reference #1102 ignored: order belongs to another customer" in case["notes"]


async def test_an_open_thread_still_wins_over_inference(aconn):
    first = await ticket(aconn, "Where is my stuff?", "ann@example.com", 7, thread="th-1")
    reply = await ticket(aconn, "also cancel the desk lamp", "ann@example.com", 8, kind=SignalKind.ticket_reply,
                         thread="th-1")
    assert reply["id"] == first["id"] and reply["how"] == "same helpdesk thread"


async def test_an_inferred_order_opens_its_own_case_instead_of_joining_the_latest_open_one(aconn):
    work = await ticket(aconn, "Cancel the desk lamp", "ann@example.com", 9)
    other = await ticket(aconn, "My T-shirt arrived with a hole in it, I would like a refund.", "ann@example.com", 10)
    assert work["order_id"] == "#1101" and other["order_id"] == "#1103" and other["id"] != work["id"]
    vague = await ticket(aconn, "Hello, can I still cancel one of my orders?", "ann@example.com", 11)
    assert vague["id"] == other["id"] and vague["how"] == "customer's most recent open case"
    assert "candidate orders: #1101, #1102 (ambiguous: 2 orders fit equally)" in vague["notes"]
    chat = await ticket(aconn, "Do you sell gift cards?", "ben@example.com", 12)
    assert chat["order_id"] is None


async def test_an_unknown_sender_is_identified_by_full_name_and_zip_and_the_order_inferred(aconn):
    case = await ticket(aconn, "Hi, I'm Yusuf Rossi, zip 19122. Cancel my pending water bottle order.",
                        "yusuf.personal@example.org", 16)
    assert case["customer_email"] == "yusuf@example.com" and case["order_id"] == "#1401"
    assert ("caller identified as customer yusuf by full name and ZIP (sender yusuf.personal@example.org is"
            " unknown)") in case["notes"]


async def test_a_name_alone_or_a_name_and_zip_shared_by_two_customers_identifies_no_one(aconn):
    name_only = await ticket(aconn, "This is Yusuf Rossi, cancel my water bottle order.", None, 13)
    assert name_only["customer_email"] is None and name_only["order_id"] is None
    wrong_zip = await ticket(aconn, "This is Yusuf Rossi from 30301, cancel my water bottle.", None, 14)
    assert wrong_zip["customer_email"] is None and wrong_zip["order_id"] is None
    twins = await ticket(aconn, "Dana Vale here, zip 30301: cancel the hiking boots", None, 15)
    assert twins["customer_email"] is None and twins["order_id"] is None
    assert "caller not identified: the ticket matches 2 customers" in twins["notes"]


def test_product_words_match_plurals_spacing_and_hyphens_but_not_generic_heads() -> None:
    """Names meet the customer's spelling; a generic head noun alone ("set") names nothing."""
    def keys(text: str) -> set[str]:
        tokens = words(text)
        return set(tokens) | {a + b for a, b in zip(tokens, tokens[1:], strict=False)}

    assert product_named("Bookshelf", keys("the book shelf wobbles"))
    assert product_named("T-Shirt", keys("two tshirts"))
    assert product_named("Headphones", keys("the headphone"))
    assert product_named("Desk Lamp", keys("my lamps"))
    assert not product_named("Luggage Set", keys("please set it up"))
    assert not product_named("Smart Watch", keys("smart thermostat"))


def test_things_the_customer_keeps_do_not_count_and_a_status_contradiction_links_nothing() -> None:
    rows = [{"id": "#1", "status": "pending", "created_at": NOW, "lines": [{"name": "Hiking Boots", "options": {}}]},
            {"id": "#2", "status": "pending", "created_at": NOW - timedelta(hours=1),
             "lines": [{"name": "Yoga Mat", "options": {}}, {"name": "Water Bottle", "options": {}}]}]
    assert choose(rows, "Cancel the water bottle and the hiking boots").order_id is None
    kept = choose(rows, "Cancel the water bottle, but not the hiking boots")
    assert kept.order_id == "#2"
    delivered_only = [{**rows[0], "status": "delivered"}]
    contradiction = choose(delivered_only, "cancel the hiking boots")
    assert contradiction.order_id is None and contradiction.candidates == ["#1"]


async def test_an_email_written_in_the_ticket_never_decides_whose_case_it_joins(aconn):
    """A stranger types Ann's address and her order number: before, the ticket joined Ann's case and the
    timeline said the order belonged to the sender."""
    ann = await ticket(aconn, "Please cancel my desk lamp order #1101 before it ships.", "ann@example.com", 40)
    stranger = await ticket(aconn, "I'm writing for ann@example.com - cancel order #1101 and refund it to me.",
                            "someone@elsewhere.example", 41)
    assert ann["order_id"] == "#1101"
    assert stranger["id"] != ann["id"]
    assert stranger["customer_email"] == "someone@elsewhere.example" and stranger["order_id"] is None
    assert "an email address written in the ticket was not used to identify the caller" in stranger["notes"]
    assert "reference #1101 ignored: order belongs to another customer" in stranger["notes"]
    assert not any("belongs to the sender" in n for n in stranger["notes"])
