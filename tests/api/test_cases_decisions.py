"""Decisions through the desk API: role checks from verdicts, stale plan versions, assign/escalate/notes."""

from __future__ import annotations

from tests.api.test_cases_support import (
    REFUND_NEEDS_LEAD,
    ActionRow,
    VerdictRow,
    bearer,
    insert_case,
    insert_plan,
    key_for,
    unique,
)


def _case_needing_lead(conn) -> int:
    case_id = insert_case(conn, queue=unique("q"))
    insert_plan(conn, case_id, 1, REFUND_NEEDS_LEAD, draft="Hi Ava, your refund is on its way.")
    return case_id


def test_agent_approving_a_plan_reserved_for_a_lead_gets_403_and_nothing_changes(api, conn):
    case_id = _case_needing_lead(conn)
    response = api.post(f"/api/cases/{case_id}/approve", json={"plan_version": 1},
                        headers=bearer(key_for(conn, "agent")))
    assert response.status_code == 403
    assert "needs a lead" in response.json()["error"]["message"]
    assert conn.execute("SELECT status FROM cases WHERE id = %s", (case_id,)).fetchone()["status"] == "awaiting_approval"
    assert conn.execute("SELECT count(*) AS n FROM approvals WHERE case_id = %s", (case_id,)).fetchone()["n"] == 0


def test_lead_approval_is_recorded_moves_the_case_and_queues_the_resume(api, conn):
    case_id = _case_needing_lead(conn)
    key = key_for(conn, "lead", name="lena")
    response = api.post(f"/api/cases/{case_id}/approve", json={"plan_version": 1, "comment": "ok"},
                        headers=bearer(key))
    assert response.status_code == 200, response.text
    assert response.json()["status"] == "executing"
    approval = conn.execute("SELECT decision, actor, role FROM approvals WHERE case_id = %s", (case_id,)).fetchone()
    assert approval == {"decision": "approve", "actor": "lena", "role": "lead"}
    job = conn.execute("SELECT kind, payload->>'action' AS action FROM case_jobs WHERE case_id = %s"
                       " AND kind = 'resume'", (case_id,)).fetchone()
    assert job == {"kind": "resume", "action": "approve"}
    # The case left the approval queue.
    listed = api.get("/api/cases", params={"status": "awaiting_approval", "limit": 200}, headers=bearer(key))
    assert case_id not in [c["id"] for c in listed.json()["items"]]


def test_stale_plan_version_answers_409_for_every_decision(api, conn):
    case_id = _case_needing_lead(conn)
    conn.execute("UPDATE cases SET plan_version = 2 WHERE id = %s", (case_id,))
    key = bearer(key_for(conn, "admin"))
    for path, body in [("approve", {}), ("reject", {"reason": "not needed"}), ("edit", {"message": "Hi"}),
                       ("assign", {"assignee": "maria"}), ("escalate", {"reason": "risk owner"}),
                       ("notes", {"body": "called the customer"})]:
        response = api.post(f"/api/cases/{case_id}/{path}", json={"plan_version": 1, **body}, headers=key)
        assert response.status_code == 409, (path, response.text)
        assert "stale" in response.json()["error"]["message"]


def test_edit_of_the_draft_is_recorded_and_unknown_actions_are_refused(api, conn):
    case_id = _case_needing_lead(conn)
    key = bearer(key_for(conn, "lead"))
    unknown = api.post(f"/api/cases/{case_id}/edit", json={"plan_version": 1, "args": {"zz": {"amount": "1"}}},
                       headers=key)
    assert unknown.status_code == 422 and "no action zz" in unknown.json()["error"]["message"]
    edited = api.post(f"/api/cases/{case_id}/edit", json={"plan_version": 1, "message": "Hi Ava, shorter."},
                      headers=key)
    assert edited.status_code == 200, edited.text
    row = conn.execute("SELECT decision, edits->>'message' AS message FROM approvals WHERE case_id = %s",
                       (case_id,)).fetchone()
    assert row == {"decision": "edit", "message": "Hi Ava, shorter."}


def test_reject_needs_a_reason_and_qa_keys_cannot_decide(api, conn):
    case_id = insert_case(conn, queue=unique("q"))
    insert_plan(conn, case_id, 1, [ActionRow("a1", "send_customer_message", "CONTACT", {},
                                             [VerdictRow("message_rules", "allow", "fine")])])
    qa = api.post(f"/api/cases/{case_id}/reject", json={"plan_version": 1, "reason": "wrong tone"},
                  headers=bearer(key_for(conn, "qa")))
    assert qa.status_code == 403
    agent = bearer(key_for(conn, "agent"))
    blank = api.post(f"/api/cases/{case_id}/reject", json={"plan_version": 1, "reason": ""}, headers=agent)
    assert blank.status_code == 422 and blank.json()["error"]["message"].startswith("reason")
    done = api.post(f"/api/cases/{case_id}/reject", json={"plan_version": 1, "reason": "wrong tone"}, headers=agent)
    assert (done.status_code, done.json()["status"]) == (200, "triaged")


def test_assign_escalate_and_notes_update_the_case_and_its_timeline(api, conn):
    case_id = insert_case(conn, queue=unique("q"), escalation_path=["ops_lead", {"owner": "finance"}])
    key = bearer(key_for(conn, "agent", name="sam"))
    assert api.post(f"/api/cases/{case_id}/assign", json={"plan_version": 1, "assignee": "maria"},
                    headers=key).status_code == 200
    owners = []
    for _ in range(3):
        response = api.post(f"/api/cases/{case_id}/escalate", json={"plan_version": 1, "reason": "needs a call"},
                            headers=key)
        assert response.status_code == 200, response.text
        owners.append(response.json()["detail"])
    assert owners == ["escalated to ops_lead (level 1)", "escalated to finance (level 2)",
                      "escalated to finance (level 3)"]
    assert api.post(f"/api/cases/{case_id}/notes", json={"plan_version": 1, "body": "prefers email"},
                    headers=key).status_code == 200
    detail = api.get(f"/api/cases/{case_id}", headers=key).json()
    assert (detail["case"]["assignee"], detail["case"]["owner"], detail["case"]["status"]) == (
        "maria", "finance", "escalated")
    assert [n["body"] for n in detail["notes"]] == ["prefers email"]
    kinds = [e["kind"] for e in detail["timeline"]]
    assert kinds.count("escalated") == 3 and kinds[0] == "assigned" and kinds[-1] == "note_added"
    assert all(e["actor"] == "sam" for e in detail["timeline"] if e["kind"] != "status_changed")
