"""The sandbox world: deterministic generation, faithful loading, and a schema that holds it."""

from __future__ import annotations

import json
from collections import Counter

import pytest

from copilot.core.errors import InvalidInput
from copilot.core.models import WORKED_CATEGORIES, Category
from tests.conftest import TAU2_DIR
from tools.connectors.sandbox.generator import generate_world
from tools.connectors.sandbox.loaders import load_tau2, load_world_json
from tools.connectors.sandbox.store import world_counts, world_digest, write_world


def test_same_seed_gives_same_rows_in_the_database(conn):
    write_world(conn, generate_world(seed=11))
    first = world_digest(conn)
    write_world(conn, generate_world(seed=12))
    other = world_digest(conn)
    write_world(conn, generate_world(seed=11))
    assert world_digest(conn) == first
    assert other != first


def test_demo_world_has_the_promised_shape(conn):
    world = generate_world(seed=7)
    counts = write_world(conn, world)
    assert counts["orders"] == 2000
    assert counts["customers"] == 300
    assert counts["warehouses"] == 3
    assert world_counts(conn) == counts
    by_category = Counter(s.category for s in world.seed_signals)
    assert set(WORKED_CATEGORIES) <= set(by_category)
    assert sum(n for c, n in by_category.items() if c is not Category.out_of_scope) == 200
    statuses = {o.status for o in world.orders}
    assert statuses == {"pending", "processing", "label_created", "shipped", "delivered", "cancelled"}


def test_every_seeded_exception_points_at_a_real_order_or_customer():
    world = generate_world(seed=3)
    order_ids = {o.id for o in world.orders}
    emails = {c.email for c in world.customers}
    for seed in world.seed_signals:
        assert seed.signal.order_id is None or seed.signal.order_id in order_ids
        assert seed.signal.customer_email in emails


def test_tau2_database_loads_every_user_order_and_product(conn):
    path = TAU2_DIR / "db.json"
    raw = json.loads(path.read_text())
    world = load_tau2(path)
    counts = write_world(conn, world)
    assert counts["customers"] == len(raw["users"]) == 500
    assert counts["orders"] == len(raw["orders"]) == 1000
    assert counts["products"] == sum(len(p["variants"]) for p in raw["products"].values())
    product_ids = conn.execute("SELECT count(DISTINCT product_id) AS n FROM sandbox.products").fetchone()["n"]
    assert product_ids == len(raw["products"]) == 50
    row = conn.execute("SELECT status, source_status, total FROM sandbox.orders WHERE id = '#W2611340'").fetchone()
    assert (row["status"], row["source_status"], str(row["total"])) == ("shipped", "processed", "536.65")


def test_world_json_round_trips_through_the_loader(tmp_path, conn):
    world = generate_world(seed=5, n_orders=120, n_customers=30, n_exceptions=24)
    path = tmp_path / "world.json"
    path.write_text(world.model_dump_json())
    loaded = load_world_json(path)
    assert loaded == world
    write_world(conn, loaded)
    assert world_counts(conn)["seed_signals"] == len(world.seed_signals)


def test_a_file_that_is_not_a_world_is_refused_with_a_reason(tmp_path):
    path = tmp_path / "bad.json"
    path.write_text('{"now": "not a time"}')
    with pytest.raises(InvalidInput, match="is not a world file"):
        load_world_json(path)
