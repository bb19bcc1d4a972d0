"""GET /api/queues: sizes, at-risk and breached counts, SLA attainment and the oldest open case per queue."""

from __future__ import annotations

from datetime import timedelta

from tests.api.test_cases_support import NOW, bearer, client, insert_case, key_for, unique


def test_queue_stats_count_sla_states_attainment_and_oldest_case(database_url, conn):
    queue = unique("q")
    oldest = insert_case(conn, queue=queue, created=timedelta(hours=-5), first_touch_in=-1)  # breached
    insert_case(conn, queue=queue, created=timedelta(hours=-3.5), first_touch_in=0.5)  # at risk
    insert_case(conn, queue=queue, created=timedelta(hours=-1), first_touch_in=6)  # ok
    insert_case(conn, queue=queue, created=timedelta(hours=-9), first_touch_in=20, status="closed")
    with client(database_url) as api:
        body = api.get("/api/queues", headers=bearer(key_for(conn, "qa"))).json()
        unauthenticated = api.get("/api/queues")
    mine = next(q for q in body["queues"] if q["queue"] == queue)
    assert (mine["open"], mine["at_risk"], mine["breached"]) == (3, 1, 1)
    assert mine["sla_attainment"] == 0.75  # one breach among the queue's four cases
    assert mine["oldest_case_id"] == oldest
    assert unauthenticated.status_code == 401


def test_attainment_counts_only_cases_created_in_the_last_seven_days(database_url, conn):
    """A breach from three weeks ago no longer weighs on the queue's attainment; an open case that old still
    counts as open, breached, and the oldest."""
    queue = unique("q")
    insert_case(conn, queue=queue, created=timedelta(days=-21), first_touch_in=-500, status="closed")
    old_open = insert_case(conn, queue=queue, created=timedelta(days=-20), first_touch_in=-470)  # breached
    insert_case(conn, queue=queue, created=timedelta(hours=-2), first_touch_in=6)  # ok
    insert_case(conn, queue=queue, created=timedelta(hours=-1), first_touch_in=6, status="closed")  # ok
    with client(database_url) as api:
        mine = next(q for q in api.get("/api/queues", headers=bearer(key_for(conn, "agent"))).json()["queues"]
                    if q["queue"] == queue)
    assert (mine["open"], mine["breached"], mine["oldest_case_id"]) == (2, 1, old_open)
    assert mine["sla_attainment"] == 1.0  # the two recent cases; both 20-day-old ones are outside the window


async def test_queue_numbers_are_shared_for_the_ttl_then_recomputed(database_url, conn):
    """Within the TTL every caller gets the same computation (same as_of, a new case not yet counted);
    once it has passed, the numbers are read again."""
    import psycopg
    from psycopg.rows import dict_row

    from copilot.desk.queries import QueueStatsCache

    queue = unique("q")
    insert_case(conn, queue=queue)
    cache = QueueStatsCache(ttl_s=5)
    async with await psycopg.AsyncConnection.connect(database_url, autocommit=True, row_factory=dict_row) as aconn:
        first = await cache.get(aconn, NOW)
        insert_case(conn, queue=queue)
        within = await cache.get(aconn, NOW + timedelta(seconds=4))
        after = await cache.get(aconn, NOW + timedelta(seconds=5))

    def opened(view):
        return next(q.open for q in view.queues if q.queue == queue)

    assert within.as_of == first.as_of == NOW and opened(within) == 1
    assert after.as_of == NOW + timedelta(seconds=5) and opened(after) == 2
