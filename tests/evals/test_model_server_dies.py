"""The model server dies in the middle of an eval run with `--llm local`.

The model server here is tests/llm_replay_server.py: a real HTTP server process on 127.0.0.1 that answers
the OpenAI chat API with responses recorded from the real local model (tests/cassettes); CI has no
llama.cpp build. The test SIGKILLs it after a few cases, so later calls meet real connection refusals.
After the breaker opens, every case goes on without sending anything to the model (no LLM time spent:
the deterministic path's speed), /healthz says the breaker is open, and the eval report's llm_error_rate
and the gate say the run mostly measured the deterministic path.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

from fastapi.testclient import TestClient

from api.app import create_app
from copilot.core.settings import Settings
from evals import runner
from evals.golden_post import concession_request, refund_request
from evals.golden_scenarios import change_request
from evals.schema import CaseResult

REPO = Path(__file__).resolve().parents[2]
KILL_AFTER = 3  # cases played with the model alive


def _start_model_server() -> tuple[subprocess.Popen[str], int]:
    server = subprocess.Popen([sys.executable, "-m", "tests.llm_replay_server"], cwd=REPO, text=True,
                              stdout=subprocess.PIPE, start_new_session=True)
    assert server.stdout is not None
    line = server.stdout.readline()
    assert line.startswith("listening on "), line
    return server, int(line.split()[-1])


async def test_cases_go_on_without_the_model_after_it_dies_and_health_and_report_say_so(eval_url, tmp_path):
    cases = [make(v) for v in range(4) for make in (change_request, refund_request, concession_request)]
    server, port = _start_model_server()
    try:
        settings = runner.llm_settings("local", Settings(llm_base_url=f"http://127.0.0.1:{port}/v1",
                                                         llm_breaker_cooldown_s=600))
        assert settings.llm_response_format == "json_object"  # --llm local keeps the local config's format
        played: list[CaseResult] = []

        def after(result: CaseResult) -> None:
            played.append(result)
            if len(played) == KILL_AFTER:
                os.killpg(server.pid, signal.SIGKILL)
                server.wait(timeout=10)

        results = await runner.run_cases(eval_url, cases, settings, on_case=after)
    finally:
        if server.poll() is None:
            os.killpg(server.pid, signal.SIGKILL)
        formats = set(server.communicate(timeout=10)[0].split("\n")) - {"", '{"response_format": null}'}
    # Every structured call asked for json_object, the first one too: none paid a 500 for another format.
    assert formats == {'{"response_format": "json_object"}'}

    alive, dead = results[:KILL_AFTER], results[KILL_AFTER:]
    assert all(r.actual.error is None for r in results), [r.actual.error for r in results]
    assert all(r.actual.status for r in dead)  # every case reached its pause
    assert sum(r.llm_calls - r.llm_failed - r.llm_short_circuited for r in alive) > 0  # the model answered
    assert sum(r.llm_failed for r in alive) == 0
    # Three calls in a row meet the refused port and open the breaker; nothing is sent after that.
    assert sum(r.llm_failed for r in dead) == Settings().llm_breaker_failures
    opened = next(i for i, r in enumerate(dead) if r.llm_short_circuited)
    after_open = dead[opened + 1:]
    assert after_open and all(r.llm_calls == r.llm_short_circuited > 0 for r in after_open)
    slow = [r.latency_ms for r in dead[:opened + 1]]
    print(f"\ncases with the model: {[round(r.latency_ms) for r in alive]} ms; paying for the dead port:"
          f" {[round(x) for x in slow]} ms; after the breaker opened: {[round(r.latency_ms) for r in after_open]} ms")

    with TestClient(create_app(eval_url, settings)) as client:
        health = client.get("/healthz").json()
        metrics = client.get("/metrics").text
    assert health["status"] == "degraded" and health["llm"]["state"] == "open"
    assert health["llm"]["server"] == f"http://127.0.0.1:{port}/v1 smollm2-135m"
    assert any(r.startswith("LLM breaker open") for r in health["reasons"])
    assert f'copilot_llm_breaker_state{{server="http://127.0.0.1:{port}/v1 smollm2-135m"}} 2' in metrics

    report = runner.finish(runner.build_report("golden", results, "local", 1, runner.started_now()), None, tmp_path)
    m = report.metrics
    calls = sum(r.llm_calls for r in results)
    unanswered = sum(r.llm_failed + r.llm_short_circuited for r in results)
    assert m.llm_calls == calls and m.llm_short_circuited == sum(r.llm_short_circuited for r in results) > 0
    assert m.llm_error_rate == round(unanswered / calls, 4) > 0.5
    assert report.gate is not None and not report.gate.passed
    assert any(f.startswith(f"llm_error_rate {m.llm_error_rate:.4f} > 0.50") for f in report.gate.failures)
    assert f"| llm_error_rate | {m.llm_error_rate:.4f} |" in (tmp_path / "report.md").read_text()
    # The gate judges LLM health only on LLM runs, and only when most calls failed.
    healthy = report.model_copy(update={"metrics": m.model_copy(update={"llm_error_rate": 0.2})})
    assert not any("llm_error_rate" in f for f in runner.gate(healthy, None).failures)
    offline = report.model_copy(update={"llm": "none"})
    assert not any("llm_error_rate" in f for f in runner.gate(offline, None).failures)
