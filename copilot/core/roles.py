"""Who signs in, who decides, and who an escalation goes to: one enum, one ranking, one required_role."""

from __future__ import annotations

from collections.abc import Iterable
from enum import StrEnum


class Role(StrEnum):
    agent = "agent"
    lead = "lead"
    finance = "finance"
    qa = "qa"
    admin = "admin"
    risk = "risk"
    threepl = "threepl"
    ops = "ops"


# An API key carries one of these; the rest are owners outside the desk that escalations name.
KEY_ROLES = (Role.agent, Role.lead, Role.finance, Role.qa, Role.admin)
# Who may decide a plan. QA reads only.
DESK_ROLES = frozenset({Role.agent, Role.lead, Role.finance, Role.admin})
# Who may own an escalated case.
OWNER_ROLES = frozenset({Role.lead, Role.finance, Role.risk, Role.threepl, Role.ops})

# Approval authority: finance limits sit above the lead's, admin may do anything. QA reads only.
APPROVAL_RANK: dict[Role, int] = {Role.qa: 0, Role.agent: 1, Role.lead: 2, Role.finance: 3, Role.admin: 4}


def rank(role: Role | str | None) -> int:
    """How restrictive a verdict's role is; an owner outside the desk (risk, 3PL, ops) ranks with finance."""
    return APPROVAL_RANK.get(Role(str(role)), APPROVAL_RANK[Role.finance]) if role in Role.__members__ \
        else APPROVAL_RANK[Role.finance]


def required_role(roles: Iterable[Role | str | None]) -> Role | None:
    """The highest desk role that the needs_approval verdicts of a plan reserve its approval for; None when
    none does (any desk role approves). A verdict naming an owner outside the desk restricts nothing here:
    such a rule blocks and escalates instead."""
    named = [Role(str(r)) for r in roles if r in Role.__members__ and Role(str(r)) in DESK_ROLES]
    return max(named, key=APPROVAL_RANK.__getitem__) if named else None


def can_approve(role: Role, required: Role | None) -> bool:
    return role in DESK_ROLES and APPROVAL_RANK[role] >= APPROVAL_RANK[required or Role.agent]
