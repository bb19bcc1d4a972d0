"""`copilot keys`: create, list and revoke API keys for the desk and the API."""

from __future__ import annotations

import sys
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from copilot.core import db
from copilot.core.errors import CopilotError
from copilot.core.keys import create_key, list_keys, parse_role, revoke_key
from copilot.core.settings import get_settings
from copilot.workflow.runtime import prepare_database

keys_app = typer.Typer(help="API keys with roles (agent, lead, finance, qa, admin).", no_args_is_help=True)
console = Console()


def _url() -> str:
    return prepare_database(get_settings())  # a CopilotError becomes one line in cli.main


@keys_app.command("create")
def keys_create(
    role: Annotated[str, typer.Option(help="agent, lead, finance, qa or admin")],
    name: Annotated[str, typer.Option(help="Who or what holds the key.")],
) -> None:
    """Create a key and print it once; only its digest is stored."""
    try:
        parsed = parse_role(role)
        with db.connect(_url(), autocommit=True) as conn:
            created = create_key(conn, name, parsed)
    except CopilotError as exc:
        print(f"copilot: {exc.message}", file=sys.stderr)
        raise SystemExit(2) from None
    print(created.key)
    print(f"key {created.key_id} for {created.name} ({created.role}); it is shown only once", file=sys.stderr)


@keys_app.command("list")
def keys_list() -> None:
    """Keys by id, name and role (never the secret)."""
    with db.connect(_url(), autocommit=True) as conn:
        rows = list_keys(conn)
    table = Table(title="API keys")
    for col in ("id", "name", "role", "created", "revoked"):
        table.add_column(col)
    for r in rows:
        table.add_row(str(r["id"]), str(r["name"]), str(r["role"]), f"{r['created_at']:%Y-%m-%d %H:%M}",
                      f"{r['revoked_at']:%Y-%m-%d %H:%M}" if r["revoked_at"] else "")
    console.print(table)


@keys_app.command("revoke")
def keys_revoke(key_id: int) -> None:
    """Revoke a key by id; requests with it are refused from now on."""
    with db.connect(_url(), autocommit=True) as conn:
        done = revoke_key(conn, key_id)
    if not done:
        print(f"copilot: no active key with id {key_id}", file=sys.stderr)
        raise SystemExit(2)
    print(f"revoked key {key_id}")
