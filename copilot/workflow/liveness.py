"""What /healthz and /metrics read about the database and the workers, in one round trip."""

from __future__ import annotations

from psycopg import AsyncConnection
from psycopg.rows import DictRow

from copilot.core.models import Strict

_LIVENESS = """SELECT current_setting('server_version') AS postgres,
    (SELECT extversion FROM pg_extension WHERE extname = 'vector') AS pgvector,
    (SELECT count(*) FROM workers WHERE beat_at > now() - make_interval(secs => %(stale)s)) AS live_workers,
    (SELECT extract(epoch FROM now() - max(beat_at))::float FROM workers) AS last_beat_age_s"""


class Liveness(Strict):
    postgres: str
    pgvector: str | None
    live_workers: int  # workers anywhere whose heartbeat is younger than the stale limit
    last_beat_age_s: float | None  # since the newest heartbeat of any worker; None when none ever beat


async def liveness(conn: AsyncConnection[DictRow], stale_s: float) -> Liveness:
    cur = await conn.execute(_LIVENESS, {"stale": stale_s})
    return Liveness.model_validate(await cur.fetchone())
