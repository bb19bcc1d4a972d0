"""GET /metrics: a Prometheus text exposition whose samples match the database."""

from __future__ import annotations

import re
from datetime import timedelta

from tests.api.test_cases_support import client, insert_case, unique


def _samples(text: str) -> dict[str, float]:
    found = {}
    for line in text.splitlines():
        if line and not line.startswith("#"):
            name, value = line.rsplit(" ", 1)
            found[name] = float(value)
    return found


def test_metrics_exposition_counts_cases_breaches_approvals_and_automation(database_url, conn):
    queue = unique("q")
    for _ in range(3):
        insert_case(conn, queue=queue, status="triaged")
    breached = insert_case(conn, queue=queue, created=timedelta(hours=-6), first_touch_in=-2)
    conn.execute("UPDATE cases SET sla_breached_at = now() WHERE id = %s", (breached,))
    conn.execute("INSERT INTO approvals (case_id, plan_version, decision, actor, role) VALUES"
                 " (%s, 1, 'auto', 'copilot', 'agent')", (breached,))
    with client(database_url) as api:
        response = api.get("/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain; version=0.0.4")
    text = response.text
    # Every sample line is name{labels} value, and every family has HELP and TYPE.
    for line in text.splitlines():
        assert line.startswith("# HELP ") or line.startswith("# TYPE ") or re.fullmatch(
            r'[a-z_]+(\{([a-z_]+="[^"]*",?)+\})? [0-9.e+-]+', line), line
    samples = _samples(text)
    assert samples[f'copilot_cases{{queue="{queue}",status="triaged"}}'] == 3
    assert samples[f'copilot_sla_breaches_total{{queue="{queue}"}}'] == 1
    assert samples[f'copilot_sla_breached_open{{queue="{queue}"}}'] == 1
    totals = conn.execute("SELECT count(*) FILTER (WHERE decision = 'auto') AS auto FROM approvals").fetchone()
    assert samples['copilot_approvals_total{decision="auto",role="agent"}'] == totals["auto"]
    assert 0 < samples["copilot_automation_rate"] <= 1
