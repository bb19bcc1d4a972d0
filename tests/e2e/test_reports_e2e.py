"""Metrics and the weekly report in Chromium, as QA reads them: charts drawn by the vendored chart library with
axes, units and a legend, HTML tables, a link from the desk, and a clear page for a week that does not exist."""

from __future__ import annotations

import json

import pytest

from tests.e2e.conftest import shot
from tests.e2e.test_desk_e2e import sign_in

pytestmark = pytest.mark.e2e


def test_qa_reads_the_metrics_and_the_weekly_report(desk_url, page, key_of):
    sign_in(page, desk_url, key_of("qa", "e2e-qa"), then="/desk/metrics")
    page.wait_for_selector("#chart-sla .uplot")
    sla = page.locator("#chart-sla")
    spec = json.loads(sla.locator("xpath=following-sibling::script[@class='chart-spec']").inner_text())
    assert (spec["x_label"], spec["unit"], spec["max"]) == ("queue", "% of cases", 100)  # axes, unit, 0-100 %
    assert sla.locator("canvas").count() == 1
    assert "SLA attainment" in sla.locator(".u-legend").inner_text()
    assert "first touch met" in sla.locator(".u-legend").inner_text()
    assert page.locator("#queue-figures tbody tr").count() >= 3
    shot(page, "metrics")
    page.click("#nav-report")
    page.wait_for_url(f"{desk_url}/desk/reports/weekly")
    assert page.locator("#report-tables table.report thead th").count() >= 10
    assert "|---" not in page.locator("#report-tables").inner_text()
    page.wait_for_selector("#chart-report-sla .uplot, #chart-report-sla .empty")
    shot(page, "weekly-report")
    response = page.goto(f"{desk_url}/desk/reports/weekly?week=bogus")
    assert response is not None and response.status == 422
    assert "YYYY-Www" in page.locator("[role=alert]").inner_text()
    assert page.locator("h1").inner_text() == "No such week"
