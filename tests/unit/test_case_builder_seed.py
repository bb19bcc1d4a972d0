"""The demo world's planted exceptions, routed through the case builder, land in their true categories."""

from __future__ import annotations

import time
from collections import Counter

from copilot.cases.triage import QUEUES
from copilot.core.models import Category
from copilot.intake.builder import route_signal
from tests.unit.test_case_builder import aconn, clean_world, insert_signal  # noqa: F401 - aconn is a fixture
from tools.connectors.sandbox.generator import generate_world


async def test_every_seed_signal_of_world_7_lands_in_its_true_category(conn, aconn):  # noqa: F811
    world = generate_world(seed=7)
    clean_world(conn, world)
    wrong: list[tuple[str, str, str]] = []
    per_category: Counter[str] = Counter()
    started = time.perf_counter()
    for seed in sorted(world.seed_signals, key=lambda s: s.signal.occurred_at):
        async with aconn.transaction():
            signal_id = await insert_signal(aconn, seed.signal)
            case_id = await route_signal(aconn, signal_id, seed.signal, world.now)
        row = await (await aconn.execute("SELECT category, status FROM cases WHERE id = %s", (case_id,))).fetchone()
        per_category[seed.category.value] += 1
        if row["category"] != seed.category.value:
            wrong.append((seed.id, seed.category.value, row["category"]))
    total = len(world.seed_signals)
    per_signal_ms = (time.perf_counter() - started) * 1000 / total
    print(f"seed accuracy {total - len(wrong)}/{total}; {per_signal_ms:.1f} ms per signal; wrong: {wrong}")
    assert set(per_category) == {c.value for c in Category} - {Category.needs_reading.value}
    assert wrong == []
    routed_away = conn.execute("SELECT count(*) AS n FROM cases WHERE status = 'routed_away'").fetchone()["n"]
    assert routed_away == per_category[Category.out_of_scope.value]
    worked = conn.execute("SELECT category, queue, owner, priority, priority_reasons, first_touch_due,"
                          " resolution_due, disposition FROM cases WHERE status = 'triaged'").fetchall()
    for case in worked:
        assert case["queue"] == QUEUES[Category(case["category"])]
        assert case["owner"] == "recovery_desk" and case["priority"] in ("P1", "P2", "P3", "P4")
        assert case["priority_reasons"] and case["first_touch_due"] <= case["resolution_due"]
        assert case["disposition"] is not None
    assert {c["priority"] for c in worked} >= {"P1", "P2", "P3"}
