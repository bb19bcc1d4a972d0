"""What grounding reads from the sandbox: the customer's orders with their lines, the catalog variants of
those products, and the customer's payment methods. Two queries."""

from __future__ import annotations

from typing import Any

import psycopg
from psycopg.rows import dict_row

from copilot.reading.grounding import Line, OrderFacts, Variant, World

_ORDERS = """
SELECT o.id, o.status,
       coalesce(json_agg(json_build_object('line_no', l.line_no, 'sku', l.sku, 'name', l.name, 'options', l.options)
                         ORDER BY l.line_no) FILTER (WHERE l.order_id IS NOT NULL), '[]') AS lines,
       c.payment_methods
FROM sandbox.customers c JOIN sandbox.orders o ON o.customer_id = c.id
LEFT JOIN sandbox.order_lines l ON l.order_id = o.id
WHERE lower(c.email) = lower(%s) AND o.status <> 'cancelled'
GROUP BY o.id, o.status, c.payment_methods
"""
_VARIANTS = "SELECT sku, name, options, available FROM sandbox.products WHERE name = ANY(%s)"


async def world_for(conn: psycopg.AsyncConnection[Any], email: str | None, case_order_id: str | None) -> World:
    if not email:
        return World(case_order_id=case_order_id)
    cur = conn.cursor(row_factory=dict_row)
    await cur.execute(_ORDERS, (email,))
    rows = await cur.fetchall()
    orders = [OrderFacts(order_id=r["id"], status=r["status"],
                         lines=[Line(line_no=ln["line_no"], sku=ln["sku"], name=ln["name"],
                                     options={k: str(v) for k, v in (ln["options"] or {}).items()})
                                for ln in r["lines"]]) for r in rows]
    names = sorted({ln.name for o in orders for ln in o.lines})
    variants: dict[str, list[Variant]] = {}
    if names:
        await cur.execute(_VARIANTS, (names,))
        for v in await cur.fetchall():
            variants.setdefault(v["name"], []).append(
                Variant(sku=v["sku"], options={k: str(x) for k, x in (v["options"] or {}).items()},
                        available=bool(v["available"])))
    methods = [{"id": m.get("id"), "source": m.get("source"), "brand": m.get("brand"), "last4": m.get("last4")}
               for m in (rows[0]["payment_methods"] if rows else []) or []]
    return World(orders=orders, variants=variants, payment_methods=methods, case_order_id=case_order_id)
