"""CI runs golden and adversarial with the gates against the committed baselines."""

from __future__ import annotations

import pytest

from copilot.core.settings import Settings
from evals import runner


@pytest.mark.parametrize("suite", ["golden", "adversarial"])
async def test_suite_holds_its_baseline_and_adds_no_gate_failure(eval_url: str, suite: str) -> None:
    """No rate falls beyond the tolerance, and no case breaks a gate that the baseline did not already list.

    The zero-violation / zero-false-automation gate is absolute on the CLI (`--gate`); here a gate failure the
    committed baseline already records (a known bug, listed in evals/README.md) does not hide a new one."""
    cases = runner.load_dataset(runner.suite_path(suite))
    baseline = runner.load_baseline(runner.BASELINES / f"{suite}.json")
    results = await runner.run_cases(eval_url, cases, Settings())
    report = runner.build_report(suite, results, "none", 1, runner.started_now())
    verdict = runner.gate(report, baseline)
    known = set(baseline.gate.broken_cases) if baseline.gate else set()
    regressions = [f for f in verdict.failures if " fell from " in f]
    assert regressions == [], regressions
    assert set(verdict.broken_cases) <= known, sorted(set(verdict.broken_cases) - known)
    assert report.metrics.n_cases == baseline.metrics.n_cases
