"""`copilot report weekly`, `copilot assess PATH...` and `copilot simulate`: the learning side of the desk."""

from __future__ import annotations

import asyncio
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import psycopg
import typer
from psycopg.rows import dict_row

from copilot.core.errors import CopilotError
from copilot.core.settings import get_settings
from copilot.workflow.runtime import prepare_database

report_app = typer.Typer(help="Reports for ops leads.", no_args_is_help=True)


def _fail(message: str) -> None:
    print(f"copilot: {message}", file=sys.stderr)
    raise SystemExit(2)


def _write(text: str, out: Path | None) -> None:
    if out is None:
        sys.stdout.write(text)
    else:
        out.write_text(text, encoding="utf-8")
        print(f"wrote {out}", file=sys.stderr)


@report_app.command("weekly")
def report_weekly(
    week: Annotated[str | None, typer.Option(help="ISO week YYYY-Www; default: the week of the latest closure.")] = None,
    format: Annotated[str, typer.Option(help="html, md or csv")] = "md",
    out: Annotated[Path | None, typer.Option(help="Write to this file instead of stdout.")] = None,
) -> None:
    """Repeat causes with cost, recovered vs cancelled revenue, leakage, SLA by queue, feedback items."""
    from copilot.close.reports.render import render
    from copilot.close.reports.weekly import latest_week, weekly

    if format not in ("html", "md", "csv"):
        _fail(f"format must be html, md or csv, not {format!r}")

    async def run() -> str:
        url = prepare_database(get_settings())
        async with await psycopg.AsyncConnection.connect(url, autocommit=True, row_factory=dict_row) as conn:
            chosen = week or await latest_week(conn, datetime.now(UTC))
            return render(await weekly(conn, chosen), format)  # type: ignore[arg-type]

    try:
        _write(asyncio.run(run()), out)
    except CopilotError as exc:
        _fail(exc.message)


# Shown by `copilot assess --help`: what each export must hold. Names match copilot/intake/assess.py.
ASSESS_HELP = (
    "Opportunity map from a sample of exception queues: volume and value by category, the recoverable share by"
    " playbook, the SLA each queue needs, and expected recovered revenue under stated assumptions. Each order is"
    " counted once across all files.\n\n"
    "Expected columns (CSV with a header row; names are case-insensitive; other columns are listed, not used):"
    "\n\n"
    "Storefront orders (Shopify export): Name, Financial Status, Fulfillment Status, Total; also read: Risk Level,"
    " Tags, Cancelled at. Total is an amount such as 1234.50, 1,234.50, $12 or EUR 9.90.\n\n"
    "Helpdesk tickets: subject, description; also read: order (or order_id, order_number), else the first #1234"
    " in the text.\n\n"
    "3PL exceptions (the /intake/3pl format): order (or order_id, order_ref, order_number, reference),"
    " exception_code (or code, exception, reason_code); also read: sku."
)


def assess(
    paths: Annotated[list[Path], typer.Argument(help="CSV exports: storefront orders, helpdesk tickets, 3PL exceptions.")],
    format: Annotated[str, typer.Option(help="md or json")] = "md",
    recovery_rate: Annotated[float, typer.Option(help="Assumed share of recoverable value the desk recovers.")] = 0.6,
    out: Annotated[Path | None, typer.Option(help="Write to this file instead of stdout.")] = None,
) -> None:
    """Opportunity map from a sample of exception queues (the full help is ASSESS_HELP)."""
    from copilot.intake.assess import assess_paths, render_markdown

    if format not in ("md", "json"):
        _fail(f"format must be md or json, not {format!r}")
    try:
        result = assess_paths(paths, recovery_rate=recovery_rate)
    except CopilotError as exc:
        _fail(exc.message)
        return
    _write(render_markdown(result) if format == "md" else result.model_dump_json(indent=2) + "\n", out)


def simulate(
    days: Annotated[int, typer.Option(min=1, max=60, help="Days to simulate.")] = 7,
    per_day: Annotated[int, typer.Option(min=1, max=500, help="New exceptions per day.")] = 24,
    seed: Annotated[int, typer.Option(help="Random seed.")] = 7,
    start: Annotated[str | None, typer.Option(help="Start (ISO datetime, UTC); default: last Monday 06:00.")] = None,
    yes: Annotated[bool, typer.Option("--yes", help="Replace a desk that has cases without asking.")] = False,
) -> None:
    """Advance an injected clock over a fresh demo world with an approving lead, so the report has content.
    This replaces the desk and the sandbox: with cases on the desk it asks first (or needs --yes); to keep the
    desk, point COPILOT_DATABASE_URL at another database."""
    from datetime import timedelta

    from copilot.workflow.simulate import SimConfig
    from copilot.workflow.simulate import simulate as run_sim

    settings = get_settings()
    try:
        began = datetime.fromisoformat(start).replace(tzinfo=UTC) if start else None
    except ValueError:
        _fail(f"start {start!r} is not an ISO date or datetime")
        return
    if began is None:
        today = datetime.now(UTC).replace(hour=6, minute=0, second=0, microsecond=0)
        began = today - timedelta(days=today.weekday() + 7)
    url = prepare_database(settings)
    if not yes and not _may_replace_desk(url):
        return
    cfg = SimConfig(days=days, per_day=per_day, seed=seed, start=began)
    result = asyncio.run(run_sim(url, settings, cfg, progress=lambda d, now: print(f"day {d} done ({now:%Y-%m-%d})",
                                                                                 file=sys.stderr)))
    print(f"simulated {result.days} days from {began:%Y-%m-%d %H:%M}: {result.signals} signals, {result.cases} cases,"
          f" {result.closed} closed, {result.reopened} reopened, {result.replies} customer replies,"
          f" {result.approvals} approvals. Run `copilot report weekly --week {began:%G-W%V}`.")


def _may_replace_desk(url: str) -> bool:
    """A desk with cases is replaced only when the person says so; without a terminal to ask, it is refused."""
    with psycopg.connect(url, row_factory=dict_row) as conn:
        found = conn.execute("SELECT count(*) AS n FROM cases").fetchone()
    cases = found["n"] if found else 0
    if cases == 0:
        return True
    what = f"the desk has {cases} cases; simulate replaces them and the sandbox with a simulated week"
    if not sys.stdin.isatty():
        _fail(f"{what}: pass --yes, or set COPILOT_DATABASE_URL to another database")
    if typer.confirm(f"{what}. Replace the desk?", default=False):
        return True
    print("copilot: nothing changed", file=sys.stderr)
    return False
