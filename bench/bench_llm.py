"""LLM calls and tokens per case. The golden eval set runs on the deterministic path (--llm none, the
default); the LLM figures come from the graph replaying the real model's recorded answers (SmolLM2-135M
on llama.cpp, tests/cassettes), and from every recorded call's usage fields, per call type."""

from __future__ import annotations

import asyncio
import json
import os
import sys
import time
from collections import defaultdict
from pathlib import Path

import yaml

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from bench.common import bench_database, machine  # noqa: E402
from copilot.core.settings import Settings  # noqa: E402
from copilot.workflow.engine import open_engine  # noqa: E402
from evals.runner import load_dataset, run_cases, suite_path  # noqa: E402
from tests.graph.conftest import NOW, drain, rows, seed_desk  # noqa: E402
from tests.llm_support import cassette, local_config  # noqa: E402

CASSETTES = Path(__file__).resolve().parents[1] / "tests" / "cassettes"
GOLDEN_LIMIT = int(os.environ.get("BENCH_GOLDEN_CASES", "0")) or None
PURPOSE_BY_PROMPT = {"You extract facts": "read_ticket", "You rewrite customer": "rewrite_message",
                     "You summarize": "summarize_case"}


def golden(url: str) -> tuple[int, float, float, float]:
    cases = load_dataset(suite_path("golden"))[:GOLDEN_LIMIT]
    started = time.perf_counter()
    results = asyncio.run(run_cases(url, cases, Settings(llm="none")))
    elapsed = time.perf_counter() - started
    tokens = sum(r.llm_tokens for r in results)
    return len(results), tokens / len(results), elapsed, elapsed / len(results)


async def replayed_graph(url: str) -> tuple[int, list[dict]]:
    """The recorded graph run of tests/graph/test_llm_graph.py: 24 planted exceptions, LLM on."""
    await seed_desk(url, seed=7, n_orders=120, n_customers=30, n_exceptions=24)
    async with open_engine(url, Settings(), clock=lambda: NOW, pool_size=6, llm=local_config()) as engine:
        with cassette("graph_tickets_through_llm"):
            await drain(engine, concurrency=1)
        cases = (await rows(engine, "SELECT count(*) AS n FROM cases"))[0]["n"]
        calls = await rows(engine, "SELECT purpose, outcome, count(*) AS calls, count(DISTINCT case_id) AS cases,"
                           " sum(prompt_tokens) AS prompt, sum(completion_tokens) AS completion"
                           " FROM llm_calls GROUP BY 1, 2 ORDER BY 1, 2")
    return cases, calls


def recorded_usage() -> dict[str, list[tuple[int, int]]]:
    usage: dict[str, list[tuple[int, int]]] = defaultdict(list)
    for path in sorted(CASSETTES.glob("*.yaml")):
        for interaction in yaml.safe_load(path.read_text())["interactions"]:
            prompt = json.loads(interaction["request"]["body"])["messages"][0]["content"]
            purpose = next((p for k, p in PURPOSE_BY_PROMPT.items() if prompt.startswith(k)), "other")
            try:
                counts = json.loads(interaction["response"]["body"]["string"]).get("usage") or {}
            except (json.JSONDecodeError, AttributeError):
                counts = {}
            if counts:
                usage[purpose].append((counts["prompt_tokens"], counts["completion_tokens"]))
    return usage


def main() -> None:
    url = bench_database("copilot_bench_llm")
    print(f"machine: {machine()}")
    n, tokens, elapsed, per_case = golden(url)
    print(f"golden set, --llm none (the default): {n} cases in {elapsed:.0f} s ({per_case * 1000:.0f} ms/case),"
          f" LLM calls per case 0, llm_tokens_per_case {tokens:.1f} (the eval report's figure)")
    cases, calls = asyncio.run(replayed_graph(url))
    print(f"\nthe graph with the local model (replayed from tests/cassettes/graph_tickets_through_llm.yaml), {cases} cases:")
    print(f"{'call type':<18} {'outcome':<14} {'calls':>6} {'cases':>6} {'prompt tok':>11} {'compl. tok':>11}")
    for c in calls:
        print(f"{c['purpose']:<18} {c['outcome']:<14} {c['calls']:>6} {c['cases']:>6} {c['prompt']:>11}"
              f" {c['completion']:>11}")
    total_calls = sum(c["calls"] for c in calls)
    total_tokens = sum(c["prompt"] + c["completion"] for c in calls)
    print(f"per case: {total_calls / cases:.2f} LLM calls, {total_tokens / cases:.0f} tokens"
          f" (budget per case: {Settings().llm_case_token_budget})")
    print("\nevery recorded call in tests/cassettes, by call type:")
    print(f"{'call type':<18} {'calls':>6} {'prompt tok (mean)':>18} {'completion tok (mean)':>22}")
    for purpose, pairs in sorted(recorded_usage().items()):
        print(f"{purpose:<18} {len(pairs):>6} {sum(p for p, _ in pairs) / len(pairs):>18.0f}"
              f" {sum(c for _, c in pairs) / len(pairs):>22.0f}")


if __name__ == "__main__":
    main()
