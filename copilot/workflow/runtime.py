"""Start-up: find or start the database, migrate it, and seed the demo world when it is empty."""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime

import psycopg
from psycopg.rows import DictRow, dict_row

from copilot.core import db
from copilot.core.settings import Settings
from tools.connectors.sandbox.generator import generate_world
from tools.connectors.sandbox.store import world_meta, write_world

log = logging.getLogger(__name__)


def prepare_database(settings: Settings) -> str:
    url = db.resolve_database_url(settings)
    db.migrate(url)
    return url


def seed_demo_world(url: str, seed: int, now: datetime | None = None) -> dict[str, int]:
    """A generated world anchored at `now` (default: this minute), so its deadlines are live; its planted
    exceptions then come in through intake and become triaged cases with graph jobs."""
    anchor = now or datetime.now(UTC).replace(second=0, microsecond=0)
    world = generate_world(seed=seed, now=anchor)
    with db.connect(url) as conn:
        reset_desk(conn)
        counts = write_world(conn, world)
    counts["signals_ingested"] = asyncio.run(_ingest_seeds(url, anchor))
    return counts


async def _ingest_seeds(url: str, now: datetime) -> int:
    from copilot.intake.ingest import ingest_seed_signals

    async with await psycopg.AsyncConnection.connect(url, autocommit=True, row_factory=dict_row) as conn:
        return await ingest_seed_signals(conn, now)


def seed_if_empty(url: str, seed: int) -> bool:
    with db.connect(url) as conn:
        if world_meta(conn) is not None:
            return False
    seed_demo_world(url, seed)
    return True


DESK_TABLES = ("raw_deliveries", "signals", "dead_letters", "cases", "case_events", "proposed_actions",
               "guardrail_verdicts", "messages", "approvals", "tool_calls", "embeddings", "case_jobs", "llm_calls", "root_causes",
               "queue_snapshots",  # the old desk's queue sizes must not draw in the new desk's charts
               "desk_clock")  # a simulation's clock left by a crashed run must not stamp the next desk
CHECKPOINT_TABLES = ("checkpoints", "checkpoint_blobs", "checkpoint_writes")


# The audit tables refuse TRUNCATE unless the transaction carries this phrase (migration 013).
RESET_DESK_SETTING = "copilot.reset_desk"
RESET_DESK_PHRASE = "start a new desk: forget every case and its audit trail"


def reset_desk(conn: psycopg.Connection[DictRow]) -> None:
    """Forget every case and its graph threads: a new world starts a new desk (case ids restart at 1)."""
    present = {r["tablename"] if isinstance(r, dict) else r[0] for r in conn.execute(
        "SELECT tablename FROM pg_tables WHERE schemaname = 'public'")}
    tables = [t for t in (*DESK_TABLES, *CHECKPOINT_TABLES) if t in present]
    with conn.transaction():
        conn.execute("SELECT set_config(%s, %s, true)", (RESET_DESK_SETTING, RESET_DESK_PHRASE))
        conn.execute("TRUNCATE " + ", ".join(tables) + " RESTART IDENTITY CASCADE")
        # Cleared at once: inside a caller's open transaction this is a savepoint, and SET LOCAL would
        # otherwise stay in force until that outer transaction ends.
        conn.execute("SELECT set_config(%s, '', true)", (RESET_DESK_SETTING,))
