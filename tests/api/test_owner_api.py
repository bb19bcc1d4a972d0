"""The case API tells each caller what it may do now, and the owner's actions answer as they say."""

from __future__ import annotations

from tests.api.test_cases_support import (
    REFUND_NEEDS_LEAD,
    bearer,
    insert_case,
    insert_plan,
    key_for,
    unique,
)


def _case(conn) -> int:
    case_id = insert_case(conn, queue=unique("q"), escalation_path=["risk", "finance"])
    insert_plan(conn, case_id, 1, REFUND_NEEDS_LEAD, draft="Hi Ava, your refund is on its way.")
    return case_id


def test_an_agent_saves_an_edit_on_a_plan_only_a_lead_may_approve(api, conn):
    case_id = _case(conn)
    agent = bearer(key_for(conn, "agent", name="al"))
    saved = api.post(f"/api/cases/{case_id}/edit", json={"plan_version": 1, "message": "Hi Ava, the refund is on"
                                                         " its way to your card."}, headers=agent)
    assert saved.status_code == 200, saved.text
    assert api.post(f"/api/cases/{case_id}/approve", json={"plan_version": 1}, headers=agent).status_code == 403


def test_available_actions_follow_the_status_and_the_callers_role(api, conn):
    case_id = _case(conn)
    listed = {role: api.get(f"/api/cases/{case_id}", headers=bearer(key_for(conn, role))).json()["available_actions"]
              for role in ("agent", "lead", "qa")}
    assert listed["agent"] == ["edit", "reject", "escalate", "assign", "note"]
    assert listed["lead"] == ["approve", "edit", "reject", "close", "escalate", "assign", "note"]
    assert listed["qa"] == []


def test_an_escalated_case_is_taken_handed_back_and_closed_by_its_owner(api, conn):
    case_id = _case(conn)
    agent, lead = bearer(key_for(conn, "agent", name="al")), bearer(key_for(conn, "lead", name="lee"))
    assert api.post(f"/api/cases/{case_id}/escalate", json={"plan_version": 1, "reason": "customer is a reseller"},
                    headers=agent).status_code == 200
    detail = api.get(f"/api/cases/{case_id}", headers=lead).json()
    assert detail["escalation"]["owner"] == "risk" and detail["escalation"]["reason"] == "customer is a reseller"
    assert detail["waits_at"] == "approval"
    assert detail["available_actions"][:2] == ["take", "approve"]
    refused = api.post(f"/api/cases/{case_id}/take", json={"plan_version": 1}, headers=agent)
    assert refused.status_code == 403 and "needs lead" in refused.json()["error"]["message"]
    taken = api.post(f"/api/cases/{case_id}/take", json={"plan_version": 1}, headers=lead)
    assert taken.status_code == 200 and taken.json()["detail"] == "taken by lee"
    back = api.post(f"/api/cases/{case_id}/hand-back", json={"plan_version": 1, "note": "risk is fine with it"},
                    headers=lead)
    assert (back.status_code, back.json()["status"]) == (200, "awaiting_approval")
    case = api.get(f"/api/cases/{case_id}", headers=lead).json()["case"]
    assert (case["owner"], case["assignee"]) == ("recovery_desk", None)
    bad = api.post(f"/api/cases/{case_id}/close", json={"plan_version": 1, "outcome": "solved", "reason": "done"},
                   headers=lead)
    assert bad.status_code == 422 and "outcome" in bad.json()["error"]["message"]
    assert api.post(f"/api/cases/{case_id}/close", json={"plan_version": 1, "outcome": "refunded", "reason": "paid"},
                    headers=agent).status_code == 403
    closed = api.post(f"/api/cases/{case_id}/close", json={"plan_version": 1, "outcome": "refunded",
                                                           "reason": "refunded by phone"}, headers=lead)
    assert (closed.status_code, closed.json()["status"]) == (200, "closed")
    row = conn.execute("SELECT status, close_reason FROM cases WHERE id = %s", (case_id,)).fetchone()
    assert row["status"] == "closed" and row["close_reason"].startswith("refunded: refunded by phone (closed by lee")
    again = api.post(f"/api/cases/{case_id}/close", json={"plan_version": 1, "outcome": "refunded",
                                                          "reason": "twice"}, headers=lead)
    assert again.status_code == 409 and "closed" in again.json()["error"]["message"]
