"""Bad input a hostile tester sent to the desk and its API, each answered with a clear 4xx in the API's one
error shape (it was a 500 for NUL characters and for a week past the calendar's end, and framework errors came
back as {"detail": ...})."""

from __future__ import annotations

from tests.api.test_cases_support import REFUND_NEEDS_LEAD, bearer, insert_case, insert_plan, key_for, unique


def _case(conn) -> int:
    case_id = insert_case(conn, queue=unique("q"))
    insert_plan(conn, case_id, 1, REFUND_NEEDS_LEAD, draft="Hi Ava, your refund is on its way.")
    return case_id


def test_a_nul_character_in_a_decision_or_a_filter_is_a_422_and_nothing_is_written(api, conn):
    case_id, lead = _case(conn), bearer(key_for(conn, "lead"))
    for path, body in [("notes", {"body": "called\u0000her"}), ("escalate", {"reason": "risk\u0000owner"}),
                       ("edit", {"args": {"a1": {"amount\u0000": "5.00"}}})]:
        answer = api.post(f"/api/cases/{case_id}/{path}", json={"plan_version": 1, **body}, headers=lead)
        assert answer.status_code == 422, (path, answer.text)
        assert "NUL" in answer.json()["error"]["message"]
    for query in ("queue=a%00b", "assignee=%00"):
        listed = api.get(f"/api/cases?{query}", headers=lead)
        assert listed.status_code == 422 and "NUL" in listed.json()["error"]["message"], query
    page = api.post(f"/desk/cases/{case_id}/notes", content=b"plan_version=1&body=x%00y", headers=lead
                    | {"content-type": "application/x-www-form-urlencoded"})
    assert page.status_code == 422 and "NUL" in page.text and "<html" in page.text
    notes = conn.execute("SELECT count(*) AS n FROM case_notes WHERE case_id = %s", (case_id,)).fetchone()["n"]
    status = conn.execute("SELECT status FROM cases WHERE id = %s", (case_id,)).fetchone()["status"]
    assert (notes, status) == (0, "awaiting_approval")


def test_bad_input_on_a_desk_page_answers_the_desk_error_page_and_the_api_keeps_its_json(api, conn):
    """A NUL in a desk page's query string was a JSON 422 a browser showed raw; the desk answers its HTML error
    page (before any route or sign-in runs), while the same filter on the API stays in the JSON error shape."""
    case_id, lead = _case(conn), bearer(key_for(conn, "lead"))
    for url in ("/desk?queue=a%00b", f"/desk/cases/{case_id}?queue=%00", "/desk/reports/weekly?week=2026-W1%00"):
        page = api.get(url, headers=lead)
        assert page.status_code == 422, (url, page.text[:200])
        assert page.headers["content-type"].startswith("text/html") and "<html" in page.text
        assert "may not contain NUL (%00) characters" in page.text and "Back to the queue" in page.text
    signed_out = api.get("/desk?assignee=%00", follow_redirects=False)
    assert signed_out.status_code == 422 and "<html" in signed_out.text
    listed = api.get("/api/cases?queue=a%00b", headers=lead)
    assert listed.status_code == 422 and listed.headers["content-type"] == "application/json"
    assert listed.json()["error"] == {"code": "invalid_input",
                                      "message": "query parameters may not contain NUL (%00) characters"}
    not_a_number = api.get("/desk/cases/abc", headers=lead)
    assert not_a_number.status_code == 422 and "<html" in not_a_number.text and "case_id" in not_a_number.text
    assert api.get("/api/cases/abc", headers=lead).json()["error"]["code"] == "invalid_input"
    nowhere = api.get("/desk/no-such-page", headers=lead)
    assert nowhere.status_code == 404 and "No such page" in nowhere.text


def test_a_week_past_the_calendars_end_is_a_422(api, conn):
    qa = bearer(key_for(conn, "qa"))
    data = api.get("/reports/weekly", params={"week": "9999-W52"}, headers=qa)
    assert data.status_code == 422 and "9999-W52" in data.json()["error"]["message"]
    page = api.get("/desk/reports/weekly", params={"week": "9999-W52"}, headers=qa)
    assert page.status_code == 422 and "No such week" in page.text


def test_framework_errors_answer_in_the_one_error_shape(api, conn):
    lead = bearer(key_for(conn, "lead"))
    case_id = _case(conn)
    broken = api.post(f"/api/cases/{case_id}/approve", content=b"{bad", headers=lead
                      | {"content-type": "application/json"})
    assert broken.status_code == 422
    assert broken.json()["error"]["message"].startswith("body: not valid JSON (") and "character 1" in \
        broken.json()["error"]["message"]
    deep = b"[" * 200_000 + b"]" * 200_000  # under the body cap, deeper than the parser recurses
    answer = api.post(f"/api/cases/{case_id}/edit", content=deep, headers=lead | {"content-type": "application/json"})
    assert answer.status_code == 400 and answer.json()["error"]["code"] == "bad_request"
    missing = api.get("/api/no-such-thing")
    assert missing.status_code == 404 and missing.json() == {"error": {"code": "not_found", "message": "Not Found"}}
    signed_out = api.get("/desk", follow_redirects=False)
    assert signed_out.status_code == 303 and signed_out.headers["location"].startswith("/desk/login")
