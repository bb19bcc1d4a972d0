"""READ tools return the facts playbooks decide on, read from the sandbox systems of record."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest

from copilot.core.errors import NotFound
from tests.unit import test_connectors_sandbox as sandbox
from tests.unit.test_connectors_sandbox import BOSTON, NOW, deps_for, run
from tools import registry
from tools.embeddings import HashingEmbedder, to_pgvector

# The mini world and an async connection, shared with the connector tests.
world = sandbox.world
aconn = sandbox.aconn


async def read(aconn, name: str, args: dict, customer: str | None = "cus_1"):
    return await registry.call(name, deps_for(aconn, customer), args)


async def test_lookup_payment_reports_decline_type_refundable_and_disputes(world, aconn):
    hard = await read(aconn, "lookup_payment", {"order_id": "#5"})
    assert (hard.payments[0].decline_code, hard.payments[0].decline_type) == ("stolen_card", "hard")
    soft = await read(aconn, "lookup_payment", {"order_id": "#4"})
    assert soft.payments[0].decline_type == "soft" and soft.payments[0].retry_count == 0
    disputed = await read(aconn, "lookup_payment", {"order_id": "#10"})
    assert (disputed.captured, disputed.refundable, disputed.open_dispute) == (Decimal("45.00"), Decimal("45.00"), True)
    assert disputed.disputes[0].due_by == NOW + timedelta(days=5)


async def test_lookup_customer_counts_history_claims_and_disputes(world, aconn, conn):
    conn.execute("INSERT INTO sandbox.claims (id, customer_id, order_id, kind, created_at) VALUES"
                 " ('c1', 'cus_1', '#3', 'damaged', %s), ('c2', 'cus_1', '#2', 'missing', %s)",
                 (NOW - timedelta(days=10), NOW - timedelta(days=100)))
    out = await read(aconn, "lookup_customer", {"email": "CUS_1@example.com"})
    assert (out.id, out.orders_count, out.fulfilled_orders, out.claims_90d) == ("cus_1", 9, 3, 1)
    assert (out.disputes_total, out.open_disputes) == (1, 1)
    assert out.previous_addresses == [BOSTON]
    assert "#1" in out.open_orders and "#3" not in out.open_orders
    with pytest.raises(NotFound):
        await read(aconn, "lookup_customer", {"customer_id": "cus_404"})


async def test_track_shipment_lists_scans_latest_last(world, aconn):
    out = await read(aconn, "track_shipment", {"order_id": "#3"})
    (parcel,) = out.shipments
    assert [e.status for e in parcel.events] == ["in_transit", "delivered"]
    assert parcel.status == "delivered" and parcel.last_event.location == "Boston, MA"
    pending = await read(aconn, "track_shipment", {"order_id": "#1"})
    assert pending.shipments[0].status == "pending" and pending.shipments[0].events == []


async def test_validate_address_flags_a_unit_missing_from_the_customers_history(world, aconn):
    no_unit = BOSTON.model_copy(update={"line2": None}).model_dump()
    out = await read(aconn, "validate_address", {"address": no_unit, "order_id": "#1"})
    assert out.missing_unit and not out.valid and "missing_unit" in out.issues
    ok = await read(aconn, "validate_address", {"address": BOSTON.model_dump(), "order_id": "#1"})
    assert ok.valid and ok.has_unit and ok.issues == []
    box = {"line1": "PO Box 123", "city": "Boston", "state": "MA", "zip": "02115"}
    ups = await read(aconn, "validate_address", {"address": box, "carrier": "ups"})
    assert ups.po_box and ups.carrier_delivers_po_box is False and not ups.valid


async def test_locate_inventory_shows_available_stock_per_warehouse(world, aconn):
    out = await read(aconn, "locate_inventory", {"sku": "SKU-C", "quantity": 2})
    assert {s.warehouse_id: s.available for s in out.stock} == {"WH-CENTRAL": 4, "WH-EAST": 0}
    assert out.warehouses_with_quantity == ["WH-CENTRAL"] and out.total_available == 4


async def test_assess_fraud_signals_gathers_risk_avs_and_history(world, aconn, conn):
    conn.execute("UPDATE sandbox.orders SET risk_level = 'medium', risk_recommendation = 'investigate',"
                 " risk_rules = '{proxy_ip}' WHERE id = '#1'")
    conn.execute("UPDATE sandbox.payments SET avs_result = 'mismatch' WHERE id = 'pi_1'")
    out = await read(aconn, "assess_fraud_signals", {"order_id": "#1"})
    assert (out.risk_level, out.risk_rules, out.avs_result, out.cvv_result) == ("medium", ["proxy_ip"], "mismatch", "match")
    assert (out.order_value, out.customer_fulfilled_orders, out.customer_disputes) == (Decimal("80.00"), 3, 1)
    assert out.shipping_matches_customer_address is True


async def test_find_similar_cases_ranks_by_embedding_distance(world, aconn, conn):
    texts = {"refund": "where is my refund for the returned shoes",
             "refund2": "still no refund for my returned shoes",
             "address": "please change my shipping address to a new apartment"}
    ids = {}
    conn.execute("TRUNCATE embeddings")  # earlier tests' tickets would crowd this test's three out of the top 50
    for label, text in texts.items():
        ids[label] = conn.execute("INSERT INTO cases (category) VALUES (%s) RETURNING id", (label,)).fetchone()["id"]
        conn.execute("INSERT INTO embeddings (case_id, embedding) VALUES (%s, %s::vector)",
                     (ids[label], to_pgvector(HashingEmbedder().embed_one(text))))
    # Other tests share the database, so only this test's cases are compared.
    mine = set(ids.values())
    out = await read(aconn, "find_similar_cases", {"case_id": ids["refund"], "limit": 50})
    ranked = [c for c in out.cases if c.case_id in mine]
    assert [c.case_id for c in ranked] == [ids["refund2"], ids["address"]]
    assert ranked[0].distance < ranked[1].distance
    by_text = await read(aconn, "find_similar_cases", {"case_id": 0, "text": "change shipping address apartment",
                                                       "limit": 50})
    assert [c.case_id for c in by_text.cases if c.case_id in mine][0] == ids["address"]


async def test_assemble_dispute_evidence_gathers_delivery_proof_and_messages(world, aconn):
    await run(aconn, "send_customer_message", {"order_id": "#10", "scenario": "delivery_update", "body": "Delivered."})
    out = await registry.call("assemble_dispute_evidence", deps_for(aconn), {"order_id": "#10"})
    assert (out.dispute.id, out.payment.id, out.customer_email) == ("dp_10", "pi_10", "cus_1@example.com")
    assert out.delivered_at == NOW - timedelta(hours=3) and out.delivered_to_order_address
    assert [m.body for m in out.messages] == ["Delivered."]
    assert "dp_10" in out.summary and "delivered" in out.summary
    with pytest.raises(NotFound):
        await registry.call("assemble_dispute_evidence", deps_for(aconn), {"order_id": "#3"})
