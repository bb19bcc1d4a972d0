"""The run's reports: report.json (metrics + per-case results), report.md, a self-contained report.html."""

from __future__ import annotations

from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from rich.console import Console
from rich.table import Table

from evals.schema import Report

TEMPLATES = Path(__file__).with_name("templates")
GATED = {"guardrail_violations", "false_automations"}


def metric_rows(report: Report) -> list[tuple[str, str, str]]:
    """(name, value, change vs baseline) for every metric, in report order."""
    changes = (report.baseline_diff or {}).get("metrics", {})
    rows = []
    for name, value in report.metrics.model_dump().items():
        if value is None:
            continue
        delta = changes.get(name, {}).get("delta") if name in changes else None
        rows.append((name, _fmt(value), "" if delta is None else f"{delta:+.4g}"))
    return rows


def _fmt(value: object) -> str:
    return f"{value:.4f}" if isinstance(value, float) and value <= 1 else str(value)


def failing(report: Report, limit: int = 200) -> list:
    return [r for r in report.cases if not r.passed][:limit]


def render_md(report: Report) -> str:
    lines = [f"# Eval report: {report.suite}", "",
             f"Run {report.started_at:%Y-%m-%d %H:%M} UTC, LLM `{report.llm}`, repeat {report.repeat}.", "",
             "| metric | value | vs baseline |", "|---|---|---|"]
    lines += [f"| {n} | {v} | {d} |" for n, v, d in metric_rows(report)]
    if report.gate is not None:
        lines += ["", f"**Gate: {'passed' if report.gate.passed else 'FAILED'}**"]
        lines += [f"- {f}" for f in report.gate.failures]
        if report.gate.broken_cases:
            lines.append(f"- broken cases: {', '.join(report.gate.broken_cases)}")
    labels = sorted({k for row in report.confusion.values() for k in row} | set(report.confusion))
    lines += ["", "## Category confusion (rows expected, columns actual)", "",
              "| expected | " + " | ".join(labels) + " |", "|---" * (len(labels) + 1) + "|"]
    lines += [f"| {e} | " + " | ".join(str(row.get(a, "")) for a in labels) + " |"
              for e, row in sorted(report.confusion.items())]
    lines += ["", f"## Failing cases ({sum(not r.passed for r in report.cases)})", ""]
    lines += [f"- `{r.id}`: " + "; ".join(r.failures) for r in failing(report)]
    return "\n".join(lines) + "\n"


def render_html(report: Report) -> str:
    env = Environment(loader=FileSystemLoader(TEMPLATES), undefined=StrictUndefined,
                      autoescape=select_autoescape(["html", "j2"]))
    labels = sorted({k for row in report.confusion.values() for k in row} | set(report.confusion))
    return env.get_template("report.html.j2").render(
        report=report, rows=metric_rows(report), labels=labels, failing=failing(report), gated=GATED)


def write_reports(report: Report, out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    (out / "report.json").write_text(report.model_dump_json(indent=1))
    (out / "report.md").write_text(render_md(report))
    (out / "report.html").write_text(render_html(report))


def print_scores(report: Report, console: Console | None = None) -> None:
    console = console or Console()
    table = Table(title=f"eval {report.suite} ({report.metrics.n_cases} cases)")
    table.add_column("metric")
    table.add_column("value", justify="right")
    table.add_column("vs baseline", justify="right")
    for name, value, delta in metric_rows(report):
        style = "red" if name in GATED and value != "0" else None
        table.add_row(name, value, delta, style=style)
    console.print(table)
    if report.gate is not None and not report.gate.passed:
        for line in report.gate.failures:
            console.print(f"[red]gate: {line}[/red]")
