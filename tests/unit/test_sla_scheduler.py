"""The SLA tick on a real database: flag at 75% of a budget, escalate at breach, exactly once per mark."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import psycopg
import pytest
from psycopg.rows import dict_row

from copilot.cases.sla_scheduler import run_sla_tick
from tests.api.test_cases_support import NOW, insert_case, unique


@pytest.fixture
async def aconn(database_url):
    async with await psycopg.AsyncConnection.connect(database_url, autocommit=True, row_factory=dict_row) as c:
        yield c


def _events(conn, case_id: int) -> list[tuple[str, str, str | None]]:
    rows = conn.execute("SELECT actor, kind, data->>'clock' AS clock FROM case_events WHERE case_id = %s ORDER BY id",
                        (case_id,)).fetchall()
    return [(r["actor"], r["kind"], r["clock"]) for r in rows]


async def test_case_is_flagged_at_75_percent_of_first_touch_budget_not_before(conn, aconn):
    # Created at NOW with 4 hours to first touch: 75% is 3 hours in.
    case_id = insert_case(conn, queue=unique("q"), created=timedelta(0), first_touch_in=4, resolution_in=None)
    early = await run_sla_tick(aconn, NOW + timedelta(hours=2, minutes=59))
    assert case_id not in [m.case_id for m in early.flagged]
    on_time = await run_sla_tick(aconn, NOW + timedelta(hours=3))
    assert [(m.case_id, m.clock) for m in on_time.flagged if m.case_id == case_id] == [(case_id, "first_touch")]
    row = conn.execute("SELECT sla_flagged_at, status, escalation_level FROM cases WHERE id = %s", (case_id,)).fetchone()
    assert row["sla_flagged_at"] == NOW + timedelta(hours=3)
    assert (row["status"], row["escalation_level"]) == ("awaiting_approval", 0)
    assert _events(conn, case_id) == [("sla_scheduler", "sla_at_risk", "first_touch")]


async def test_breach_escalates_along_the_path_and_records_both_on_the_timeline(conn, aconn):
    case_id = insert_case(conn, queue=unique("q"), created=timedelta(0), first_touch_in=4, resolution_in=None,
                          escalation_path=["ops_lead", "finance"])
    await run_sla_tick(aconn, NOW + timedelta(hours=3, minutes=30))
    result = await run_sla_tick(aconn, NOW + timedelta(hours=4))
    mine = [e for e in result.escalations if e.case_id == case_id]
    assert [(e.level, e.owner, e.previous_owner, e.status) for e in mine] == [
        (1, "ops_lead", "recovery_desk", "escalated")]
    row = conn.execute("SELECT sla_breached_at, owner, status FROM cases WHERE id = %s", (case_id,)).fetchone()
    assert (row["sla_breached_at"], row["owner"], row["status"]) == (NOW + timedelta(hours=4), "ops_lead", "escalated")
    assert _events(conn, case_id) == [
        ("sla_scheduler", "sla_at_risk", "first_touch"),
        ("sla_scheduler", "sla_breached", "first_touch"),
        ("sla_scheduler", "status_changed", None),
        ("sla_scheduler", "escalated", None),
    ]


async def test_repeated_and_concurrent_ticks_act_once_per_clock(conn, database_url):
    case_id = insert_case(conn, queue=unique("q"), created=timedelta(hours=-10), first_touch_in=-1,
                          resolution_in=-0.5)

    async def tick() -> int:
        async with await psycopg.AsyncConnection.connect(database_url, autocommit=True, row_factory=dict_row) as c:
            result = await run_sla_tick(c, NOW)
            return len([e for e in result.escalations if e.case_id == case_id])

    counts = await asyncio.gather(*(tick() for _ in range(4)))
    again = await tick()
    # Both clocks breached: two escalations in total, whichever tick won each mark.
    assert (sum(counts), again) == (2, 0)
    level = conn.execute("SELECT escalation_level, owner FROM cases WHERE id = %s", (case_id,)).fetchone()
    assert (level["escalation_level"], level["owner"]) == (2, "finance")


async def test_touched_and_closed_cases_are_not_flagged_on_first_touch(conn, aconn):
    touched = insert_case(conn, queue=unique("q"), created=timedelta(0), first_touch_in=1, resolution_in=None)
    conn.execute("UPDATE cases SET first_touched_at = %s WHERE id = %s", (NOW, touched))
    closed = insert_case(conn, queue=unique("q"), created=timedelta(0), first_touch_in=1, resolution_in=None,
                         status="closed")
    result = await run_sla_tick(aconn, NOW + timedelta(hours=2))
    acted = {m.case_id for m in result.flagged + result.breached}
    assert touched not in acted and closed not in acted
    assert _events(conn, touched) == [] and _events(conn, closed) == []


async def test_tick_writes_one_queue_snapshot_per_interval(conn, aconn):
    queue = unique("q")
    insert_case(conn, queue=queue, created=timedelta(0), first_touch_in=48, resolution_in=None)
    at = NOW + timedelta(days=30)
    first = await run_sla_tick(aconn, at)
    second = await run_sla_tick(aconn, at + timedelta(minutes=1))
    later = await run_sla_tick(aconn, at + timedelta(minutes=6))
    assert (first.snapshot_written, second.snapshot_written, later.snapshot_written) == (True, False, True)
    rows = conn.execute("SELECT at, open FROM queue_snapshots WHERE queue = %s ORDER BY at", (queue,)).fetchall()
    assert [(r["at"], r["open"]) for r in rows] == [(at, 1), (at + timedelta(minutes=6), 1)]
