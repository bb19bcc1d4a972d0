"""The desk under load, on loopback through uvicorn: the approve round trip with 16 concurrent clients, then
the queue listing (GET /api/cases), a case in full (GET /api/cases/{id}) and the desk's HTML pages with
100,000 cases in the database. Targets (issue 7): approve p95 <= 50 ms, listing p95 <= 50 ms."""

from __future__ import annotations

import asyncio
import os
import random
import sys
from datetime import UTC, datetime

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from bench.common import bench_database, machine  # noqa: E402
from bench.desk_world import clone_to, seed_and_work  # noqa: E402
from bench.serve import HEADER, Request, measure, row, served  # noqa: E402
from copilot.core import db  # noqa: E402
from copilot.core.keys import create_key  # noqa: E402
from copilot.core.roles import Role  # noqa: E402

EXCEPTIONS = int(os.environ.get("BENCH_DESK_EXCEPTIONS", "800"))
TOTAL = int(os.environ.get("BENCH_DESK_CASES", "100000"))
CLIENTS = 16
TARGET_MS = 50.0


def approvable(url: str) -> list[dict]:
    """Cases awaiting approval that a lead may approve (none reserved for finance)."""
    with db.connect(url, autocommit=True) as conn:
        return conn.execute(
            "SELECT c.id, c.plan_version FROM cases c WHERE c.status = 'awaiting_approval' AND NOT EXISTS ("
            " SELECT 1 FROM guardrail_verdicts v WHERE v.case_id = c.id AND v.plan_version = c.plan_version"
            " AND v.outcome = 'needs_approval' AND v.mode = 'active' AND v.role IN ('finance', 'admin'))"
            " ORDER BY c.id").fetchall()


def listing_requests(auth: dict, queues: list[str], n: int, rng: random.Random) -> dict[str, list[Request]]:
    params = {
        "GET /api/cases (open, first page of 50)": lambda: {},
        "GET /api/cases?queue=<one queue>": lambda: {"queue": rng.choice(queues)},
        "GET /api/cases?status=actionable": lambda: {"status": "actionable"},
        "GET /api/cases?priority=P1": lambda: {"priority": "P1"},
        "GET /api/cases?category=chargeback": lambda: {"category": "chargeback"},
        "GET /api/cases?sla_state=breached": lambda: {"sla_state": "breached"},
        "GET /api/cases?status=all&limit=200": lambda: {"status": "all", "limit": 200},
    }
    return {name: [("GET", "/api/cases", {"params": make(), "headers": auth}) for _ in range(n)]
            for name, make in params.items()}


async def cursor_walk(base: str, auth: dict, pages: int) -> list[Request]:
    """Real cursors from the service, so deep pages are measured as an agent would reach them."""
    import httpx

    found: list[Request] = []
    async with httpx.AsyncClient(base_url=base, timeout=30) as client:
        cursor = None
        for _ in range(pages):
            page = (await client.get("/api/cases", params={"cursor": cursor} if cursor else {}, headers=auth)).json()
            cursor = page["next_cursor"]
            if not cursor:
                break
            found.append(("GET", "/api/cases", {"params": {"cursor": cursor}, "headers": auth}))
    return found


def report(name: str, result: tuple[list[float], float, dict], target: float | None = None) -> None:
    latencies, elapsed, statuses = result
    bad = {k: v for k, v in statuses.items() if k != 200}
    print(row(name, latencies, elapsed, target) + (f"  non-200: {bad}" if bad else ""))


def main() -> None:
    url = bench_database("copilot_bench_desk")
    now = datetime.now(UTC).replace(second=0, microsecond=0)
    print(f"machine: {machine()}")
    failed, seconds = seed_and_work(url, now, EXCEPTIONS)
    with db.connect(url, autocommit=True) as conn:
        lead = create_key(conn, "bench-lead", Role.lead).key
        worked = conn.execute("SELECT count(*) AS n FROM cases").fetchone()["n"]
    cases = approvable(url)
    print(f"set-up: {EXCEPTIONS} planted exceptions -> {worked} cases through intake and the graph in {seconds:.0f} s"
          f" ({failed} failed jobs); {len(cases)} await an approval a lead may give")
    auth = {"Authorization": f"Bearer {lead}"}
    rng = random.Random(5)
    with served(url) as base:
        print(f"one uvicorn process on loopback, pool of 10 connections, no worker in it; {CLIENTS} concurrent clients"
              " from a bare asyncio HTTP/1.1 client in this process")
        print(HEADER)
        approves = [("POST", f"/api/cases/{c['id']}/approve", {"json": {"plan_version": c["plan_version"]},
                                                               "headers": auth}) for c in cases]
        # Warm up as a service that has been running would be: every pooled connection used, plans cached.
        asyncio.run(measure(base, [("GET", "/api/cases", {"headers": auth})] * 200, CLIENTS))
        # Each case can be approved once: the first 40 one at a time, the rest from 16 clients at once.
        report("POST /api/cases/{id}/approve [1 client]", asyncio.run(measure(base, approves[:40], 1)), TARGET_MS)
        report("POST /api/cases/{id}/approve [16 clients]", asyncio.run(measure(base, approves[40:], CLIENTS)),
               TARGET_MS)
        total = clone_to(url, TOTAL, now)
        with db.connect(url, autocommit=True) as conn:
            queues = [r["queue"] for r in conn.execute("SELECT DISTINCT queue FROM cases WHERE queue IS NOT NULL")]
            open_n = conn.execute("SELECT count(*) AS n FROM cases WHERE status NOT IN ('closed', 'routed_away')"
                                  ).fetchone()["n"]
        print(f"\n{total} cases now: the {worked} worked ones plus clones made with COPY (each a worked case moved back"
              f" up to 30 days with all its clocks, a fresh order id, 60% closed); {open_n} open")
        print(HEADER)
        for name, requests in listing_requests(auth, queues, 100, rng).items():
            asyncio.run(measure(base, requests[:10], 1))  # warm the plan cache
            report(name + " [1 client]", asyncio.run(measure(base, requests, 1)), TARGET_MS)
        default = listing_requests(auth, queues, 800, rng)["GET /api/cases (open, first page of 50)"]
        report("GET /api/cases (open, first page) [16 clients]", asyncio.run(measure(base, default, CLIENTS)),
               TARGET_MS)
        deep = asyncio.run(cursor_walk(base, auth, 60))
        report(f"GET /api/cases?cursor= (pages 2-{len(deep) + 1}) [1 client]", asyncio.run(measure(base, deep, 1)),
               TARGET_MS)
        ids = [rng.randint(1, worked) for _ in range(400)]
        detail = [("GET", f"/api/cases/{i}", {"headers": auth}) for i in ids]
        report("GET /api/cases/{id} (a worked case) [16 clients]", asyncio.run(measure(base, detail, CLIENTS)))
        cookie = {"Cookie": f"rdc_key={lead}"}
        page = [("GET", f"/desk/cases/{i}", {"headers": cookie}) for i in ids[:200]]
        report("GET /desk/cases/{id} (HTML) [16 clients]", asyncio.run(measure(base, page, CLIENTS)))
        queues_api = [("GET", "/api/queues", {"headers": auth}) for _ in range(50)]
        report("GET /api/queues (sizes, attainment) [1 client]", asyncio.run(measure(base, queues_api, 1)))
        queue_page = [("GET", "/desk", {"headers": cookie}) for _ in range(100)]
        report("GET /desk (queue HTML) [16 clients]", asyncio.run(measure(base, queue_page, CLIENTS)))


if __name__ == "__main__":
    main()
