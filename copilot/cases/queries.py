"""Reads about one case that the graph's nodes ask for. Writes go through copilot/cases/store/."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from psycopg import AsyncConnection
from psycopg.rows import dict_row

from copilot.cases.transitions import OPEN_SQL
from copilot.core.models import Category, Signal


async def category_of(conn: AsyncConnection[Any], case_id: int) -> str | None:
    """The case's category as stored ('unclassified' before triage); None when there is no such case."""
    cur = conn.cursor(row_factory=dict_row)
    await cur.execute("SELECT category FROM cases WHERE id = %s", (case_id,))
    row = await cur.fetchone()
    return None if row is None else str(row["category"])


@dataclass(frozen=True)
class LatestTicket:
    order_id: str | None
    category: Category
    customer_id: str | None
    signal: Signal
    customer_email: str | None = None


async def latest_ticket(conn: AsyncConnection[Any], case_id: int) -> LatestTicket | None:
    """The case's latest ticket (or ticket reply) with what triage knows; None when it has none."""
    cur = conn.cursor(row_factory=dict_row)
    await cur.execute(
        "SELECT c.order_id, c.category, c.customer_id, c.customer_email, s.payload FROM cases c"
        " JOIN signals s ON s.case_id = c.id"
        " WHERE c.id = %s AND s.kind IN ('ticket', 'ticket_reply') ORDER BY s.occurred_at DESC LIMIT 1", (case_id,))
    row = await cur.fetchone()
    if row is None:
        return None
    return LatestTicket(order_id=row["order_id"], category=Category(row["category"]), customer_id=row["customer_id"],
                        signal=Signal.model_validate(row["payload"]), customer_email=row["customer_email"])


async def customer_order_ids(conn: AsyncConnection[Any], customer_id: str) -> list[str]:
    cur = conn.cursor(row_factory=dict_row)
    await cur.execute("SELECT id FROM sandbox.orders WHERE customer_id = %s", (customer_id,))
    return [str(r["id"]) for r in await cur.fetchall()]


async def open_case_holding(conn: AsyncConnection[Any], order_id: str, other_than: int) -> int | None:
    """Another open case that holds this order, if one does."""
    cur = conn.cursor(row_factory=dict_row)
    await cur.execute(f"SELECT c.id FROM cases c WHERE c.order_id = %s AND c.id <> %s AND {OPEN_SQL}",
                      (order_id, other_than))
    row = await cur.fetchone()
    return None if row is None else int(row["id"])
