"""The demo world's planted exceptions, routed through the case builder, land in their true categories."""

from __future__ import annotations

from collections import Counter

from copilot.cases.builder import route_signal
from copilot.models import Category
from tests.unit.test_case_builder import aconn, clean_world, insert_signal  # noqa: F401 - aconn is a fixture
from tools.connectors.sandbox.generator import generate_world


async def test_every_seed_signal_of_world_7_lands_in_its_true_category(conn, aconn):  # noqa: F811
    world = generate_world(seed=7)
    clean_world(conn, world)
    wrong: list[tuple[str, str, str]] = []
    per_category: Counter[str] = Counter()
    for seed in sorted(world.seed_signals, key=lambda s: s.signal.occurred_at):
        async with aconn.transaction():
            signal_id = await insert_signal(aconn, seed.signal)
            case_id = await route_signal(aconn, signal_id, seed.signal, world.now)
        row = await (await aconn.execute("SELECT category, status FROM cases WHERE id = %s", (case_id,))).fetchone()
        per_category[seed.category.value] += 1
        if row["category"] != seed.category.value:
            wrong.append((seed.id, seed.category.value, row["category"]))
    total = len(world.seed_signals)
    print(f"seed accuracy {total - len(wrong)}/{total}; wrong: {wrong}")
    assert set(per_category) == {c.value for c in Category}
    assert wrong == []
    routed_away = conn.execute("SELECT count(*) AS n FROM cases WHERE status = 'routed_away'").fetchone()["n"]
    assert routed_away == per_category[Category.out_of_scope.value]
