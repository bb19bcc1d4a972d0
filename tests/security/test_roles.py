"""Who may act: every mutating route, enumerated from the app itself, refuses a caller without a valid key
(401) and a QA key (403) without changing anything; an agent cannot approve a plan a verdict reserves for a
lead, and the lead can."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

from api.app import create_app
from copilot.core.settings import Settings
from tests.security.conftest import bearer

MUTATING = {"POST", "PUT", "PATCH", "DELETE"}
# The doors that authenticate the sender some other way (signatures, the intake key, the login form itself).
OWN_AUTH = re.compile(r"^/(webhooks|intake)/|^/desk/(login|logout)$")


def _paths(routes: list, found: list[tuple[str, str]]) -> list[tuple[str, str]]:
    for route in routes:
        inner = getattr(route, "original_router", None)
        if inner is not None:  # FastAPI >= 0.165 wraps included routers
            _paths(inner.routes, found)
        for method in getattr(route, "methods", None) or ():
            found.append((method, route.path))
    return found


def mutating_routes(app) -> list[tuple[str, str]]:
    return sorted({(m, p) for m, p in _paths(app.routes, []) if m in MUTATING and not OWN_AUTH.search(p)})


def _example(app, method: str, path: str) -> dict:
    """The body the OpenAPI document gives as an example, so a refusal is about the caller, not the body."""
    op = app.openapi()["paths"].get(path, {}).get(method.lower(), {})
    schema = op.get("requestBody", {}).get("content", {}).get("application/json", {}).get("schema", {})
    ref = schema.get("$ref", "").rsplit("/", 1)[-1]
    examples = app.openapi()["components"]["schemas"].get(ref, {}).get("examples") or [{}]
    return examples[0]


def _audit(conn) -> tuple[int, ...]:
    row = conn.execute("SELECT (SELECT count(*) FROM approvals) a, (SELECT count(*) FROM case_events) e,"
                       " (SELECT count(*) FROM case_notes) n, (SELECT count(*) FROM case_jobs) j,"
                       " (SELECT count(*) FILTER (WHERE assignee IS NOT NULL) FROM cases) s").fetchone()
    return tuple(row.values())


def _awaiting(conn, needs: str | None) -> dict:
    required = ("AND EXISTS" if needs else "AND NOT EXISTS") + (
        " (SELECT 1 FROM guardrail_verdicts v WHERE v.case_id = c.id AND v.plan_version = c.plan_version"
        " AND v.outcome = 'needs_approval' AND v.mode = 'active'" + (" AND v.role = %(role)s)" if needs else
                                                                     " AND v.role IN ('lead', 'finance', 'admin'))"))
    row = conn.execute("SELECT c.id, c.plan_version FROM cases c WHERE c.status = 'awaiting_approval' "
                       + required + " ORDER BY c.id LIMIT 1", {"role": needs}).fetchone()
    assert row, f"the seeded desk has no case awaiting approval that needs {needs or 'only an agent'}"
    return row


def _call(client: TestClient, app, method: str, path: str, case_id: int, plan_version: int, **headers: str):
    url = path.replace("{case_id}", str(case_id))
    if path.startswith("/desk/"):
        return client.request(method, url, data={"plan_version": str(plan_version), "reason": "because reasons",
                                                 "body": "a note", "message": "Hi"},
                              headers=headers, follow_redirects=False)
    body = _example(app, method, path) | {"plan_version": plan_version}
    return client.request(method, url, json=body, headers=headers)


def test_the_enumeration_finds_every_decision_route(desk):
    app = create_app(desk.url, Settings(worker_on_start=False))
    found = {p for _, p in mutating_routes(app)}
    for verb in ("approve", "edit", "reject", "assign", "escalate", "notes"):
        assert f"/api/cases/{{case_id}}/{verb}" in found
    assert {"/desk/cases/{case_id}/approve", "/desk/cases/{case_id}/reject"} <= found


def test_every_mutating_route_refuses_no_key_a_bogus_key_and_a_malformed_header(desk, conn):
    app = create_app(desk.url, Settings(worker_on_start=False))
    case = _awaiting(conn, None)
    before = _audit(conn)
    with TestClient(app) as client:
        for method, path in mutating_routes(app):
            for headers in ({}, bearer("rdc_" + "x" * 43), {"Authorization": "Basic YWRtaW46YWRtaW4="},
                            {"Cookie": "rdc_key=rdc_forged"}):
                answer = _call(client, app, method, path, case["id"], case["plan_version"], **headers)
                if path.startswith("/desk/"):
                    assert answer.status_code in (303, 401), (method, path, headers, answer.status_code)
                    if answer.status_code == 303:
                        assert answer.headers["location"].startswith("/desk/login")
                else:
                    assert answer.status_code == 401, (method, path, headers, answer.text)
                    assert answer.json()["error"]["code"] == "unauthorized"
    assert _audit(conn) == before


def test_qa_reads_but_every_mutating_route_answers_403(desk, conn):
    app = create_app(desk.url, Settings(worker_on_start=False))
    case = _awaiting(conn, None)
    qa = bearer(desk.keys["qa"])
    before = _audit(conn)
    with TestClient(app) as client:
        assert client.get("/api/cases", headers=qa).status_code == 200
        assert client.get(f"/api/cases/{case['id']}", headers=qa).status_code == 200
        for method, path in mutating_routes(app):
            headers = {"Cookie": f"rdc_key={desk.keys['qa']}"} if path.startswith("/desk/") else qa
            answer = _call(client, app, method, path, case["id"], case["plan_version"], **headers)
            assert answer.status_code == 403, (method, path, answer.status_code, answer.text[:300])
    assert _audit(conn) == before


def test_an_agent_cannot_approve_a_plan_reserved_for_a_lead_and_the_lead_can(desk, conn):
    case = _awaiting(conn, "lead")
    body = {"plan_version": case["plan_version"]}
    with TestClient(create_app(desk.url, Settings(worker_on_start=False))) as client:
        refused = client.post(f"/api/cases/{case['id']}/approve", json=body, headers=bearer(desk.keys["agent"]))
        assert refused.status_code == 403
        assert "needs a lead" in refused.json()["error"]["message"]
        assert conn.execute("SELECT count(*) AS n FROM approvals WHERE case_id = %s AND decision = 'approve'",
                            (case["id"],)).fetchone()["n"] == 0
        done = client.post(f"/api/cases/{case['id']}/approve", json=body, headers=bearer(desk.keys["lead"]))
        assert done.status_code == 200, done.text
    row = conn.execute("SELECT actor, role FROM approvals WHERE case_id = %s AND decision = 'approve'",
                       (case["id"],)).fetchone()
    assert row == {"actor": "sec-lead", "role": "lead"}
    status = conn.execute("SELECT status FROM cases WHERE id = %s", (case["id"],)).fetchone()["status"]
    assert status == "executing"


def test_an_agent_may_approve_a_plan_that_needs_only_an_agent(desk, conn):
    case = _awaiting(conn, None)
    with TestClient(create_app(desk.url, Settings(worker_on_start=False))) as client:
        done = client.post(f"/api/cases/{case['id']}/approve", json={"plan_version": case["plan_version"]},
                           headers=bearer(desk.keys["agent"]))
    assert done.status_code == 200, done.text
    assert done.json()["status"] == "executing"
