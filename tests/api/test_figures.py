"""One definition of each figure: /desk/metrics, the weekly report and /metrics give the same SLA attainment and
first-touch figures for the same cases (they used to say 100% and 0% of one desk)."""

from __future__ import annotations

from datetime import timedelta

import psycopg
import pytest
from psycopg.rows import dict_row

from api.desk_text import title
from copilot.close.reports.weekly import week_of, weekly
from tests.api.test_cases_support import NOW, bearer, client, insert_case, key_for, unique
from tests.api.test_metrics import _samples


def _cases(conn, queue: str) -> None:
    created = timedelta(minutes=-40)
    on_time = insert_case(conn, queue=queue, created=created, first_touch_in=1)
    conn.execute("UPDATE cases SET first_touched_at = %s WHERE id = %s", (NOW - timedelta(minutes=30), on_time))
    insert_case(conn, queue=queue, created=created, first_touch_in=-0.1)  # due 6 minutes ago, untouched
    late = insert_case(conn, queue=queue, created=created, first_touch_in=-0.5)
    conn.execute("UPDATE cases SET first_touched_at = %s, sla_breached_at = %s WHERE id = %s",
                 (NOW - timedelta(minutes=5), NOW - timedelta(minutes=30), late))
    insert_case(conn, queue=queue, created=created, first_touch_in=2)  # not due yet, untouched


async def _weekly_row(url: str, queue: str):
    async with await psycopg.AsyncConnection.connect(url, autocommit=True, row_factory=dict_row) as conn:
        report = await weekly(conn, week_of(NOW - timedelta(minutes=40)), NOW)
    return next(q for q in report.queues if q.queue == queue)


async def test_desk_metrics_weekly_report_and_prometheus_share_each_figure(database_url, conn):
    queue = unique("figures")
    _cases(conn, queue)
    row = await _weekly_row(database_url, queue)
    assert (row.cases, row.sla_met, row.first_touch_met, row.first_touch_decided) == (4, 2, 1, 3)
    with client(database_url) as http:
        samples = _samples(http.get("/metrics").text)
        http.cookies.set("rdc_key", key_for(conn, "qa"))
        page = http.get("/desk/metrics").text
        report = http.get(f"/reports/weekly?week={week_of(NOW - timedelta(minutes=40))}",
                          headers=bearer(key_for(conn, "qa")))
    assert samples[f'copilot_sla_attainment{{queue="{queue}"}}'] == row.sla_attainment == 0.5
    assert row.first_touch_rate == 1 / 3
    assert samples[f'copilot_first_touch_met_ratio{{queue="{queue}"}}'] == pytest.approx(1 / 3, abs=1e-6)  # %g
    line = next(r for r in page.split("<tr>") if f"<td>{title(queue)}</td>" in r)
    assert '<td class="num">4</td><td class="num">50%</td><td class="num">33%</td>' in line
    assert report.status_code == 200  # QA reads the report
    shared = next(q for q in report.json()["queues"] if q["queue"] == queue)
    assert (shared["sla_met"], shared["first_touch_met"]) == (2, 1)
