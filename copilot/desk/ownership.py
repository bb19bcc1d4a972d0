"""Who may do what to a case now: the desk's buttons and `available_actions` come from here.

Every non-final status has a human way out (DESIGN §2 "Ownership"): an escalated case is worked by its owner at
that role (take, re-plan, edit, approve, hand back, close with a reason from the definition of done), and the
desk can always escalate or, at lead level, close. `tests/unit/test_ownership.py` walks the transition table.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Literal

from copilot.core.models import OPEN_STATUSES, CaseStatus, Strict
from copilot.core.roles import APPROVAL_RANK, DESK_ROLES, Role, can_approve

S = CaseStatus


class DeskAction(StrEnum):
    take = "take"
    approve = "approve"
    edit = "edit"
    reject = "reject"
    replan = "replan"
    hand_back = "hand_back"
    close = "close"
    escalate = "escalate"
    assign = "assign"
    note = "note"


class CloseOutcome(StrEnum):
    """The definition of done (DESIGN §4): what a person may close a case as."""

    released = "released"
    shipped = "shipped"
    delivered = "delivered"
    refunded = "refunded"
    cancelled = "cancelled"


# An escalation owner outside the desk and the role its approvals need. Risk and 3PL owners are leads here: the
# key roles have no separate risk or warehouse role, and a lead acts for them; finance's approvals need finance.
OWNER_ROLE: dict[str, Role] = {"lead": Role.lead, "ops": Role.lead, "ops_lead": Role.lead, "risk": Role.lead,
                               "threepl": Role.lead, "warehouse_3pl_contact": Role.lead, "finance": Role.finance}
OWNER_LABEL = {"lead": "the ops lead", "ops": "the ops lead", "ops_lead": "the ops lead", "risk": "the risk owner",
               "threepl": "the warehouse (3PL) contact", "warehouse_3pl_contact": "the warehouse (3PL) contact",
               "finance": "finance", "recovery_desk": "the desk"}
DESK_OWNER = "recovery_desk"

# The statuses each action may leave the case in (None: the status does not change). The unit test checks
# every entry against copilot.cases.transitions.ALLOWED.
TARGETS: dict[DeskAction, frozenset[S] | None] = {
    DeskAction.take: None,
    DeskAction.approve: frozenset({S.executing}),
    DeskAction.edit: None,
    DeskAction.reject: frozenset({S.triaged, S.closed}),
    DeskAction.replan: frozenset({S.triaged}),
    DeskAction.hand_back: frozenset({S.awaiting_approval, S.awaiting_customer, S.verifying}),
    DeskAction.close: frozenset({S.closed}),
    DeskAction.escalate: frozenset({S.escalated}),
    DeskAction.assign: None,
    DeskAction.note: None,
}

WaitsAt = Literal["approval", "customer", "verification"] | None


class CaseView(Strict):
    """What the rules need to know about a case; built by copilot.desk.queries from one row."""

    status: CaseStatus
    owner: str | None = None
    assignee: str | None = None
    required_role: Role | None = None
    blocked: bool = False
    waits_at: WaitsAt = None


def owner_role(owner: str | None) -> Role:
    return OWNER_ROLE.get(owner or "", Role.lead)


def approval_role(view: CaseView) -> Role:
    """An approval needs the plan's own role and, on an escalated case, the owner's role too."""
    needed = view.required_role or Role.agent
    if view.status == S.escalated:
        needed = max(needed, owner_role(view.owner), key=APPROVAL_RANK.__getitem__)
    return needed


def available_actions(view: CaseView, role: Role, me: str | None = None) -> list[DeskAction]:
    """What `role` may do to the case now, in the order the desk shows the buttons."""
    if role not in DESK_ROLES or view.status not in OPEN_STATUSES:
        return []
    found: list[DeskAction] = []
    decision_pending = view.waits_at == "approval" and view.status in (S.awaiting_approval, S.escalated)
    # Any escalation owner (a lead or above) may work an escalated case; approving it keeps the owner's role.
    owns = view.status != S.escalated or can_approve(role, Role.lead)
    if view.status == S.escalated and owns and (view.assignee is None or view.assignee != me):
        found.append(DeskAction.take)
    if decision_pending and not view.blocked and can_approve(role, approval_role(view)):
        found.append(DeskAction.approve)
    if decision_pending:
        found.append(DeskAction.edit)  # saving an edit is any agent's; the guardrails judge the result again
    if decision_pending and owns:
        found.append(DeskAction.reject)
    if view.status == S.escalated and owns and view.waits_at == "approval":
        found.append(DeskAction.replan)
    if view.status == S.escalated and owns and view.waits_at is not None:
        found.append(DeskAction.hand_back)
    if view.waits_at is not None and can_approve(role, Role.lead) and owns:
        found.append(DeskAction.close)  # only while paused: a case the worker holds would close under it
    found += [DeskAction.escalate, DeskAction.assign, DeskAction.note]
    return found
