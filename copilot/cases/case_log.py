"""What a tool may write about the case it runs for, backed by the case store: tools declare the protocol
(tools/base.py CaseLog) and never import the store."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from psycopg import AsyncConnection

from copilot.cases import escalation, store
from tools.base import ToolDeps

TOOL_ACTOR = "tool"


@dataclass(frozen=True)
class StoreCaseLog:
    conn: AsyncConnection[Any]
    case_id: int
    now: datetime

    async def record_event(self, kind: str, data: Mapping[str, object], *, actor: str = TOOL_ACTOR) -> None:
        await store.record_event(self.conn, self.case_id, kind, data, actor=actor, at=self.now)

    async def hand_to(self, owner: str, reason: str) -> int:
        return await escalation.hand_to(self.conn, self.case_id, owner, reason, actor=TOOL_ACTOR, now=self.now)


def tool_deps(conn: AsyncConnection[Any], now: datetime, case_id: int | None = None,
              customer_id: str | None = None) -> ToolDeps:
    """Sandbox connectors for a case's tool calls, with the case's log."""
    log = StoreCaseLog(conn, case_id, now) if case_id is not None else None
    return ToolDeps.sandbox(conn, now, case_id, customer_id, case_log=log)
