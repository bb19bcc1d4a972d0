"""GET /api/queues: sizes, at-risk and breached counts, SLA attainment and the oldest open case per queue."""

from __future__ import annotations

from datetime import timedelta

from tests.api.test_cases_support import bearer, client, insert_case, key_for, unique


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
