"""One tagged resume from the API to the node: every variant survives the JSON trip a case_jobs row and a
checkpoint make, and rows queued before the union (untagged reply/recheck payloads, decisions dumped with every
request field) are read into their variant."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from pydantic import ValidationError

from copilot.cases.resume import Approve, Edit, Reject, Replan, Reply, Verify, dump_resume, parse_resume
from copilot.core.roles import Role

AT = datetime(2026, 11, 16, 15, 0, tzinfo=UTC)
VARIANTS = [
    Approve(plan_version=2, actor="lee", role=Role.lead, reason="checked AVS"),
    Edit(plan_version=2, actor="al", role=Role.agent, message="Hi Ana, which apartment number?"),
    Reject(plan_version=3, actor="al", role=Role.agent, reason="customer called and cancelled", close=True),
    Replan(plan_version=1, signal_id=9, reason="new 3PL exception", reread_ticket=False),
    Reply(signal_id=12, subject="Re: your order", text="Please split it", occurred_at=AT),
    Verify(at=AT),
]


@pytest.mark.parametrize("resume", VARIANTS, ids=lambda r: r.action)
def test_every_variant_survives_the_json_trip(resume):
    assert parse_resume(json.loads(json.dumps(dump_resume(resume)))) == resume


def test_payloads_queued_before_the_union_are_read_into_their_variant():
    assert parse_resume({"reply": {"signal_id": 5, "subject": "", "text": "wait", "occurred_at": AT.isoformat()}}) \
        == Reply(signal_id=5, text="wait", occurred_at=AT)
    assert parse_resume({"recheck": True, "at": AT.isoformat()}) == Verify(at=AT)
    old_approval = {"action": "approve", "plan_version": 4, "reason": None, "edits": [], "message": None,
                    "close": False, "actor": "dana", "role": "finance"}
    assert parse_resume(old_approval) == Approve(plan_version=4, actor="dana", role=Role.finance)


def test_a_decision_that_decides_nothing_is_refused():
    with pytest.raises(ValidationError, match="a rejection needs a reason"):
        Reject(plan_version=1, actor="al", role=Role.agent, reason="  ")
    with pytest.raises(ValidationError, match="an edit needs edited arguments or an edited message"):
        Edit(plan_version=1, actor="al", role=Role.agent)
    with pytest.raises(ValidationError):
        parse_resume({"action": "stale", "plan_version": 1})
