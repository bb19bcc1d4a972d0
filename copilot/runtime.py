"""Start-up: find or start the database, migrate it, and seed the demo world when it is empty."""

from __future__ import annotations

import logging

from datetime import UTC, datetime

from copilot import db
from copilot.settings import Settings
from tools.connectors.sandbox.generator import generate_world
from tools.connectors.sandbox.store import world_meta, write_world

log = logging.getLogger(__name__)


def prepare_database(settings: Settings) -> str:
    url = db.resolve_database_url(settings)
    db.migrate(url)
    return url


def seed_demo_world(url: str, seed: int, now: datetime | None = None) -> dict[str, int]:
    """A generated world anchored at `now` (default: this minute), so its deadlines are live."""
    anchor = now or datetime.now(UTC).replace(second=0, microsecond=0)
    world = generate_world(seed=seed, now=anchor)
    with db.connect(url) as conn:
        counts = write_world(conn, world)
    return counts


def seed_if_empty(url: str, seed: int) -> bool:
    with db.connect(url) as conn:
        if world_meta(conn) is not None:
            return False
    seed_demo_world(url, seed)
    return True
