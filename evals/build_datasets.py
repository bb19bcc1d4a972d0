"""Write evals/datasets/golden.jsonl and adversarial.jsonl from the hand-written scenarios (deterministic).

    .venv/bin/python -m evals.build_datasets
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from evals.adversarial_scenarios import ADVERSARIAL
from evals.golden_post import POST
from evals.golden_scenarios import PRE
from evals.schema import EvalCase

OUT = Path(__file__).with_name("datasets")


def build(scenarios: dict[str, tuple[Callable[[int], EvalCase], int]]) -> list[EvalCase]:
    return [fn(v) for fn, count in scenarios.values() for v in range(count)]


def write(name: str, cases: list[EvalCase]) -> Path:
    path = OUT / f"{name}.jsonl"
    path.write_text("".join(c.model_dump_json(exclude_defaults=True) + "\n" for c in cases))
    return path


def main() -> None:
    for name, cases in (("golden", build({**PRE, **POST})), ("adversarial", build(ADVERSARIAL))):
        print(f"{write(name, cases)}: {len(cases)} cases")


if __name__ == "__main__":
    main()
