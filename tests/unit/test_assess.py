"""`copilot assess` on sample exports built here with known categories: volumes and values must match."""

from __future__ import annotations

import csv
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

from copilot.assess import assess_paths
from copilot.models import Category

ORDER_HEADERS = ["Name", "Email", "Financial Status", "Fulfillment Status", "Risk Level", "Tags", "Total",
                 "Created at", "Loyalty Tier"]
KINDS = [  # (financial, fulfillment, risk, tags) -> expected category
    (("paid", "unfulfilled", "High", ""), Category.fraud_hold),
    (("pending", "unfulfilled", "Low", ""), Category.payment_failure),
    (("paid", "unfulfilled", "Low", "address-check"), Category.address_issue),
    (("paid", "partial", "Low", ""), Category.split_shipment),
    (("paid", "unfulfilled", "Low", "backorder"), Category.inventory_mismatch),
    (("paid", "fulfilled", "Low", "vip"), None),
]
TICKETS = [("Cancel my order", "Please cancel order {ref}, I ordered it by mistake.", Category.change_request),
           ("Where is my refund?", "Where is my refund for order {ref}?", Category.refund_request)]


def _write(path: Path, headers: list[str], rows: list[list[object]]) -> Path:
    with path.open("w", newline="") as handle:
        w = csv.writer(handle)
        w.writerow(headers)
        w.writerows(rows)
    return path


def _sample(tmp: Path) -> tuple[list[Path], dict[Category, tuple[int, Decimal]]]:
    expected: dict[Category, tuple[int, Decimal]] = {}
    orders, tickets = [], []
    for i in range(300):
        (fin, ful, risk, tags), category = KINDS[i % len(KINDS)]
        total = Decimal(20 + i % 37) + Decimal("0.95")
        name = f"#{5000 + i}"
        orders.append([name, f"c{i}@example.com", fin, ful, risk, tags, f"{total}", "2026-11-10 10:00", "gold"])
        if category is not None:
            n, v = expected.get(category, (0, Decimal("0")))
            expected[category] = (n + 1, v + total)
        if i % 5 == 0:
            subject, body, tcat = TICKETS[(i // 5) % 2]
            tickets.append([f"t{i}", subject, body.format(ref=name), f"c{i}@example.com", "2026-11-11"])
            n, v = expected.get(tcat, (0, Decimal("0")))
            expected[tcat] = (n + 1, v + total)
    threepl = [[f"#{5000 + i}", f"SKU-{i}", "WH-EAST", "OVERSOLD", "2026-11-12"] for i in range(0, 300, 30)]
    for i in range(0, 300, 30):
        n, v = expected[Category.inventory_mismatch]
        total = Decimal(20 + i % 37) + Decimal("0.95")
        expected[Category.inventory_mismatch] = (n + 1, v + total)
    paths = [_write(tmp / "orders_export.csv", ORDER_HEADERS, orders),
             _write(tmp / "tickets.csv", ["id", "subject", "description", "requester", "created"], tickets),
             _write(tmp / "3pl.csv", ["order", "sku", "warehouse", "exception", "created"], threepl)]
    return paths, expected


def test_volumes_and_values_by_category_match_the_sample(tmp_path):
    paths, expected = _sample(tmp_path)
    result = assess_paths(paths, recovery_rate=0.5)
    got = {c.category: (c.rows, c.value) for c in result.categories}
    assert got == expected
    assert result.rows == 300 + 60 + 10
    assert result.exceptions == sum(n for n, _ in expected.values())
    recoverable = sum((v for c, (_, v) in expected.items() if c is not Category.refund_request), Decimal("0"))
    assert result.recoverable_value == recoverable
    assert result.expected_recovered == (recoverable / 2).quantize(Decimal("0.01"))
    assert result.unknown_columns[str(paths[0])] == ["Loyalty Tier"]
    assert {c.category: c.playbook for c in result.categories}[Category.fraud_hold] == "fraud_hold"


def test_the_cli_writes_the_map_and_refuses_an_unknown_export_in_one_line(tmp_path):
    paths, _ = _sample(tmp_path)
    done = subprocess.run([sys.executable, "-m", "copilot", "assess", *map(str, paths)], capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "| fraud_hold | 50 |" in done.stdout and "Loyalty Tier" in done.stdout
    odd = _write(tmp_path / "odd.csv", ["a", "b"], [[1, 2]])
    bad = subprocess.run([sys.executable, "-m", "copilot", "assess", str(odd)], capture_output=True, text=True,
                         timeout=120)
    assert bad.returncode == 2 and bad.stderr.strip().count("\n") == 0 and "cannot tell" in bad.stderr
