"""Run a dataset through the service's graph, score it, compare it with a baseline and apply the gates."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import httpx
from pydantic import ValidationError

from copilot.core import db
from copilot.core.errors import ConfigError, InvalidInput
from copilot.core.policy import Policy, load_policy
from copilot.core.settings import Settings
from copilot.llm import LLMConfig
from copilot.workflow.engine import open_engine
from evals.evaluators import confusion, metrics, score_case
from evals.play import Clock, play
from evals.schema import CaseResult, EvalCase, GateResult, Metrics, Report

DATASETS = Path(__file__).with_name("datasets")
BASELINES = Path(__file__).with_name("baselines")
EVAL_DATABASE = "copilot_eval"
# Rates may move this much against the baseline before the gate calls it a regression.
TOLERANCE = 0.02
LLM_ERROR_LIMIT = 0.5  # an LLM run whose calls mostly failed is not a run of the model
RATES = ("category_macro_f1", "disposition_accuracy", "priority_accuracy", "action_precision", "action_recall",
         "approval_accuracy", "message_pass_rate", "claims_supported", "pass_rate")


def suite_path(name: str) -> Path:
    path = DATASETS / f"{name}.jsonl"
    if not path.is_file():
        known = sorted(p.stem for p in DATASETS.glob("*.jsonl") if p.stem != "tickets")
        raise InvalidInput(f"no suite {name!r}; known suites: {', '.join(known)}")
    return path


def load_dataset(path: Path) -> list[EvalCase]:
    try:
        lines = path.read_text().splitlines()
    except OSError as exc:
        raise InvalidInput(f"cannot read dataset {path}: {exc.strerror}") from exc
    cases, seen = [], set()
    for n, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            case = EvalCase.model_validate_json(line)
        except ValidationError as exc:
            err = exc.errors()[0]
            where = ".".join(str(p) for p in err["loc"])
            raise InvalidInput(f"{path}:{n}: not an eval case: {where}: {err['msg']}") from exc
        if case.id in seen:
            raise InvalidInput(f"{path}:{n}: case id {case.id!r} repeats")
        seen.add(case.id)
        cases.append(case)
    if not cases:
        raise InvalidInput(f"{path} holds no eval cases")
    return cases


def eval_database(settings: Settings) -> str:
    """A database of its own on the service's server: a run resets it per case, never the live desk."""
    url = db.ensure_database(db.resolve_database_url(settings), EVAL_DATABASE)
    db.migrate(url)
    return url


def llm_settings(choice: str, settings: Settings) -> Settings:
    """Pass the --llm choice to the graph through Settings; a local server must answer first."""
    if choice not in ("none", "local", "openai"):
        raise ConfigError(f"--llm must be none, local or openai, not {choice!r}")
    config = LLMConfig.named({"openai": "configured"}.get(choice, choice), settings).checked()
    if choice == "local":
        try:
            httpx.get(f"{config.base_url.rstrip('/')}/models", timeout=3).raise_for_status()  # type: ignore[union-attr]
        except httpx.HTTPError as exc:
            raise ConfigError(f"no local LLM server at {config.base_url} ({type(exc).__name__}); "
                              "start one with `copilot llm serve-local`") from exc
    if not config.enabled:
        return settings.model_copy(update={"llm": "none"})
    return settings.model_copy(update={"llm": config.provider, "llm_base_url": config.base_url,
                                       "llm_model": config.model, "llm_timeout_s": config.timeout_s,
                                       "llm_response_format": config.response_format})


async def run_cases(url: str, cases: list[EvalCase], settings: Settings, *, policy: Policy | None = None,
                    repeat: int = 1, on_case: Callable[[CaseResult], None] | None = None) -> list[CaseResult]:
    """Each case (times `repeat`) in a fresh world through one engine; scored against the packaged policy."""
    reference = load_policy(None)
    clock = Clock()
    results = []
    async with open_engine(url, settings, clock=clock, policy=policy, pool_size=4) as engine:
        for attempt in range(repeat):
            for case in cases:
                played = await play(engine, url, clock, case)
                result = score_case(case, played, reference, attempt)
                results.append(result)
                if on_case:
                    on_case(result)
    return results


def build_report(suite: str, results: list[CaseResult], llm: str, repeat: int, started: datetime) -> Report:
    first = [r for r in results if r.attempt == 0]
    return Report(suite=suite, started_at=started, llm=llm, repeat=repeat, metrics=metrics(results, repeat),
                  confusion=confusion(first), cases=results)


def load_baseline(path: Path) -> Report:
    try:
        return Report.model_validate_json(path.read_bytes())
    except OSError as exc:
        raise InvalidInput(f"cannot read baseline {path}: {exc.strerror}") from exc
    except ValidationError as exc:
        raise InvalidInput(f"{path} is not an eval report: {exc.errors()[0]['msg']}") from exc


def diff(report: Report, baseline: Report) -> dict[str, object]:
    now_m, base_m = report.metrics.model_dump(), baseline.metrics.model_dump()
    changes = {k: {"baseline": base_m[k], "current": now_m[k],
                   "delta": round(now_m[k] - base_m[k], 4) if isinstance(now_m[k], int | float)
                   and isinstance(base_m[k], int | float) else None}
               for k in Metrics.model_fields if now_m.get(k) != base_m.get(k)}
    was = {r.id: r.passed for r in baseline.cases if r.attempt == 0}
    now = {r.id: r.passed for r in report.cases if r.attempt == 0}
    return {"metrics": changes,
            "newly_failing": sorted(i for i, ok in now.items() if not ok and was.get(i)),
            "newly_passing": sorted(i for i, ok in now.items() if ok and was.get(i) is False),
            "not_in_baseline": sorted(set(now) - set(was))}


def gate(report: Report, baseline: Report | None, tolerance: float = TOLERANCE) -> GateResult:
    m, fails, broken = report.metrics, [], set()
    if m.guardrail_violations:
        ids = [r.id for r in report.cases if r.score.violations]
        fails.append(f"{m.guardrail_violations} guardrail violation(s) in {', '.join(sorted(set(ids)))}")
        broken.update(ids)
    if m.false_automations:
        ids = [r.id for r in report.cases if r.score.false_automation]
        fails.append(f"{m.false_automations} false automation(s) in {', '.join(sorted(set(ids)))}")
        broken.update(ids)
    if m.claims_supported < 1.0:
        ids = [r.id for r in report.cases if r.score.claims_ok is False]
        fails.append(f"claims_supported {m.claims_supported:.4f} < 1.00: unbacked drafts in {', '.join(sorted(set(ids)))}")
        broken.update(ids)
    if report.llm != "none" and m.llm_error_rate > LLM_ERROR_LIMIT:
        fails.append(f"llm_error_rate {m.llm_error_rate:.4f} > {LLM_ERROR_LIMIT:.2f}: most of the {m.llm_calls}"
                     f" LLM calls got no answer ({m.llm_short_circuited} held back by the open breaker), so this"
                     " run measured the deterministic path, not the model")
    if baseline is not None:
        for name in RATES:
            before, after = getattr(baseline.metrics, name), getattr(m, name)
            if after < before - tolerance:
                fails.append(f"{name} fell from {before:.4f} to {after:.4f} (tolerance {tolerance})")
        newly = diff(report, baseline)["newly_failing"]
        if fails and newly:
            broken.update(newly)  # type: ignore[arg-type]
    return GateResult(passed=not fails, failures=fails, broken_cases=sorted(broken))


def finish(report: Report, baseline_path: Path | None, out: Path | None) -> Report:
    baseline = load_baseline(baseline_path) if baseline_path else None
    if baseline is not None:
        report.baseline_diff = diff(report, baseline)
    report.gate = gate(report, baseline)
    if out is not None:
        from evals.report import write_reports

        write_reports(report, out)
    return report


def started_now() -> datetime:
    return datetime.now(UTC).replace(microsecond=0)


def dump(report: Report) -> str:
    return json.dumps(report.model_dump(mode="json"), indent=1)
