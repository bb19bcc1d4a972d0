"""Scores the deterministic ticket classifier on our labelled tickets: macro-F1 and the confusion matrix.

    python -m evals.ticket_classifier [--split test|train|all] [--errors]

The `test` split is held apart: its tickets come from phrasings the rules were never tuned on.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from pathlib import Path
from typing import Literal

from pydantic import ValidationError

from copilot.cases.taxonomy import classify_ticket
from copilot.core.models import Category, Strict

DATASET = Path(__file__).resolve().parent / "datasets" / "tickets.jsonl"
LABELS = [c.value for c in Category]


class Ticket(Strict):
    id: str
    split: Literal["train", "dev", "test"]
    label: Category
    subject: str
    body: str
    has_order_ref: bool
    tone: Literal["neutral", "negative"]
    core: str


class Report(Strict):
    split: str
    n: int
    accuracy: float
    macro_f1: float
    per_label_f1: dict[str, float]
    confusion: dict[str, dict[str, int]]
    errors: list[tuple[str, str, str, str]]


def load(path: Path = DATASET, split: str = "test") -> list[Ticket]:
    tickets = []
    for number, line in enumerate(path.read_text().splitlines(), 1):
        try:
            ticket = Ticket.model_validate_json(line)
        except ValidationError as exc:
            raise SystemExit(f"{path}:{number}: not a labelled ticket: {exc.errors()[0]['msg']}") from exc
        if split in ("all", ticket.split):
            tickets.append(ticket)
    return tickets


def evaluate(tickets: list[Ticket], split: str = "test") -> Report:
    pairs = [(t.label.value, classify_ticket(t.subject, t.body).category.value, t) for t in tickets]
    confusion = {gold: dict.fromkeys(LABELS, 0) for gold in LABELS}
    for gold, predicted, _ in pairs:
        confusion[gold][predicted] += 1
    f1: dict[str, float] = {}
    for label in LABELS:
        tp = confusion[label][label]
        predicted = sum(confusion[g][label] for g in LABELS)
        actual = sum(confusion[label].values())
        if actual == 0:
            continue
        precision = tp / predicted if predicted else 0.0
        recall = tp / actual
        f1[label] = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    correct = sum(gold == predicted for gold, predicted, _ in pairs)
    return Report(split=split, n=len(pairs), accuracy=round(correct / max(1, len(pairs)), 4),
                  macro_f1=round(sum(f1.values()) / max(1, len(f1)), 4),
                  per_label_f1={k: round(v, 3) for k, v in f1.items()}, confusion=confusion,
                  errors=[(t.id, gold, predicted, f"{t.subject} | {t.body}") for gold, predicted, t in pairs
                          if gold != predicted])


def render(report: Report, show_errors: bool = False) -> str:
    short = {label: label[:6] for label in LABELS}
    lines = [f"ticket classifier on split={report.split}: n={report.n} accuracy={report.accuracy:.3f} "
             f"macro-F1={report.macro_f1:.3f}", "", "confusion (rows = true, columns = predicted):",
             " " * 20 + " ".join(f"{short[p]:>6}" for p in LABELS)]
    for gold in LABELS:
        row = report.confusion[gold]
        lines.append(f"{gold:>20}" + " ".join(f"{row[p] or '.':>6}" for p in LABELS))
    lines.append("")
    lines += [f"{label:>20} F1 {value:.3f}" for label, value in report.per_label_f1.items()]
    if show_errors:
        lines += ["", "errors:"] + [f"  {i} {g} -> {p}: {text}" for i, g, p, text in report.errors]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--split", choices=["test", "dev", "train", "all"], default="test")
    parser.add_argument("--errors", action="store_true", help="list every misclassified ticket")
    parser.add_argument("--json", action="store_true", help="print the report as JSON")
    args = parser.parse_args(argv)
    report = evaluate(load(split=args.split), args.split)
    print(json.dumps(report.model_dump(), indent=2) if args.json else render(report, args.errors))
    print("tickets per label:", dict(Counter(t.label.value for t in load(split=args.split))), file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
