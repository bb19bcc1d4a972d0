"""The `copilot` command line."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from cli import learn as cli_learn
from cli import work as cli_work
from cli.connectors import connectors_app
from cli.eval import eval_app
from cli.intake import intake_app
from cli.keys import keys_app
from cli.llm import llm_app
from copilot.core import db
from copilot.core.errors import ConfigError, CopilotError
from copilot.core.keys import CreatedKey
from copilot.core.settings import get_settings, secret_problem
from copilot.workflow.runtime import prepare_database, reset_desk, seed_demo_world, seed_if_empty

app = typer.Typer(help="Recovery Desk Copilot", no_args_is_help=True, pretty_exceptions_enable=False)
db_app = typer.Typer(help="Database schema.", no_args_is_help=True)
world_app = typer.Typer(help="The sandbox commerce world.", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(world_app, name="world")
app.command()(cli_work.worker)
app.command()(cli_work.triage)
app.add_typer(keys_app, name="keys")
app.add_typer(intake_app, name="intake")
app.add_typer(llm_app, name="llm")
app.add_typer(connectors_app, name="connectors")
app.add_typer(cli_learn.report_app, name="report")
app.command(help=cli_learn.ASSESS_HELP)(cli_learn.assess)
app.command()(cli_learn.simulate)
app.add_typer(eval_app, name="eval")
console = Console()


def main() -> None:
    try:
        app()
    except CopilotError as exc:
        print(f"copilot: {exc.message}", file=sys.stderr)
        raise SystemExit(2) from None


@app.command()
def run(
    host: Annotated[str | None, typer.Option(help="Interface to bind.")] = None,
    port: Annotated[int | None, typer.Option(help="Port to bind.")] = None,
) -> None:
    """Migrate, seed the demo world when the database is empty, and serve the API."""
    import uvicorn

    from api.app import create_app

    settings = get_settings()
    bind_host, bind_port = host or settings.host, port or settings.port
    problem = secret_problem(settings, bind_host)
    if problem:
        raise ConfigError(problem)
    url = prepare_database(settings)
    if settings.seed_on_start and seed_if_empty(url, settings.seed):
        console.print(f"seeded the demo world (seed {settings.seed}); the worker triages its cases now")
        demo = _first_key(url)
        if demo is not None:
            console.print(f"sign in to the desk with this {demo.role.value} key (shown once): [bold]{demo.key}[/bold]")
    console.print(f"Recovery Desk Copilot on http://{bind_host}:{bind_port}  (desk: /desk, API docs: /docs)")
    supervisor = None
    if not settings.database_url:  # the embedded server is ours: restart it if it dies, stop it when we stop
        from copilot.core.embedded_pg import PostgresSupervisor

        supervisor = PostgresSupervisor(settings.pgdata)
        supervisor.start()
    try:
        uvicorn.run(create_app(url, settings, with_worker=settings.worker_on_start), host=bind_host,
                    port=bind_port, log_level="info")
    finally:
        if supervisor is not None and supervisor.stop():
            console.print("stopped the embedded PostgreSQL")


def _first_key(url: str) -> CreatedKey | None:
    """A lead key for the demo, or None when keys exist already."""
    from copilot.core.keys import create_key
    from copilot.core.roles import Role

    with db.connect(url, autocommit=True) as conn:
        if conn.execute("SELECT 1 FROM api_keys LIMIT 1").fetchone() is not None:
            return None
        return create_key(conn, "demo lead", Role.lead)


@db_app.command("migrate")
def db_migrate() -> None:
    """Apply pending migrations."""
    url = db.resolve_database_url(get_settings())
    applied = db.migrate(url)
    console.print(f"applied {len(applied)} migration(s): {', '.join(applied) or 'none pending'}")


@world_app.command("seed")
def world_seed(seed: Annotated[int, typer.Option(help="Random seed; the same seed gives the same world.")] = 7) -> None:
    """Replace the sandbox with a generated demo world."""
    url = prepare_database(get_settings())
    counts = seed_demo_world(url, seed)
    _print_counts(f"demo world, seed {seed}", counts)


@world_app.command("load")
def world_load(
    path: Path,
    format: Annotated[str, typer.Option(help="json (our world format) or tau2 (tau2-bench retail db.json)")] = "auto",
) -> None:
    """Replace the sandbox with a world read from a file."""
    from tools.connectors.sandbox.loaders import load_tau2, load_world_json
    from tools.connectors.sandbox.store import write_world

    if format == "auto":
        format = "tau2" if _looks_like_tau2(path) else "json"
    loader = {"json": load_world_json, "tau2": load_tau2}.get(format)
    if loader is None:
        raise typer.BadParameter("format must be json, tau2 or auto")
    world = loader(path)
    url = prepare_database(get_settings())
    with db.connect(url) as conn:
        reset_desk(conn)
        counts = write_world(conn, world)
    _print_counts(world.name, counts)


@world_app.command("show")
def world_show() -> None:
    """What the sandbox holds now."""
    from tools.connectors.sandbox.store import world_counts, world_digest, world_meta

    url = prepare_database(get_settings())
    with db.connect(url) as conn:
        meta = world_meta(conn)
        if meta is None:
            console.print("the sandbox is empty: run `copilot world seed`")
            return
        _print_counts(f"{meta['name']} (now {meta['now']})", world_counts(conn))
        console.print(f"digest {world_digest(conn)}")


def _looks_like_tau2(path: Path) -> bool:
    try:
        with path.open("rb") as handle:
            head = handle.read(4096)
    except OSError:
        return False
    return b'"products"' in head and b'"variants"' in head


def _print_counts(title: str, counts: dict[str, int]) -> None:
    table = Table(title=title)
    table.add_column("table")
    table.add_column("rows", justify="right")
    for name, n in counts.items():
        table.add_row(name, str(n))
    console.print(table)
