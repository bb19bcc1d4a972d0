"""The weekly report over HTTP: data needs a key (QA's too), a malformed week is a 422 with its reason (a page on
the desk), and the desk page renders HTML tables and chart specs for the vendored chart library."""

from __future__ import annotations

from tests.api.test_cases_support import bearer, client, key_for


def test_weekly_report_over_http(database_url, conn):
    with client(database_url) as http:
        _check(http, conn)


def _check(http, conn) -> None:
    assert http.get("/reports/weekly").status_code == 401
    key = key_for(conn, "lead")
    bad = http.get("/reports/weekly?week=2026-47", headers=bearer(key))
    assert bad.status_code == 422 and "YYYY-Www" in bad.text
    data = http.get("/reports/weekly?week=2026-W47", headers=bearer(key))
    assert data.status_code == 200 and data.json()["week"] == "2026-W47"
    assert data.json()["closed"] == conn.execute(
        "SELECT count(*) AS n FROM root_causes WHERE closed_at >= '2026-11-16' AND closed_at < '2026-11-23'"
    ).fetchone()["n"]
    csv = http.get("/reports/weekly?week=2026-W47&format=csv", headers=bearer(key))
    assert csv.headers["content-type"].startswith("text/csv") and csv.text.startswith("week,section")
    qa = key_for(conn, "qa")
    assert http.get("/reports/weekly?week=2026-W47", headers=bearer(qa)).status_code == 200
    http.cookies.set("rdc_key", qa)
    page = http.get("/desk/reports/weekly?week=2026-W47")
    assert page.status_code == 200 and page.text.count('class="chart-spec"') == 4
    assert page.text.index("<h1>Weekly report 2026-W47 <small>2026-11-16 to 2026-11-23") < page.text.index("chart-spec")
    assert "<th class='num'>SLA attainment</th>" in page.text and "|---" not in page.text
    assert "/static/vendor/uplot/uPlot.iife.min.js" in page.text
    bogus = http.get("/desk/reports/weekly?week=bogus")
    assert bogus.status_code == 422 and bogus.headers["content-type"].startswith("text/html")
    assert "No such week" in bogus.text and "YYYY-Www" in bogus.text
