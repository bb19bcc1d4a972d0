"""What the sandbox systems share: one connection, the clock, the acting customer, and the order rules every
system that edits an order applies."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from psycopg import AsyncConnection
from psycopg.abc import Params
from psycopg.rows import DictRow

from tools.contracts.errors import ConnectorError, NotFound

Row = dict[str, Any]
SHIPPED = ("shipped", "delivered")
LABELLED = ("label_created", "handed_off", "delivered")


class SandboxBase:
    """Shared by the five sandbox systems: one connection, the clock, and the acting customer."""

    def __init__(self, conn: AsyncConnection[DictRow], now: datetime, actor: str | None = None) -> None:
        self.conn, self.now, self.actor = conn, now, actor

    async def one(self, sql: str, params: Params = ()) -> Row | None:
        cur = await self.conn.execute(sql, params)
        return await cur.fetchone()

    async def all(self, sql: str, params: Params = ()) -> list[Row]:
        cur = await self.conn.execute(sql, params)
        return await cur.fetchall()

    async def order_row(self, order_id: str, act: bool = False) -> Row:
        """The order; when acting, locked and refused unless it belongs to the acting customer."""
        row = await self.one("SELECT * FROM sandbox.orders WHERE id = %s" + (" FOR UPDATE" if act else ""),
                             (order_id,))
        if row is None:
            raise NotFound(f"no order {order_id}", order_id=order_id)
        if act and self.actor is not None and row["customer_id"] != self.actor:
            raise ConnectorError(f"order {order_id} does not belong to customer {self.actor}",
                                 reason="not_customers_order", order_id=order_id)
        return row

    async def fulfillment_rows(self, order_id: str) -> list[Row]:
        return await self.all("SELECT * FROM sandbox.fulfillments WHERE order_id = %s ORDER BY created_at, id",
                              (order_id,))

    async def refuse_unless_editable(self, order: Row, action: str) -> list[Row]:
        """Edits and cancels happen before shipment, before a label, and before the warehouse cutoff."""
        oid, status = order["id"], order["status"]
        if status == "cancelled":
            raise ConnectorError(f"order {oid} is cancelled; cannot {action}", reason="order_cancelled")
        if status in SHIPPED:
            raise ConnectorError(f"order {oid} is {status}, not pending; cannot {action}", reason="order_shipped")
        rows = await self.fulfillment_rows(oid)
        if status == "label_created" or any(f["status"] in LABELLED for f in rows):
            raise ConnectorError(f"order {oid} already has a shipping label; cannot {action} (intercept instead)",
                                 reason="label_created")
        if any(f["status"] == "picking" and f["cutoff_at"] and f["cutoff_at"] <= self.now for f in rows):
            raise ConnectorError(f"order {oid} is past the warehouse cutoff; cannot {action}", reason="past_cutoff")
        return rows

    async def lines(self, order_id: str) -> list[Row]:
        return await self.all("SELECT * FROM sandbox.order_lines WHERE order_id = %s ORDER BY line_no", (order_id,))
