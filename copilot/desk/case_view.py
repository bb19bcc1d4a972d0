"""A case as its owner sees it: where its thread waits, why it was escalated, what blocks its plan.

The same SQL columns serve the case detail (copilot.desk.queries) and the checks before a decision (copilot.desk.decisions,
copilot.desk.owner_actions), so the buttons the desk draws and what the API accepts never disagree.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any, cast

from psycopg import AsyncConnection
from psycopg.rows import DictRow

from copilot.core.errors import NotFound
from copilot.core.models import Strict
from copilot.core.roles import required_role
from copilot.desk.ownership import OWNER_LABEL, CaseView

# Where the case's graph thread is paused. The graph's own escalations (actor "copilot") always pause at the
# approval interrupt; an escalation by the SLA clock or a person leaves the thread where it was.
WAITS_AT_SQL = """
CASE WHEN c.status = 'awaiting_approval' THEN 'approval'
     WHEN c.status = 'awaiting_customer' THEN 'customer'
     WHEN c.status = 'verifying' THEN 'verification'
     WHEN c.status <> 'escalated' THEN NULL
     ELSE (SELECT CASE WHEN e.actor = 'copilot' THEN 'approval'
                       ELSE CASE e.data ->> 'from' WHEN 'awaiting_approval' THEN 'approval'
                            WHEN 'awaiting_customer' THEN 'customer' WHEN 'verifying' THEN 'verification' END END
           FROM case_events e WHERE e.case_id = c.id AND e.kind = 'status_changed' AND e.data ->> 'to' = 'escalated'
             AND e.data ->> 'from' <> 'escalated' ORDER BY e.id DESC LIMIT 1)
END"""

BLOCKED_SQL = """EXISTS (SELECT 1 FROM guardrail_verdicts v WHERE v.case_id = c.id AND v.plan_version = c.plan_version
                 AND v.outcome = 'block' AND v.mode = 'active')"""

ROLES_SQL = """ARRAY(SELECT v.role FROM guardrail_verdicts v WHERE v.case_id = c.id AND v.plan_version = c.plan_version
                 AND v.outcome = 'needs_approval' AND v.mode = 'active' AND v.role IS NOT NULL)"""

# The latest hand-over to an owner: who, why, at which level, by whom and when.
ESCALATION_SQL = """(SELECT jsonb_build_object('owner', e.data ->> 'owner', 'reason', e.data ->> 'reason',
                        'level', (e.data ->> 'level')::int, 'at', e.at, 'by', e.actor)
                     FROM case_events e WHERE e.case_id = c.id AND e.kind = 'escalated' ORDER BY e.id DESC LIMIT 1)"""

VIEW_COLUMNS = f"""({WAITS_AT_SQL}) AS waits_at, {BLOCKED_SQL} AS blocked, {ROLES_SQL} AS approval_roles,
       {ESCALATION_SQL} AS escalation"""


class Escalation(Strict):
    owner: str | None
    owner_label: str
    reason: str | None
    level: int | None
    at: datetime
    by: str


def escalation_of(raw: dict[str, object] | None) -> Escalation | None:
    if not raw:
        return None
    owner = raw.get("owner")
    label = OWNER_LABEL.get(str(owner), str(owner or "an owner"))
    return Escalation.model_validate(raw | {"owner_label": label})


def view_of(row: Mapping[str, Any]) -> CaseView:
    needed = required_role(row.get("approval_roles") or [])
    return CaseView(status=row["status"], owner=row.get("owner"), assignee=row.get("assignee"),
                    required_role=needed, blocked=bool(row.get("blocked")), waits_at=row.get("waits_at"))


async def load_view(conn: AsyncConnection[DictRow], case_id: int, *, lock: bool = False) -> tuple[CaseView, int]:
    """The case's view and its plan version; `lock` holds the row for the caller's transaction."""
    if lock:
        await conn.execute("SELECT 1 FROM cases WHERE id = %s FOR UPDATE", (case_id,))
    cur = await conn.execute(f"SELECT c.status, c.owner, c.assignee, c.plan_version, {VIEW_COLUMNS}"
                             " FROM cases c WHERE c.id = %s", (case_id,))
    row = cast(Mapping[str, Any] | None, await cur.fetchone())  # the pool's rows are dicts (copilot.core.db)
    if row is None:
        raise NotFound(f"case {case_id} does not exist")
    return view_of(row), int(row["plan_version"])
