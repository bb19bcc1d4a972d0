"""No status is a dead end: walking the transition table, every non-final status offers a person a way out."""

from __future__ import annotations

import itertools

from copilot.cases.transitions import ALLOWED
from copilot.core.models import OPEN_STATUSES, CaseStatus
from copilot.core.roles import Role
from copilot.desk.ownership import TARGETS, CaseView, DeskAction, available_actions

S = CaseStatus
WAITS = {S.awaiting_approval: ["approval"], S.awaiting_customer: ["customer"], S.verifying: ["verification"],
         S.escalated: ["approval", "customer", "verification"], S.new: [None], S.triaged: [None], S.executing: [None]}
OWNERS = ["lead", "risk", "threepl", "finance", "ops"]


def _views(status: CaseStatus) -> list[CaseView]:
    return [CaseView(status=status, owner=owner if status == S.escalated else None, waits_at=waits, blocked=blocked,
                     required_role=needed)
            for waits, owner, blocked, needed in itertools.product(WAITS[status], OWNERS, [False, True],
                                                                   [None, Role.lead, Role.finance])]


def _ways_out(view: CaseView, role: Role) -> set[DeskAction]:
    out = set()
    for action in available_actions(view, role):
        targets = TARGETS[action]
        if targets is None:
            continue
        assert targets <= ALLOWED[view.status] | {view.status}, (view, action, targets)
        if targets - {view.status}:
            out.add(action)
    return out


def test_every_desk_action_moves_only_where_the_transition_table_allows():
    for status in OPEN_STATUSES:
        for view in _views(status):
            for role in Role:
                _ways_out(view, role)  # asserts inside


def test_every_non_final_status_has_a_way_out_for_a_person():
    assert set(WAITS) == set(OPEN_STATUSES)
    for status in OPEN_STATUSES:
        for view in _views(status):
            found = set().union(*(_ways_out(view, r) for r in (Role.agent, Role.lead, Role.finance)))
            assert found, f"{status} ({view}) is a dead end"


def test_an_escalated_case_is_worked_by_its_owner_at_that_role():
    chargeback = CaseView(status=S.escalated, owner="finance", waits_at="approval")
    assert available_actions(chargeback, Role.finance, "fay") == [
        DeskAction.take, DeskAction.approve, DeskAction.edit, DeskAction.reject, DeskAction.replan,
        DeskAction.hand_back, DeskAction.close, DeskAction.escalate, DeskAction.assign, DeskAction.note]
    # A lead works finance's case but may not approve it at finance's role; an agent only edits, escalates and
    # writes notes.
    assert available_actions(chargeback, Role.lead, "lee") == [
        DeskAction.take, DeskAction.edit, DeskAction.reject, DeskAction.replan, DeskAction.hand_back,
        DeskAction.close, DeskAction.escalate, DeskAction.assign, DeskAction.note]
    assert available_actions(chargeback, Role.agent) == [DeskAction.edit, DeskAction.escalate, DeskAction.assign,
                                                         DeskAction.note]
    fraud = CaseView(status=S.escalated, owner="risk", waits_at="approval", assignee="lee")
    lead_can = available_actions(fraud, Role.lead, "lee")
    assert DeskAction.take not in lead_can  # already hers
    assert {DeskAction.approve, DeskAction.replan, DeskAction.hand_back, DeskAction.close} <= set(lead_can)
    assert available_actions(fraud, Role.qa) == []


def test_a_blocked_plan_can_be_edited_by_anyone_but_approved_by_no_one():
    blocked = CaseView(status=S.awaiting_approval, waits_at="approval", blocked=True, required_role=Role.lead)
    for role in (Role.agent, Role.lead, Role.admin):
        assert DeskAction.approve not in available_actions(blocked, role)
        assert DeskAction.edit in available_actions(blocked, role)
    open_plan = blocked.model_copy(update={"blocked": False})
    assert DeskAction.approve not in available_actions(open_plan, Role.agent)
    assert DeskAction.edit in available_actions(open_plan, Role.agent)
    assert DeskAction.approve in available_actions(open_plan, Role.lead)


def test_closed_and_routed_away_offer_nothing():
    for status in (S.closed, S.routed_away):
        assert available_actions(CaseView(status=status), Role.admin) == []
