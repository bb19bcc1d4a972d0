"""Writing a world into the sandbox schema, and reading back its size and digest."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Sequence

import psycopg
from psycopg.rows import DictRow
from psycopg.types.json import Jsonb
from pydantic import BaseModel

from tools.connectors.sandbox.world import World

# table -> (world attribute, columns); columns that hold JSON are wrapped on the way in.
TABLES: dict[str, tuple[str, tuple[str, ...]]] = {
    "warehouses": ("warehouses", ("id", "name", "timezone", "cutoff_local", "carriers")),
    "customers": (
        "customers",
        ("id", "email", "first_name", "last_name", "phone", "vip", "lifetime_value", "address",
         "payment_methods", "created_at"),
    ),
    "products": ("products", ("sku", "product_id", "name", "price", "options", "available")),
    "orders": (
        "orders",
        ("id", "customer_id", "status", "source_status", "currency", "subtotal", "shipping_total", "total",
         "shipping_address", "risk_level", "risk_recommendation", "risk_rules", "hold_reason", "tags",
         "cancel_reason", "created_at", "promised_by", "updated_at"),
    ),
    "order_lines": ("", ("order_id", "line_no", "sku", "name", "quantity", "unit_price", "options")),
    "payments": (
        "payments",
        ("id", "order_id", "method", "brand", "last4", "status", "amount", "amount_captured",
         "amount_refunded", "decline_code", "avs_result", "cvv_result", "authorized_at", "auth_expires_at",
         "retry_count", "last_retry_at", "created_at"),
    ),
    "refunds": ("refunds", ("id", "payment_id", "amount", "reason", "status", "created_at")),
    "fulfillments": (
        "fulfillments",
        ("id", "order_id", "warehouse_id", "status", "carrier", "service", "tracking_number", "skus",
         "cutoff_at", "label_created_at", "handed_off_at", "delivered_at", "created_at"),
    ),
    "inventory": ("inventory", ("warehouse_id", "sku", "on_hand", "reserved")),
    "tracking_events": (
        "tracking_events",
        ("tracking_number", "carrier", "status", "status_detail", "message", "location", "occurred_at"),
    ),
    "disputes": (
        "disputes",
        ("id", "order_id", "payment_id", "reason", "status", "amount", "due_by", "created_at"),
    ),
    "claims": ("claims", ("id", "customer_id", "order_id", "kind", "outcome", "created_at")),
    "tickets": ("tickets", ("id", "customer_id", "channel", "subject", "created_at")),
    "seed_signals": ("", ("id", "category", "signal", "occurred_at")),
}
JSON_COLUMNS = {"address", "payment_methods", "options", "shipping_address", "signal"}
DIGEST_ORDER = {
    "order_lines": "order_id, line_no",
    "inventory": "warehouse_id, sku",
    "tracking_events": "tracking_number, occurred_at, status",
}


def _cell(column: str, value: object) -> object:
    if column in JSON_COLUMNS and value is not None:
        if isinstance(value, BaseModel):
            return Jsonb(value.model_dump(mode="json"))
        if isinstance(value, list):
            return Jsonb([v.model_dump(mode="json") if isinstance(v, BaseModel) else v for v in value])
        return Jsonb(value)
    return value


def world_rows(world: World, table: str) -> Iterable[Sequence[object]]:
    attribute, columns = TABLES[table]
    if table == "order_lines":
        for order in world.orders:
            for line in order.lines:
                yield (order.id, line.line_no, line.sku, line.name, line.quantity, line.unit_price,
                       Jsonb(line.options))
        return
    if table == "seed_signals":
        for seed in world.seed_signals:
            yield (seed.id, seed.category.value, Jsonb(seed.signal.model_dump(mode="json")),
                   seed.signal.occurred_at)
        return
    for item in getattr(world, attribute):
        yield tuple(_cell(c, getattr(item, c)) for c in columns)


def clear_world(conn: psycopg.Connection[DictRow]) -> None:
    conn.execute(
        "TRUNCATE " + ", ".join(f"sandbox.{t}" for t in [*TABLES, "outbox", "meta"]) + " RESTART IDENTITY CASCADE"
    )


def write_world(conn: psycopg.Connection[DictRow], world: World) -> dict[str, int]:
    """Replace the sandbox with this world, in one transaction; returns rows written per table."""
    counts: dict[str, int] = {}
    with conn.transaction():
        clear_world(conn)
        conn.execute(
            "INSERT INTO sandbox.meta (key, value) VALUES ('world', %s)",
            (Jsonb({"name": world.name, "now": world.now.isoformat()}),),
        )
        for table, (_, columns) in TABLES.items():
            n = 0
            with conn.cursor().copy(f"COPY sandbox.{table} ({', '.join(columns)}) FROM STDIN") as copy:
                for row in world_rows(world, table):
                    copy.write_row(row)
                    n += 1
            counts[table] = n
    return counts


def world_counts(conn: psycopg.Connection[DictRow]) -> dict[str, int]:
    return {
        table: conn.execute(f"SELECT count(*) AS n FROM sandbox.{table}").fetchone()["n"]  # type: ignore[index]
        for table in TABLES
    }


def world_digest(conn: psycopg.Connection[DictRow]) -> str:
    """SHA-256 over every sandbox row, in key order: the same seed must give the same digest."""
    digest = hashlib.sha256()
    for table, (_, columns) in TABLES.items():
        order = DIGEST_ORDER.get(table, columns[0])
        cur = conn.execute(f"SELECT {', '.join(columns)} FROM sandbox.{table} ORDER BY {order}")
        for row in cur:
            values = row.values() if isinstance(row, dict) else row
            digest.update(json.dumps([str(v) for v in values]).encode())
        digest.update(table.encode())
    return digest.hexdigest()


def world_meta(conn: psycopg.Connection[DictRow]) -> dict[str, str] | None:
    row = conn.execute("SELECT value FROM sandbox.meta WHERE key = 'world'").fetchone()
    if row is None:
        return None
    value = row["value"] if isinstance(row, dict) else row[0]
    return {str(k): str(v) for k, v in value.items()}
