"""The operational half of /metrics: workers, the job queue and the LLM breaker, the numbers /healthz judges."""

from __future__ import annotations

import time

from psycopg import AsyncConnection
from psycopg.rows import DictRow

from copilot.core.settings import Settings
from copilot.llm.breaker import all_states
from copilot.workflow import jobs
from copilot.workflow.liveness import liveness
from copilot.workflow.worker import BesideWorker

BREAKER_VALUE = {"closed": 0, "half_open": 1, "open": 2}


def _family(name: str, kind: str, help_text: str, samples: list[tuple[dict[str, str], float]]) -> list[str]:
    lines = [f"# HELP {name} {help_text}", f"# TYPE {name} {kind}"]
    for labels, value in samples:
        inner = ",".join(f'{k}="{v}"' for k, v in labels.items())
        lines.append(f"{name}{{{inner}}} {value:g}" if inner else f"{name} {value:g}")
    return lines


async def operations(conn: AsyncConnection[DictRow], settings: Settings, beside: BesideWorker | None) -> list[str]:
    health = await jobs.health(conn)
    seen = await liveness(conn, settings.health_worker_stale_s)
    beat_age = -1.0 if seen.last_beat_age_s is None else seen.last_beat_age_s
    lines = [
        *_family("copilot_jobs_ready", "gauge", "Graph jobs ready to run now.", [({}, health.ready)]),
        *_family("copilot_jobs_oldest_ready_age_seconds", "gauge",
                 "How long the oldest ready job has waited (0 when none waits).", [({}, health.oldest_ready_age_s)]),
        *_family("copilot_jobs_failed", "gauge", "Jobs given up after their last attempt, waiting for a retry.",
                 [({}, health.failed)]),
        *_family("copilot_workers_live", "gauge", "Workers whose heartbeat is fresh.", [({}, seen.live_workers)]),
        *_family("copilot_worker_heartbeat_age_seconds", "gauge",
                 "Seconds since the last heartbeat of any worker (-1: none ever).", [({}, beat_age)]),
    ]
    if beside is not None:
        lines += [
            *_family("copilot_worker_loop_age_seconds", "gauge", "Seconds since this process's worker loop turned.",
                     [({}, round(time.monotonic() - beside.stats.loop_at, 1))]),
            *_family("copilot_worker_db_errors_total", "counter",
                     "Database errors this process's worker backed off from.", [({}, beside.stats.db_errors)]),
        ]
    states = all_states()
    lines += [
        *_family("copilot_llm_breaker_state", "gauge", "LLM circuit breaker: 0 closed, 1 half open, 2 open.",
                 [({"server": s.server or ""}, BREAKER_VALUE[s.state]) for s in states]),
        *_family("copilot_llm_breaker_opened_total", "counter", "Times the LLM breaker opened.",
                 [({"server": s.server or ""}, s.opened_total) for s in states]),
        *_family("copilot_llm_calls_short_circuited_total", "counter",
                 "LLM calls not sent because the breaker was open.",
                 [({"server": s.server or ""}, s.short_circuited_total) for s in states]),
    ]
    return lines
