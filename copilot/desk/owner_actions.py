"""What an owner does with a case besides deciding its plan: take it, re-plan it, hand it back, close it.

Each checks `copilot.desk.ownership.available_actions` first (the same list the desk draws its buttons from), moves
the status only through the transition table, and leaves the SLA clocks alone: they keep running.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any, cast

from psycopg import AsyncConnection
from psycopg.rows import DictRow
from pydantic import ValidationError

from copilot.cases import store
from copilot.cases.resume import Replan
from copilot.close import rootcause, verification
from copilot.core.errors import Conflict, Forbidden
from copilot.core.models import CaseStatus, Strict
from copilot.core.roles import Role
from copilot.decide.plan import CaseState
from copilot.desk.case_view import load_view
from copilot.desk.ownership import DESK_OWNER, CaseView, CloseOutcome, DeskAction, available_actions

S = CaseStatus


class Done(Strict):
    case_id: int
    status: CaseStatus
    detail: str


async def _allowed(conn: AsyncConnection[DictRow], case_id: int, plan_version: int, action: DeskAction, role: Role,
                   name: str) -> CaseView:
    """Lock the case and check the action is one the caller may take now; the message says what they may do."""
    view, version = await load_view(conn, case_id, lock=True)
    if version != plan_version:
        raise Conflict(f"plan version {plan_version} is stale: case {case_id} is at version {version}; "
                       "reload the case")
    allowed = available_actions(view, role, name)
    if action in allowed:
        return view
    roles = available_roles(view, action)
    if roles:
        raise Forbidden(f"you are signed in as {role.value}; {action.value.replace('_', ' ')} on this case needs "
                        f"{' or '.join(r.value for r in roles)}")
    raise Conflict(f"case {case_id} is {view.status.value}: {action.value.replace('_', ' ')} is not possible now")


def available_roles(view: CaseView, action: DeskAction) -> list[Role]:
    return [r for r in (Role.agent, Role.lead, Role.finance, Role.admin) if action in available_actions(view, r)]


async def _event(conn: AsyncConnection[DictRow], case_id: int, actor: str, kind: str, data: dict[str, object],
                 now: datetime) -> None:
    await store.record_event(conn, case_id, kind, data, actor=actor, at=now)


async def take(conn: AsyncConnection[DictRow], case_id: int, plan_version: int, role: Role, name: str,
               now: datetime) -> Done:
    """The owner takes the escalated case: it is theirs to work (assignee), with the clocks still running."""
    async with conn.transaction():
        view = await _allowed(conn, case_id, plan_version, DeskAction.take, role, name)
        await store.set_assignee(conn, case_id, name, now)
        await _event(conn, case_id, name, "taken", {"role": role.value, "owner": view.owner,
                                                    "previous_assignee": view.assignee}, now)
    return Done(case_id=case_id, status=view.status, detail=f"taken by {name}")


async def replan(conn: AsyncConnection[DictRow], case_id: int, plan_version: int, role: Role, name: str, reason: str,
                 now: datetime) -> Done:
    """Plan the escalated case again on facts read again; the new plan comes back to its owner."""
    async with conn.transaction():
        await _allowed(conn, case_id, plan_version, DeskAction.replan, role, name)
        why = f"re-planned by {name} ({role.value}): {reason}"
        await store.move(conn, case_id, S.triaged, actor=name, reason=why, now=now,
                         data={"plan_version": plan_version})
        await _event(conn, case_id, name, "replan_requested", {"because": reason, "replaces_version": plan_version,
                                                               "by": name}, now)
        await store.enqueue(conn, case_id, Replan(plan_version=plan_version, reason=why, reread_ticket=True,
                                                  actor=name, role=role))
    return Done(case_id=case_id, status=S.triaged, detail="re-planning: the new plan comes back to you")


def _facts(raw: object) -> CaseState | None:
    """The facts the graph gathered; a case the graph never planned has none to re-read against."""
    try:
        return CaseState.model_validate(raw) if raw else None
    except ValidationError:
        return None


HAND_BACK_TO = {"approval": S.awaiting_approval, "customer": S.awaiting_customer, "verification": S.verifying}


async def hand_back(conn: AsyncConnection[DictRow], case_id: int, plan_version: int, role: Role, name: str, note: str,
                    now: datetime) -> Done:
    """Back to the desk where the case's thread waits (its approval, the customer's answer, the re-read)."""
    async with conn.transaction():
        view = await _allowed(conn, case_id, plan_version, DeskAction.hand_back, role, name)
        assert view.waits_at is not None
        target = HAND_BACK_TO[view.waits_at]
        await store.move(conn, case_id, target, actor=name, reason=f"handed back to the desk by {name}: {note}",
                         now=now, data={"plan_version": plan_version})
        await store.return_to_desk(conn, case_id, DESK_OWNER, now)
        await _event(conn, case_id, name, "handed_back", {"note": note, "previous_owner": view.owner,
                                                          "to": target.value}, now)
    return Done(case_id=case_id, status=target, detail=f"handed back to the desk ({target.value})")


async def close(conn: AsyncConnection[DictRow], case_id: int, plan_version: int, role: Role, name: str,
                outcome: CloseOutcome, reason: str, now: datetime) -> Done:
    """Close with a reason from the definition of done. The system of record is re-read and what it says is
    kept beside the person's reason; the root cause is recorded as for any closed case."""
    async with conn.transaction():
        await _allowed(conn, case_id, plan_version, DeskAction.close, role, name)
        cur = await conn.execute("SELECT facts FROM cases WHERE id = %s", (case_id,))
        row = cast(Mapping[str, Any], await cur.fetchone())  # the row exists: _allowed locked it
        facts = _facts(row["facts"])
        record = "no facts gathered"
        if facts is not None:
            moved, record = await verification.definition_of_done(conn, facts, now)
            record = ("confirms: " if moved else "says: ") + record
        close_reason = f"{outcome.value}: {reason} (closed by {name}; the system of record {record})"
        await store.move(conn, case_id, S.closed, actor=name, reason=close_reason, now=now,
                         data={"plan_version": plan_version})
        await store.set_close_reason(conn, case_id, close_reason)
        await _event(conn, case_id, name, "closed_by_person", {"outcome": outcome.value, "reason": reason,
                                                               "role": role.value, "system_of_record": record}, now)
        if facts is not None:
            await rootcause.record(conn, facts, close_reason, now)
    return Done(case_id=case_id, status=S.closed, detail=f"closed as {outcome.value}")
