"""The eval runner on small datasets: exact metrics, the reports, and a planted regression the gate catches."""

from __future__ import annotations

import json
from pathlib import Path

from copilot.core.policy import Mode, load_policy
from copilot.core.settings import Settings
from evals import runner
from evals.golden_post import chargeback, concession_request, out_of_scope
from evals.golden_scenarios import change_request, payment_failure, threepl_exception
from evals.report import render_md, write_reports
from evals.schema import EvalCase


def _small() -> list[EvalCase]:
    raw = payment_failure(0).model_dump(mode="json")
    raw["id"] = "planted-wrong"
    raw["expect"] |= {"category": "fraud_hold", "approval": "auto", "actions": [{"tool": "release_hold"}]}
    wrong = EvalCase.model_validate(raw)
    return [chargeback(0), threepl_exception(0), payment_failure(0), out_of_scope(0), wrong]


async def test_small_dataset_yields_the_hand_computed_metrics(eval_url: str, tmp_path: Path) -> None:
    """Four cases the desk gets right and one whose expectation is planted wrong give exactly these scores."""
    cases = _small()
    results = await runner.run_cases(eval_url, cases, Settings())
    report = runner.finish(runner.build_report("small", results, "none", 1, runner.started_now()), None, tmp_path)
    m = report.metrics
    # Labels chargeback, 3pl, payment (tp 1, fp 1: F1 2/3), out_of_scope, fraud_hold (F1 0).
    assert m.n_cases == 5 and round(m.category_macro_f1, 4) == round((3 + 2 / 3) / 5, 4)
    assert (m.action_precision, m.action_recall) == (0.8, 0.8)  # 4 of 5 expected found, 4 of 5 proposed match
    assert m.approval_accuracy == 0.8 and m.pass_rate == 0.8
    assert (m.guardrail_violations, m.false_automations, m.llm_tokens_per_case) == (0, 0, 0.0)
    assert [r.id for r in results if not r.passed] == ["planted-wrong"]
    assert report.confusion["fraud_hold"] == {"payment_failure": 1}
    saved = json.loads((tmp_path / "report.json").read_text())
    assert set(saved["metrics"]) >= {"n_cases", "category_macro_f1", "disposition_accuracy", "priority_accuracy",
                                     "action_precision", "action_recall", "approval_accuracy",
                                     "guardrail_violations", "false_automations", "message_pass_rate",
                                     "latency_ms_p50", "latency_ms_p95", "llm_tokens_per_case"}
    html = (tmp_path / "report.html").read_text()
    assert "planted-wrong" in html and "category payment_failure != fraud_hold" in render_md(report)
    assert report.gate is not None and report.gate.passed


async def test_automation_rule_turned_off_fails_the_gate_naming_the_broken_cases(eval_url: str) -> None:
    """Plant a regression (rule 10 set to monitor): money moves without a human and the gate lists the cases."""
    cases = [payment_failure(0), change_request(0), concession_request(0), threepl_exception(0)]
    baseline = runner.build_report("base", await runner.run_cases(eval_url, cases, Settings()), "none", 1,
                                   runner.started_now())
    assert runner.gate(baseline, None).passed
    policy = load_policy(None)
    policy.automation.mode = Mode.monitor
    broken = await runner.run_cases(eval_url, cases, Settings(), policy=policy)
    report = runner.finish(runner.build_report("broken", broken, "none", 1, runner.started_now()), None, None)
    report.baseline_diff = runner.diff(report, baseline)
    verdict = runner.gate(report, baseline)
    assert not verdict.passed
    ran_alone = {"golden-payment-000", "golden-change-000", "golden-concession-000"}
    assert set(verdict.broken_cases) == ran_alone
    assert any("false automation" in f for f in verdict.failures)
    assert any(f.startswith("approval_accuracy fell") for f in verdict.failures)
    assert set(report.baseline_diff["newly_failing"]) == ran_alone


async def test_repeat_reports_pass_k(eval_url: str) -> None:
    """With --repeat 2 every case runs twice and pass^k counts cases that passed every time."""
    cases = [threepl_exception(1), _small()[-1]]
    results = await runner.run_cases(eval_url, cases, Settings(), repeat=2)
    report = runner.build_report("k", results, "none", 2, runner.started_now())
    assert len(results) == 4 and report.metrics.n_cases == 2 and report.metrics.pass_k == 0.5


def test_a_bad_dataset_line_is_one_clear_error(tmp_path: Path) -> None:
    import pytest

    from copilot.core.errors import InvalidInput

    path = tmp_path / "bad.jsonl"
    path.write_text(_small()[0].model_dump_json() + "\n" + '{"id": "x", "signals": []}\n')
    with pytest.raises(InvalidInput, match=r"bad.jsonl:2: not an eval case"):
        runner.load_dataset(path)
    with pytest.raises(InvalidInput, match="no suite 'nope'"):
        runner.suite_path("nope")
    write_reports  # noqa: B018 - imported for the report test above
