"""`copilot eval run`: score a dataset (or the tau2 adapter) through the service's graph."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from copilot.core.errors import CopilotError
from copilot.core.settings import get_settings

eval_app = typer.Typer(help="Eval suites: score every decision, compare runs, block regressions.",
                       no_args_is_help=True)
console = Console()


@eval_app.command("run")
def run(
    suite: Annotated[str | None, typer.Option(
        help="golden or adversarial (evals/datasets); messy (tickets through the graph on the tau2 world, "
             "--split dev|held); clinc (out-of-scope rejection, --split val).")] = None,
    dataset: Annotated[Path | None, typer.Option(help="A JSONL file of eval cases.")] = None,
    llm: Annotated[str, typer.Option(help="none (offline, default), local or openai.")] = "none",
    repeat: Annotated[int, typer.Option(min=1, max=20, help="Play every case K times; reports pass^k.")] = 1,
    baseline: Annotated[Path | None, typer.Option(help="A report.json to compare with.")] = None,
    gate: Annotated[bool, typer.Option(help="Exit non-zero when a gate fails.")] = False,
    out: Annotated[Path | None, typer.Option(help="Folder for report.json, report.md and report.html.")] = None,
    adapter: Annotated[str | None, typer.Option(help="An external set instead of a suite: tau2.")] = None,
    tasks: Annotated[Path | None, typer.Option(help="tau2: the tasks file (tasks_train.json format).")] = None,
    db: Annotated[Path | None, typer.Option(help="tau2 and messy: the retail db.json.")] = None,
    split: Annotated[str, typer.Option(help="messy: dev or held; clinc: train or val.")] = "dev",
) -> None:
    """Play each case through the same graph the service runs, score it, and print the score table."""
    try:
        if suite in ("messy", "clinc"):
            code = _run_reading_suite(suite, split, db, out, gate)
        else:
            code = _run(suite, dataset, llm, repeat, baseline, gate, out, adapter, tasks, db)
    except CopilotError as exc:
        print(f"copilot: {exc.message}", file=sys.stderr)
        raise SystemExit(2) from None
    raise SystemExit(code)


def _run(suite: str | None, dataset: Path | None, llm: str, repeat: int, baseline: Path | None, gate: bool,
         out: Path | None, adapter: str | None, tasks: Path | None, db: Path | None) -> int:
    from evals import runner
    from evals.report import print_scores

    if adapter is not None:
        return _run_adapter(adapter, tasks, db, out)
    if suite is not None and dataset is None:
        path = runner.suite_path(suite)
    elif dataset is not None and suite is None:
        path = dataset
    else:
        raise typer.BadParameter("give exactly one of --suite NAME or --dataset PATH")
    cases = runner.load_dataset(path)
    settings = runner.llm_settings(llm, get_settings())
    url = runner.eval_database(settings)
    started = runner.started_now()
    with _progress() as progress:
        task = progress.add_task(f"{suite or path.name}", total=len(cases) * repeat)
        results = asyncio.run(runner.run_cases(url, cases, settings, repeat=repeat,
                                               on_case=lambda _: progress.advance(task)))
    report = runner.build_report(suite or path.stem, results, llm, repeat, started)
    report = runner.finish(report, baseline, out)
    print_scores(report, console)
    if out is not None:
        console.print(f"reports in {out}/report.json, report.md, report.html")
    if gate and report.gate is not None and not report.gate.passed:
        console.print(f"[red]gate failed; broken cases: {', '.join(report.gate.broken_cases) or 'see above'}[/red]")
        return 1
    return 0


def _run_adapter(adapter: str, tasks: Path | None, db_path: Path | None, out: Path | None) -> int:
    if adapter != "tau2":
        raise typer.BadParameter("the only adapter is tau2")
    if tasks is None or db_path is None:
        raise typer.BadParameter("--adapter tau2 needs --tasks PATH and --db PATH")
    from evals import runner
    from evals.adapters import tau2

    settings = get_settings()
    url = runner.eval_database(settings)
    with _progress() as progress:
        task = progress.add_task("tau2", total=None)
        result = asyncio.run(tau2.run(url, tasks, db_path, settings,
                                      on_task=lambda done, total: progress.update(task, completed=done, total=total)))
    tau2.print_result(result, console)
    if out is not None:
        out.mkdir(parents=True, exist_ok=True)
        (out / "tau2.json").write_text(result.model_dump_json(indent=1))
    return 0


TAU2_DB = Path("../shared/data/tau2-retail/db.json")


def _run_reading_suite(suite: str, split: str, db_path: Path | None, out: Path | None, gate: bool) -> int:
    """messy: played through the graph on the tau2 world; clinc: out-of-scope rejection of the reader."""
    if suite == "clinc":
        from evals import clinc

        result = clinc.evaluate(split)
        clinc.print_result(result, console)
        report_json = result.model_dump_json(indent=1)
        failed = not result.passed
    else:
        from evals import messy_run, runner

        settings = get_settings()
        url = runner.eval_database(settings)
        with _progress() as progress:
            task = progress.add_task(f"messy {split}", total=None)
            report = asyncio.run(messy_run.run(url, split, db_path or TAU2_DB, settings, on_ticket=lambda done, total:
                                               progress.update(task, completed=done, total=total)))
        messy_run.print_report(report, console)
        report_json = report.model_dump_json(indent=1)
        failed = bool(messy_run.gate_failures(report))
    if out is not None:
        out.mkdir(parents=True, exist_ok=True)
        (out / f"{suite}-{split}.json").write_text(report_json)
    return 1 if gate and failed else 0


def _progress() -> Progress:
    return Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                    console=console, transient=True)
