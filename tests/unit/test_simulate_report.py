"""A simulated week on the real engine and database; the weekly report's figures are recomputed here from
the raw rows (cases, case_events, tool_calls, sandbox orders) and must agree."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from decimal import Decimal

import psycopg
import pytest
from psycopg.rows import dict_row

from copilot.close.reports.render import render
from copilot.close.reports.weekly import parse_week, weekly
from copilot.core.settings import Settings
from copilot.workflow.simulate import SimConfig, simulate

START = datetime(2026, 11, 16, 6, 0, tzinfo=UTC)  # a Monday: the simulated week is ISO week 2026-W47
WEEK = "2026-W47"


@pytest.fixture(scope="module")
async def simulated(database_url: str) -> tuple[str, object, float]:
    began = time.perf_counter()
    result = await simulate(database_url, Settings(), SimConfig(days=7, per_day=12, start=START))
    return database_url, result, time.perf_counter() - began


async def _q(url: str, sql: str, *params: object) -> list[dict]:
    async with await psycopg.AsyncConnection.connect(url, autocommit=True, row_factory=dict_row) as conn:
        return await (await conn.execute(sql, params)).fetchall()


async def test_the_simulated_week_works_cases_end_to_end(simulated):
    url, result, seconds = simulated
    assert result.days == 7 and result.signals >= 7 * 12
    assert result.closed >= 20 and result.replies >= 5 and result.approvals >= 20
    assert seconds < 120, f"the simulated week took {seconds:.0f} s"
    failed = await _q(url, "SELECT count(*) AS n FROM case_jobs WHERE error IS NOT NULL AND done_at IS NOT NULL")
    assert failed[0]["n"] == 0


async def test_the_weekly_report_reconciles_with_the_raw_rows(simulated):
    url, _, _ = simulated
    start, end = parse_week(WEEK)
    async with await psycopg.AsyncConnection.connect(url, autocommit=True, row_factory=dict_row) as conn:
        report = await weekly(conn, WEEK)
    closed = await _q(url, "SELECT c.id, c.category, c.order_value, c.root_cause, o.status FROM cases c"
                      " JOIN LATERAL (SELECT closed_at FROM root_causes r WHERE r.case_id = c.id) r ON true"
                      " LEFT JOIN sandbox.orders o ON o.id = c.order_id"
                      " WHERE r.closed_at >= %s AND r.closed_at < %s", start, end)
    assert report.closed == len(closed) > 0
    # every closure is a closed case with a cause, and the causes add up
    assert sum(c.count for c in report.causes) == len(closed)
    assert all(c["root_cause"] for c in closed)
    # leakage from the tools' own results
    ids = [c["id"] for c in closed]
    money = (await _q(url, """SELECT
        coalesce(sum((result->>'amount')::numeric) FILTER (WHERE tool = 'refund_payment'), 0) AS refunds,
        coalesce(sum((result->>'cost')::numeric) FILTER (WHERE tool = 'reship_order'), 0) AS reships,
        coalesce(sum((result->>'amount')::numeric) FILTER (WHERE tool = 'issue_store_credit'), 0) AS credit,
        coalesce(sum((result->>'cost')::numeric) FILTER (WHERE tool IN ('intercept_shipment', 'reroute_shipment')),
                 0) AS fees
        FROM tool_calls WHERE status = 'done' AND case_id = ANY(%s)""", ids))[0]
    assert (report.leakage.refunds, report.leakage.reships) == (money["refunds"], money["reships"])
    assert (report.leakage.concessions, report.leakage.intercept_fees) == (money["credit"], money["fees"])
    assert sum(c.cost for c in report.causes) == report.leakage.total
    recovered = [c for c in closed if c["status"] in ("shipped", "delivered")
                 and c["category"] not in ("refund_request", "concession_request", "chargeback")]
    cancelled = [c for c in closed if c["status"] == "cancelled"]
    assert report.recovered.count == len(recovered) > 0
    assert report.recovered.value == sum((c["order_value"] for c in recovered), Decimal("0"))
    assert (report.cancelled.count, report.cancelled.value) == (len(cancelled), sum(
        (c["order_value"] for c in cancelled), Decimal("0")))
    chose = await _q(url, "SELECT DISTINCT case_id FROM case_events WHERE kind = 'customer_replied'"
                     " AND data->>'choice' <> 'cancel'")
    prevented = [c for c in closed if c["id"] in {r["case_id"] for r in chose} and c["status"] != "cancelled"]
    assert report.prevented.count == len(prevented)


async def test_sla_attainment_by_queue_matches_the_case_rows(simulated):
    url, _, _ = simulated
    start, end = parse_week(WEEK)
    async with await psycopg.AsyncConnection.connect(url, autocommit=True, row_factory=dict_row) as conn:
        report = await weekly(conn, WEEK)
    cases = await _q(url, "SELECT queue, first_touched_at, first_touch_due, created_at FROM cases"
                     " WHERE created_at >= %s AND created_at < %s AND queue <> 'routed_away'", start, end)
    assert report.opened == len(cases) > 0
    for q in report.queues:
        mine = [c for c in cases if c["queue"] == q.queue]
        met = [c for c in mine if c["first_touched_at"] and c["first_touched_at"] <= c["first_touch_due"]]
        assert (q.cases, q.first_touch_met) == (len(mine), len(met)), q.queue


async def test_every_format_renders_the_same_figures(simulated):
    url, _, _ = simulated
    async with await psycopg.AsyncConnection.connect(url, autocommit=True, row_factory=dict_row) as conn:
        report = await weekly(conn, WEEK)
    md, csv, html = (render(report, f) for f in ("md", "csv", "html"))
    assert f"| recovered (shipped or delivered after a case) | {report.recovered.count} |" in md
    assert f"{WEEK},money,recovered,,{report.recovered.count},{report.recovered.value}" in csv
    assert html.count("<svg") == 4 and "Repeat causes" in html
    top = report.causes[0]
    assert f"{WEEK},cause,{top.cause},{top.detail or ''},{top.count},{top.cost}" in csv


async def test_simulated_timelines_hold_only_simulated_times_in_order(simulated):
    url, result, _ = simulated
    outside = await _q(url, "SELECT count(*) AS n FROM case_events WHERE at < %s OR at > %s", START, result.end)
    assert outside[0]["n"] == 0
    backwards = await _q(url, """SELECT count(*) AS n FROM (SELECT at < lag(at) OVER (PARTITION BY case_id ORDER BY id)
        AS back FROM case_events) e WHERE back""")
    assert backwards[0]["n"] == 0
    assert (await _q(url, "SELECT count(*) AS n FROM desk_clock"))[0]["n"] == 0  # the live clock is back
