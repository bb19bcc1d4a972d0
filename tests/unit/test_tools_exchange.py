"""exchange_items and update_profile_address on the real sandbox: the effect, exactly once, and each refusal."""

from __future__ import annotations

from decimal import Decimal

import psycopg

from tests.unit import test_connectors_sandbox as sandbox
from tests.unit.test_connectors_sandbox import BOSTON, NOW, deps_for, refused, run
from tools import registry
from tools.base import ToolDeps

# The mini world (with SKU-A-RED, another option of SKU-A) and an async connection, as the connector tests use.
world = sandbox.world
aconn = sandbox.aconn

RED = {"order_id": "#3", "lines": [{"line_no": 1, "new_sku": "SKU-A-RED"}], "payment_method_id": "pm"}


async def test_exchange_of_a_delivered_item_records_it_reserves_the_new_variant_and_prices_the_difference(
        world, aconn, conn: psycopg.Connection) -> None:
    out = await run(aconn, "exchange_items", RED)
    assert (out.status, out.old_skus, out.price_difference, out.payment_method_id) == (
        "exchange_requested", ["SKU-A"], Decimal("2.00"), "pm")
    row = conn.execute("SELECT order_id, customer_id, lines, price_difference FROM sandbox.exchanges").fetchone()
    assert row == {"order_id": "#3", "customer_id": "cus_1", "lines": [{"line_no": 1, "new_sku": "SKU-A-RED"}],
                   "price_difference": Decimal("2.00")}
    stock = conn.execute("SELECT reserved FROM sandbox.inventory WHERE sku = 'SKU-A-RED'").fetchone()
    assert stock == {"reserved": 1}
    tags = conn.execute("SELECT tags FROM sandbox.orders WHERE id = '#3'").fetchone()["tags"]
    assert "exchange_requested" in tags


async def test_exchange_repeated_with_one_key_records_one_exchange(world, aconn, conn: psycopg.Connection) -> None:
    deps = deps_for(aconn, case_id=None)
    first = await registry.call("exchange_items", deps, RED, "0:exchange-1")
    again = await registry.call("exchange_items", deps, RED, "0:exchange-1")
    assert again == first
    assert conn.execute("SELECT count(*) AS n FROM sandbox.exchanges").fetchone() == {"n": 1}


async def test_exchange_is_refused_before_delivery_across_products_and_with_a_foreign_payment_method(
        world, aconn) -> None:
    pending = {**RED, "order_id": "#1"}
    assert (await refused(aconn, "exchange_items", pending)).reason == "not_delivered"
    other_product = {**RED, "lines": [{"line_no": 1, "new_sku": "SKU-B"}]}
    assert (await refused(aconn, "exchange_items", other_product)).reason == "different_product"
    same = {**RED, "lines": [{"line_no": 1, "new_sku": "SKU-A"}]}
    assert (await refused(aconn, "exchange_items", same)).reason == "same_variant"
    assert (await refused(aconn, "exchange_items", {**RED, "payment_method_id": "pm_stranger"})).reason \
        == "unknown_payment_method"
    assert (await refused(aconn, "exchange_items", RED, customer="cus_2")).reason == "not_customers_order"


async def test_exchange_is_refused_when_the_new_variant_is_out_of_stock(world, aconn,
                                                                        conn: psycopg.Connection) -> None:
    conn.execute("UPDATE sandbox.inventory SET on_hand = 0 WHERE sku = 'SKU-A-RED'")
    assert (await refused(aconn, "exchange_items", RED)).reason == "out_of_stock"
    assert conn.execute("SELECT count(*) AS n FROM sandbox.exchanges").fetchone() == {"n": 0}


async def test_profile_address_changes_only_the_acting_customers_profile(world, aconn,
                                                                         conn: psycopg.Connection) -> None:
    new = BOSTON.model_copy(update={"line1": "7 Elm St", "line2": None})
    out = await run(aconn, "update_profile_address", {"customer_id": "cus_1", "address": new.model_dump()})
    assert (out.previous, out.address) == (BOSTON, new)
    stored = conn.execute("SELECT address FROM sandbox.customers WHERE id = 'cus_1'").fetchone()["address"]
    assert stored["line1"] == "7 Elm St"
    order = conn.execute("SELECT shipping_address FROM sandbox.orders WHERE id = '#1'").fetchone()
    assert order["shipping_address"]["line1"] == BOSTON.line1  # orders keep the address they ship to
    stranger = await refused(aconn, "update_profile_address", {"customer_id": "cus_1", "address": new.model_dump()},
                             customer="cus_2")
    assert stranger.reason == "not_this_customer"
    abroad = new.model_copy(update={"country": "CA"})
    assert (await refused(aconn, "update_profile_address", {"customer_id": "cus_1", "address": abroad.model_dump()}
                          )).reason == "country_change"


async def test_reads_give_the_variants_and_the_customers_payment_method_ids(world, aconn) -> None:
    deps = ToolDeps.sandbox(aconn, NOW, customer_id="cus_1")
    located = await registry.call("locate_inventory", deps, {"sku": "SKU-A"})
    assert [(v.sku, v.options, v.available) for v in located.variants] == [("SKU-A", {}, 12),
                                                                          ("SKU-A-RED", {"color": "red"}, 3)]
    customer = await registry.call("lookup_customer", deps, {"customer_id": "cus_1"})
    assert customer.payment_method_ids == ["pm"]
