"""The web desk's pages over HTTP: sign-in cookie, queue with badges, case page, form decisions, charts."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta

from api.desk_text import title
from tests.api.test_cases_support import REFUND_NEEDS_LEAD, client, insert_case, insert_plan, key_for, unique


def _signed_in(api, conn, role: str) -> None:
    response = api.post("/desk/login", data={"key": key_for(conn, role), "next": "/desk"}, follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == "/desk"
    assert "httponly" in response.headers["set-cookie"].lower()


def test_desk_redirects_to_sign_in_and_refuses_a_wrong_key(database_url, conn):
    with client(database_url) as api:
        anonymous = api.get("/desk/cases/1", follow_redirects=False)
        wrong = api.post("/desk/login", data={"key": "rdc_wrong", "next": "/desk"})
        assert api.get("/static/htmx.min.js").text.startswith("var htmx=")
    assert anonymous.status_code == 303 and anonymous.headers["location"] == "/desk/login?next=/desk/cases/1"
    assert wrong.status_code == 401 and "unknown or revoked" in wrong.text


def test_queue_page_lists_cases_with_priority_and_sla_countdown_badges(database_url, conn):
    queue = unique("q")
    now = datetime.now(UTC)
    late = insert_case(conn, queue=queue, created=timedelta(hours=-5), first_touch_in=-1.5, priority="P1", now=now)
    calm = insert_case(conn, queue=queue, first_touch_in=30, resolution_in=60, priority="P4", now=now)
    # Its cutoff passed 49 minutes ago while no SLA clock is at risk: overdue is red all the same (issue 16).
    cutoff = insert_case(conn, queue=queue, first_touch_in=30, resolution_in=60, deadline_in=-49 / 60, now=now)
    with client(database_url) as api:
        _signed_in(api, conn, "agent")
        page = api.get("/desk", params={"queue": queue}).text
    rows = re.findall(r'data-case-id="(\d+)"', page)
    assert rows == [str(late), str(cutoff), str(calm)]
    assert re.search(r'class="badge breached overdue"[^>]*>overdue 1h 30m<', page)
    assert re.search(r'class="badge breached overdue"[^>]*>overdue 0h 49m<', page)
    assert re.search(r'class="badge ok"[^>]*>1d 6h left<', page)
    assert 'class="badge prio P1"' in page and "/static/htmx.min.js" in page


def test_case_page_shows_plan_verdicts_draft_and_refuses_agent_approval_with_403(database_url, conn):
    case_id = insert_case(conn, queue=unique("q"))
    insert_plan(conn, case_id, 1, REFUND_NEEDS_LEAD, draft="Hi Ava, your refund is on its way.")
    with client(database_url) as api:
        _signed_in(api, conn, "agent")
        page = api.get(f"/desk/cases/{case_id}").text
        refused = api.post(f"/desk/cases/{case_id}/approve", data={"plan_version": "1"})
        stale = api.post(f"/desk/cases/{case_id}/reject", data={"plan_version": "7", "reason": "duplicate"})
        noted = api.post(f"/desk/cases/{case_id}/notes", data={"plan_version": "1", "body": "called her"})
    assert "refund 180.00 is above the agent limit 100.00" in page
    assert "Approval needs the <strong>lead</strong> role" in page
    # Written for agents: a summary in plain words, labels instead of identifiers, keys that do what they say.
    summary = re.search(r'<p class="summary" id="summary">(.*?)</p>', page, re.S).group(1)
    assert "refund payment of 180.00" in summary and "send the customer message" in summary
    assert "It needs a lead to approve because refund 180.00 is above the agent limit 100.00." in summary
    assert "refund_payment" not in page.split('<details class="raw">')[0].split("<textarea")[0]
    assert "<kbd>e</kbd> edit the draft, <kbd>Ctrl</kbd>+<kbd>Enter</kbd> save it" in page
    assert "drafted by the copilot (template)" in page
    assert "Hi Ava, your refund is on its way.</textarea>" in page
    assert refused.status_code == 403 and "needs a lead" in refused.text
    assert stale.status_code == 409 and "stale" in stale.text
    assert noted.status_code == 200 and "called her" in noted.text and "Added a note" in noted.text


def test_metrics_page_embeds_the_four_charts_for_the_vendored_chart_library(database_url, conn):
    queue = unique("q")
    touched = insert_case(conn, queue=queue, created=timedelta(hours=-2))
    conn.execute("UPDATE cases SET first_touched_at = created_at + interval '30 minutes' WHERE id = %s", (touched,))
    conn.execute("INSERT INTO queue_snapshots (at, queue, open, at_risk, breached) VALUES"
                 " (now() - interval '1 hour', %s, 4, 1, 0), (now() - interval '10 minutes', %s, 2, 0, 0)",
                 (queue, queue))
    with client(database_url) as api:
        _signed_in(api, conn, "qa")
        page = api.get("/desk/metrics").text
        library = api.get("/static/vendor/uplot/uPlot.iife.min.js")
        licence = api.get("/static/vendor/uplot/LICENSE")
    assert library.status_code == 200 and "uPlot" in library.text[:2000] and "MIT" in licence.text
    specs = {s["id"]: s for s in (json.loads(m) for m in re.findall(
        r'<script type="application/json" class="chart-spec">(.*?)</script>', page, re.S))}
    assert set(specs) == {"sla", "first-touch", "queue-sizes", "automation"}
    assert (specs["sla"]["unit"], specs["sla"]["max"]) == ("% of cases", 100)
    assert specs["queue-sizes"]["x"] == "time" and len(specs["queue-sizes"]["times"]) >= 2
    mine = specs["sla"]["labels"].index(title(queue))  # the queue as its table row names it
    assert specs["sla"]["series"][1]["values"][mine] == 100.0  # first touch met for the touched case
    sizes = next(s for s in specs["queue-sizes"]["series"] if s["name"] == title(queue))
    assert [v for v in sizes["values"] if v] == [4.0, 2.0]


def test_queue_rows_refresh_by_htmx_returns_only_the_table_rows(database_url, conn):
    queue = unique("q")
    case_id = insert_case(conn, queue=queue)
    with client(database_url) as api:
        _signed_in(api, conn, "agent")
        rows = api.get("/desk", params={"rows": 1, "queue": queue}, headers={"HX-Request": "true"}).text
    assert rows.lstrip().startswith("<tr") and "<html" not in rows
    assert re.findall(r'data-case-id="(\d+)"', rows) == [str(case_id)]
