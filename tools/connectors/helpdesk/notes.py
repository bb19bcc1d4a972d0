"""A note a person writes on the desk, as an internal note on the helpdesk ticket the case came from (Zendesk
private comment, Gorgias `internal-note`, Freshdesk private note), so the store's agents see it where they work.

Only when that helpdesk is in shadow or live mode; email has no notes, and in sandbox mode the note stays on the
case. The note's own id makes the call key, so a retried post reads the thread first (connector.py)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from psycopg import AsyncConnection

from tools.connectors.config import ConnectorConfigs, get_configs
from tools.connectors.outbox import calling
from tools.contracts.case_log import CaseLog

NOTE_HELPDESKS = ("zendesk", "gorgias", "freshdesk")

# The newest ticket signal of the case from a connected helpdesk, with the case's customer and order.
_TICKET_SQL = (
    "SELECT s.ticket_id, s.source, c.customer_id, c.order_id FROM signals s JOIN cases c ON c.id = s.case_id"
    " WHERE s.case_id = %s AND s.ticket_id IS NOT NULL AND s.source = ANY(%s)"
    " ORDER BY s.occurred_at DESC, s.id DESC LIMIT 1")


async def note_on_ticket(conn: AsyncConnection[Any], now: datetime, case_id: int, note_id: int, body: str,
                         case_log: CaseLog | None, configs: ConnectorConfigs | None = None) -> str | None:
    """The helpdesk the note went to (recorded only, in shadow), or None when no connected helpdesk has the case."""
    from tools.connectors.helpdesk.connector import INTERNAL, RoutedHelpdesk
    from tools.connectors.helpdesk.contracts import HELPDESK_CHECKS

    configs = configs or get_configs()
    connected = [s for s in NOTE_HELPDESKS if configs.get(s).mode != "sandbox"]
    if not connected:
        return None
    cur = await conn.execute(_TICKET_SQL, (case_id, connected))
    row = await cur.fetchone()
    if row is None or row["customer_id"] is None:
        return None
    helpdesk = RoutedHelpdesk(conn, now, None, configs, dict(HELPDESK_CHECKS))
    key = f"{case_id}:note-{note_id}"
    with calling(case_id, key, case_log):
        await helpdesk.send(row["customer_id"], row["order_id"], row["ticket_id"], INTERNAL, body, key)
    return str(row["source"])
