"""The desk API on a real database: listing order and keyset pages, filters, detail, and clear 4xx errors."""

from __future__ import annotations

from tests.api.test_cases_support import (
    REFUND_NEEDS_LEAD,
    bearer,
    insert_case,
    insert_plan,
    key_for,
    unique,
)
from tools.connectors.sandbox.generator import generate_world
from tools.connectors.sandbox.store import write_world


def test_listing_is_sorted_by_nearest_deadline_and_pages_by_keyset_cursor(api, conn):
    queue = unique("q")
    # Nearest deadline of each: the min of the irreversible point, resolution, and untouched first touch.
    due_in = {insert_case(conn, queue=queue, first_touch_in=ft, resolution_in=48, deadline_in=dl): expect
              for ft, dl, expect in [(10, None, 10), (3, None, 3), (20, 1.5, 1.5), (30, None, 30), (5, 7, 5)]}
    no_clock = insert_case(conn, queue=queue, first_touch_in=None, resolution_in=None)
    key = key_for(conn, "agent")
    seen, cursor = [], None
    for _ in range(10):
        params = {"queue": queue, "limit": 2} | ({"cursor": cursor} if cursor else {})
        page = api.get("/api/cases", params=params, headers=bearer(key)).json()
        seen += [item["id"] for item in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == sorted(due_in, key=due_in.get) + [no_clock]


def test_filters_by_sla_state_priority_and_assignee(api, conn):
    queue = unique("q")
    ok = insert_case(conn, queue=queue, first_touch_in=6, priority="P3", assignee="maria")
    # 75% of a 4-hour first-touch budget (created 3.5h ago, due in 0.5h) is at risk.
    at_risk = insert_case(conn, queue=queue, created=_hours(-3.5), first_touch_in=0.5, priority="P1")
    breached = insert_case(conn, queue=queue, created=_hours(-5), first_touch_in=-1, priority="P1")
    key = key_for(conn, "lead")

    def ids(**params: str) -> list[int]:
        response = api.get("/api/cases", params={"queue": queue, **params}, headers=bearer(key))
        assert response.status_code == 200, response.text
        return [c["id"] for c in response.json()["items"]]

    assert ids(sla_state="ok") == [ok]
    assert ids(sla_state="at_risk") == [at_risk]
    assert ids(sla_state="breached") == [breached]
    assert ids(priority="P1") == [breached, at_risk]
    assert ids(assignee="maria") == [ok]
    states = {c["id"]: c["sla_state"] for c in api.get("/api/cases", params={"queue": queue},
                                                       headers=bearer(key)).json()["items"]}
    assert states == {ok: "ok", at_risk: "at_risk", breached: "breached"}


def test_detail_carries_order_snapshot_plan_verdicts_draft_and_timeline(api, conn):
    world = generate_world(seed=5, n_orders=40, n_customers=15, n_exceptions=6)
    write_world(conn, world)
    order = world.orders[0]
    case_id = insert_case(conn, queue=unique("q"), order_id=order.id)
    insert_plan(conn, case_id, 1, REFUND_NEEDS_LEAD, draft="Hi Ava, your refund of $180.00 is on its way.")
    conn.execute("INSERT INTO case_events (case_id, actor, kind, data) VALUES (%s, 'graph', 'planned', '{}')",
                 (case_id,))
    body = api.get(f"/api/cases/{case_id}", headers=bearer(key_for(conn, "qa"))).json()
    assert body["case"]["id"] == case_id
    assert body["order"]["order"]["id"] == order.id
    assert body["order"]["order"]["total"] == float(order.total)
    assert [line["sku"] for line in body["order"]["lines"]] == [line.sku for line in order.lines]
    assert "payment_methods" not in body["order"]["customer"]
    refund = body["plan"]["actions"][0]
    assert (refund["tool"], refund["outcome"]) == ("refund_payment", "needs_approval")
    assert refund["verdicts"][0]["reason"] == "refund 180.00 is above the agent limit 100.00"
    assert body["plan"]["required_role"] == "lead"
    assert body["draft"]["body"].startswith("Hi Ava")
    assert [e["kind"] for e in body["timeline"]] == ["planned"]
    assert body["facts"] == {"decline_code": "insufficient_funds"}


def test_requests_without_a_valid_key_answer_401_with_a_reason(api, conn):
    assert api.get("/api/cases").json()["error"]["message"].startswith("an API key is required")
    wrong = api.get("/api/cases", headers=bearer("rdc_not-a-real-key"))
    assert (wrong.status_code, wrong.json()["error"]["code"]) == (401, "unauthorized")
    basic = api.get("/api/cases", headers={"Authorization": "Basic abc"})
    assert basic.status_code == 401 and "Bearer" in basic.json()["error"]["message"]


def test_unknown_case_malformed_filters_and_bodies_answer_4xx_never_500(api, conn):
    key = bearer(key_for(conn, "agent"))
    case_id = insert_case(conn, queue=unique("q"))
    cases = [
        (api.get("/api/cases/999999999", headers=key), 404, "case 999999999 does not exist"),
        (api.get("/api/cases", params={"category": "weather"}, headers=key), 422, "category"),
        (api.get("/api/cases", params={"cursor": "%%%garbage"}, headers=key), 422, "cursor"),
        (api.get("/api/cases", params={"limit": 0}, headers=key), 422, "limit"),
        (api.get("/api/cases/abc", headers=key), 422, "case_id"),
        (api.post(f"/api/cases/{case_id}/reject", json={"plan_version": 1}, headers=key), 422, "reason"),
        (api.post(f"/api/cases/{case_id}/notes", json={"plan_version": 1, "body": "x", "extra": 1},
                  headers=key), 422, "extra"),
        (api.post(f"/api/cases/{case_id}/assign", content=b"{not json",
                  headers=key | {"Content-Type": "application/json"}), 422, "not valid JSON"),
        (api.post("/api/cases/999999999/notes", json={"plan_version": 1, "body": "x"}, headers=key), 404,
         "does not exist"),
    ]
    for response, status, words in cases:
        assert response.status_code == status, (response.request.url, response.text)
        assert words in response.json()["error"]["message"]


def test_openapi_documents_the_desk_api_with_examples(api):
    spec = api.get("/openapi.json").json()
    assert {"/api/cases", "/api/cases/{case_id}", "/api/cases/{case_id}/approve", "/api/queues",
            "/metrics"} <= set(spec["paths"])
    reject = spec["components"]["schemas"]["RejectRequest"]
    assert reject["examples"][0]["reason"] and reject["additionalProperties"] is False
    assert "409" in spec["paths"]["/api/cases/{case_id}/approve"]["post"]["responses"]


def _hours(h: float):
    from datetime import timedelta

    return timedelta(hours=h)
