"""`copilot connectors`: each connected system's mode and credentials, a harmless live check, and the
report of what shadow mode would have sent."""

from __future__ import annotations

import asyncio
import json
import sys
import time
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from copilot.core import db
from copilot.core.errors import CopilotError
from copilot.core.settings import get_settings
from copilot.workflow.runtime import prepare_database
from tools.connectors.checks import check
from tools.connectors.config import CONFIG_TYPES, load_configs

connectors_app = typer.Typer(help="Outbound connectors: modes, checks, the shadow report.", no_args_is_help=True)
console = Console()


@connectors_app.command("list")
def connectors_list() -> None:
    """Each system, its mode, and whether its credentials are set (never the credentials)."""
    configs = load_configs()
    table = Table("system", "mode", "credentials", "missing")
    for system in CONFIG_TYPES:
        config = configs.get(system)
        table.add_row(system, config.mode, "set" if config.credentials_set else "not set",
                      ", ".join(f"COPILOT_{system.upper()}_{n.upper()}" for n in config.missing))
    console.print(table)
    where = configs.contracts_dir or "not found (set COPILOT_CONTRACTS_DIR): shadow records go unchecked"
    console.print(f"vendor contracts: {where}")


@connectors_app.command("check")
def connectors_check(system: Annotated[str, typer.Argument(help="shopify, stripe, ...")]) -> None:
    """One harmless authenticated read against the system's real API."""
    started = time.monotonic()
    try:
        said = asyncio.run(check(system, load_configs()))
    except CopilotError as exc:
        print(f"copilot: {exc.message}", file=sys.stderr)
        raise SystemExit(2) from None
    print(f"{system}: ok, {said} ({time.monotonic() - started:.2f} s)")


@connectors_app.command("report")
def connectors_report(
    days: Annotated[int, typer.Option(help="How many days back.")] = 7,
    system: Annotated[str | None, typer.Option(help="Only this system.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="One JSON object per line.")] = False,
) -> None:
    """What shadow mode would have sent: every recorded request, its case and its contract check."""
    with db.connect(prepare_database(get_settings()), autocommit=True) as conn:
        found: list[dict[str, Any]] = conn.execute(
            "SELECT created_at, case_id, system, operation, method, url, body, vendor_key, contract_checked,"
            " contract_errors FROM connector_requests WHERE mode = 'shadow'"
            " AND created_at > now() - make_interval(days => %s) AND (%s::text IS NULL OR system = %s)"
            " ORDER BY created_at, id", (days, system, system)).fetchall()
    if as_json:
        for row in found:
            print(json.dumps(row, default=str))
        return
    table = Table("at", "case", "system", "operation", "request", "contract")
    for row in found:
        verdict = ("ok" if not row["contract_errors"] else "; ".join(row["contract_errors"])) \
            if row["contract_checked"] else "not checked"
        table.add_row(f"{row['created_at']:%Y-%m-%d %H:%M}", str(row["case_id"] or ""), row["system"],
                      row["operation"], f"{row['method']} {row['url']}\n{json.dumps(row['body'])[:300]}", verdict)
    console.print(table)
    console.print(f"{len(found)} requests recorded in shadow mode over {days} days")
