"""CLINC150 (../shared/data/clinc150): does the reader leave alone what is not an order problem, and still take
the order-status and declined-card queries? Rules and lexicons are tuned on `train` only; `val` is reported.

    copilot eval run --suite clinc --split val

Rejected = not filed under a worked category (routed away as out of scope, or held for a person as "needs
reading"). In-scope recall = an order_status / card_declined query read as where_is_order / payment_problem and
filed under a worked category.
"""

from __future__ import annotations

import json
import os
from collections import Counter
from pathlib import Path

from rich.console import Console

from copilot.cases.taxonomy import classify_reading
from copilot.core.errors import InvalidInput
from copilot.core.models import Category, Strict
from copilot.reading.derive import primary
from copilot.reading.model import Intent
from copilot.reading.reader import read_text

IN_SCOPE_INTENT = {"order_status": Intent.where_is_order, "card_declined": Intent.payment_problem}
REJECTION_TARGET, RECALL_TARGET = 0.95, 0.90
NOT_WORKED = (Category.out_of_scope, Category.needs_reading)


class ClincResult(Strict):
    split: str
    out_of_scope: int
    in_scope: int
    rejection: float
    found_out_of_scope: float
    in_scope_recall: float
    in_scope_category_recall: float
    taken_as: dict[str, int]
    passed: bool


def clinc_dir() -> Path:
    return Path(os.environ.get("COPILOT_SHARED_DIR", "../shared")) / "data" / "clinc150"


def evaluate(split: str, folder: Path | None = None) -> ClincResult:
    path = (folder or clinc_dir()) / f"{split}.jsonl"
    try:
        rows = [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
    except OSError as exc:
        raise InvalidInput(f"cannot read CLINC150 {split} at {path}") from exc
    rejected = found = hit = same_category = 0
    taken: Counter[str] = Counter()
    outside = [r for r in rows if r["category"] == "out_of_scope"]
    inside = [r for r in rows if r["category"] != "out_of_scope"]
    for row in outside:
        category = classify_reading(read_text("", row["text"])).category or Category.needs_reading
        rejected += category in NOT_WORKED
        found += category is Category.out_of_scope
        if category not in NOT_WORKED:
            taken[f"{row['intent']} -> {category.value}"] += 1
    for row in inside:
        reading = read_text("", row["text"])
        category = classify_reading(reading).category or Category.needs_reading
        main = primary(reading)
        hit += category not in NOT_WORKED and main is not None and main.intent is IN_SCOPE_INTENT.get(row["intent"])
        same_category += category.value == row["category"]

    def share(n: int, d: int) -> float:
        return round(n / d, 4) if d else 1.0
    rejection, recall = share(rejected, len(outside)), share(hit, len(inside))
    return ClincResult(split=split, out_of_scope=len(outside), in_scope=len(inside), rejection=rejection,
                       found_out_of_scope=share(found, len(outside)), in_scope_recall=recall,
                       in_scope_category_recall=share(same_category, len(inside)),
                       taken_as=dict(taken.most_common(15)),
                       passed=rejection >= REJECTION_TARGET and recall >= RECALL_TARGET)


def print_result(result: ClincResult, console: Console) -> None:
    console.print(f"CLINC150 {result.split}: out-of-scope rejection {result.rejection:.4f} "
                  f"(of {result.out_of_scope}; {result.found_out_of_scope:.4f} found out of scope, the rest held "
                  f"for a person), in-scope recall {result.in_scope_recall:.4f} (of {result.in_scope}; same category "
                  f"as the mapping {result.in_scope_category_recall:.4f}) - targets {REJECTION_TARGET} / "
                  f"{RECALL_TARGET}: {'met' if result.passed else 'NOT met'}")
    for what, n in result.taken_as.items():
        console.print(f"  taken as an order problem: {what} x{n}")
