"""`copilot intake ...`: dead letters, replay, and feeding the sandbox's planted exceptions through intake."""

from __future__ import annotations

import asyncio
import sys
from datetime import UTC, datetime
from typing import Annotated

import psycopg
import typer
from psycopg.rows import DictRow, dict_row
from rich.console import Console
from rich.table import Table

from copilot.core.settings import get_settings
from copilot.workflow.runtime import prepare_database

intake_app = typer.Typer(help="Signal intake: dead letters and replay.", no_args_is_help=True)
console = Console()


async def _connect(url: str) -> psycopg.AsyncConnection[DictRow]:
    return await psycopg.AsyncConnection.connect(url, autocommit=True, row_factory=dict_row)


def _url() -> str:
    return prepare_database(get_settings())  # a CopilotError becomes one line in cli.main


@intake_app.command("replay")
def replay(dead_letter_id: Annotated[int | None, typer.Option("--id", help="Replay only this dead letter.")] = None
           ) -> None:
    """Parse and route open dead letters again (after a parser fix); successes are linked to their signal."""
    from copilot.intake.replay import replay_dead_letters

    async def go() -> list:
        async with await _connect(_url()) as conn:
            return await replay_dead_letters(conn, datetime.now(UTC), dead_letter_id)

    results = asyncio.run(go())
    if dead_letter_id is not None and not results:
        print(f"copilot: no open dead letter with id {dead_letter_id}", file=sys.stderr)
        raise SystemExit(1)
    table = Table(title=f"replayed {len(results)} dead letter(s)")
    for column in ("dead letter", "result", "signal", "case", "error"):
        table.add_column(column)
    for r in results:
        table.add_row(str(r.dead_letter_id), r.result, str(r.signal_id or ""), str(r.case_id or ""), r.error or "")
    console.print(table)
    if any(r.result == "still_failing" for r in results):
        raise SystemExit(1)


@intake_app.command("dead-letters")
def dead_letters(limit: Annotated[int, typer.Option(help="How many, newest first.")] = 50) -> None:
    """Open dead letters with their error."""
    async def go() -> list[dict]:
        async with await _connect(_url()) as conn:
            cur = await conn.execute(
                "SELECT id, source, created_at, error FROM dead_letters WHERE replayed_at IS NULL"
                " ORDER BY id DESC LIMIT %s", (limit,))
            return await cur.fetchall()

    table = Table(title="open dead letters")
    for column in ("id", "source", "created", "error"):
        table.add_column(column)
    for row in asyncio.run(go()):
        table.add_row(str(row["id"]), row["source"], row["created_at"].isoformat(timespec="seconds"), row["error"])
    console.print(table)


@intake_app.command("seed")
def seed() -> None:
    """Feed every planted exception of the sandbox world through intake (duplicates are no-ops)."""
    from copilot.intake.ingest import ingest_seed_signals

    async def go() -> int:
        async with await _connect(_url()) as conn:
            return await ingest_seed_signals(conn, datetime.now(UTC))

    console.print(f"{asyncio.run(go())} new signal(s) from the sandbox's planted exceptions")


@intake_app.command("reconcile")
def reconcile(grace_s: Annotated[float, typer.Option(min=0, help="Leave deliveries younger than this alone.")] = 60.0
              ) -> None:
    """Give an outcome to raw deliveries that have none (stored just before a database failure)."""
    from datetime import timedelta

    from copilot.intake.reconcile import ReconcileResult, reconcile_raw

    async def go() -> ReconcileResult:
        async with await _connect(_url()) as conn:
            return await reconcile_raw(conn, datetime.now(UTC), timedelta(seconds=grace_s), limit=100_000)

    print(asyncio.run(go()).line())
