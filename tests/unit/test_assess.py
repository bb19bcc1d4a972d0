"""`copilot assess` on sample exports built here with known categories: volumes and values must match."""

from __future__ import annotations

import csv
import os
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest

from copilot.core.errors import InvalidInput
from copilot.core.models import Category
from copilot.intake.assess import assess_paths

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


def _add(expected: dict[Category, tuple[int, Decimal]], category: Category, total: Decimal) -> None:
    n, v = expected.get(category, (0, Decimal("0")))
    expected[category] = (n + 1, v + total)


def _sample(tmp: Path) -> tuple[list[Path], dict[Category, tuple[int, Decimal]]]:
    """300 orders, a ticket about every fifth and a 3PL row about every thirtieth. The desk opens one case per
    order, so an order the storefront already flags keeps its category and its value is counted once."""
    expected: dict[Category, tuple[int, Decimal]] = {}
    orders, tickets, threepl = [], [], []
    for i in range(300):
        (fin, ful, risk, tags), category = KINDS[i % len(KINDS)]
        total = Decimal(20 + i % 37) + Decimal("0.95")
        name = f"#{5000 + i}"
        orders.append([name, f"c{i}@example.com", fin, ful, risk, tags, f"{total}", "2026-11-10 10:00", "gold"])
        if i % 30 == 0:
            threepl.append([f"#{5000 + i}", f"SKU-{i}", "WH-EAST", "OVERSOLD", "2026-11-12"])
            category = category or Category.inventory_mismatch
        if i % 5 == 0:
            subject, body, tcat = TICKETS[(i // 5) % 2]
            tickets.append([f"t{i}", subject, body.format(ref=name), f"c{i}@example.com", "2026-11-11"])
            category = category or tcat
        if category is not None:
            _add(expected, category, total)
    paths = [_write(tmp / "orders_export.csv", ORDER_HEADERS, orders),
             _write(tmp / "tickets.csv", ["id", "subject", "description", "requester", "created"], tickets),
             _write(tmp / "3pl.csv", ["order", "sku", "warehouse", "exception", "created"], threepl)]
    return paths, expected


def test_volumes_and_values_by_category_match_the_sample(tmp_path):
    paths, expected = _sample(tmp_path)
    result = assess_paths(paths, recovery_rate=0.5)
    got = {c.category: (c.orders, c.value) for c in result.categories}
    assert got == expected
    assert result.rows == 300 + 60 + 10 and result.orders == 300
    assert result.exceptions == sum(n for n, _ in expected.values())
    recoverable = sum((v for c, (_, v) in expected.items() if c is not Category.refund_request), Decimal("0"))
    assert result.recoverable_value == recoverable
    assert result.expected_recovered == (recoverable / 2).quantize(Decimal("0.01"))
    assert result.unknown_columns[str(paths[0])] == ["Loyalty Tier"]
    assert {c.category: c.playbook for c in result.categories}[Category.fraud_hold] == "fraud_hold"


def test_the_cli_writes_the_map_and_refuses_an_unknown_export_in_one_line(tmp_path):
    paths, _ = _sample(tmp_path)
    done = subprocess.run([sys.executable, "-m", "cli", "assess", *map(str, paths)], capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "| fraud_hold | 50 | 70 |" in done.stdout and "Loyalty Tier" in done.stdout
    odd = _write(tmp_path / "odd.csv", ["a", "b"], [[1, 2]])
    bad = subprocess.run([sys.executable, "-m", "cli", "assess", str(odd)], capture_output=True, text=True,
                         timeout=120)
    assert bad.returncode == 2 and bad.stderr.strip().count("\n") == 0 and "cannot tell" in bad.stderr


def test_an_order_named_in_several_files_and_rows_is_one_case_counted_once(tmp_path):
    """A Shopify export repeats an order on each line item, and the same order shows up in a ticket and in the
    3PL's exceptions: one case, its value once. The 3PL file is the project's own /intake/3pl fixture."""
    orders = _write(tmp_path / "orders.csv", ORDER_HEADERS, [
        ["#1013", "ana@example.com", "paid", "unfulfilled", "High", "", "120.00", "2026-11-10 10:00", ""],
        ["#1013", "", "", "", "", "", "", "", ""],  # second line item: Shopify leaves the order fields empty
        ["#1014", "bo@example.com", "paid", "unfulfilled", "Low", "", "1,080.50", "2026-11-10 11:00", ""],
        ["#1015", "cy@example.com", "paid", "fulfilled", "Low", "", "$30", "2026-11-10 12:00", ""]])
    tickets = _write(tmp_path / "tickets.csv", ["id", "subject", "description", "order"], [
        ["t1", "Order on hold?", "Why is my order still not shipped? I paid days ago.", "1013"],
        ["t2", "Cancel please", "Please cancel my order, I ordered it by mistake.", "#1014"]])
    threepl = SHARED_3PL
    result = assess_paths([orders, tickets, threepl, orders], recovery_rate=1.0)  # the orders file twice, too
    got = {c.category: (c.orders, c.rows, c.value) for c in result.categories}
    # #1013: the storefront's fraud hold wins over the ticket and the 3PL's short pick; rows 2+2+1+1.
    # #1014: the 3PL's label error outranks the customer's cancel; #1015: the 3PL row with no code.
    assert got[Category.fraud_hold] == (1, 6, Decimal("120.00"))
    assert sum(n for n, _, _ in got.values()) == 3 == result.exceptions
    assert result.orders == 3 and result.rows == 4 * 2 + 2 + 3
    assert sum(v for _, _, v in got.values()) == Decimal("1230.50") == result.recoverable_value


SHARED_3PL = Path(__file__).resolve().parents[1] / "fixtures" / "payloads" / "threepl" / "exceptions.csv"


def test_the_projects_own_3pl_exceptions_csv_is_read(tmp_path):
    result = assess_paths([SHARED_3PL])
    assert result.files == {str(SHARED_3PL): "threepl"} and result.unknown_columns[str(SHARED_3PL)] == []
    assert {c.category: c.orders for c in result.categories} == {Category.inventory_mismatch: 1,
                                                                  Category.threepl_exception: 2}


@pytest.mark.parametrize("total", ["1e9", "-20.00", "20.00-", "12abc", "1.2.3", "12,34", "--5", "0x1F"])
def test_a_total_that_is_not_plainly_an_amount_is_an_error_naming_its_row_and_column(tmp_path, total):
    path = _write(tmp_path / "orders.csv", ORDER_HEADERS, [
        ["#1", "a@example.com", "pending", "unfulfilled", "Low", "", "10.00", "2026-11-10", ""],
        ["#2", "b@example.com", "pending", "unfulfilled", "Low", "", total, "2026-11-10", ""]])
    with pytest.raises(InvalidInput) as caught:
        assess_paths([path])
    assert caught.value.message.startswith(f"{path} row 3, column Total: {total!r} is not an amount")


@pytest.mark.parametrize(("total", "value"), [("1,234.50", "1234.50"), ("$12", "12"), ("EUR 9.90", "9.90"),
                                              ("0.5", "0.5"), ("7 USD", "7")])
def test_amounts_as_stores_export_them(tmp_path, total, value):
    path = _write(tmp_path / "orders.csv", ORDER_HEADERS,
                  [["#1", "a@example.com", "pending", "unfulfilled", "Low", "", total, "2026-11-10", ""]])
    assert assess_paths([path]).recoverable_value == Decimal(value)


def test_the_cli_names_the_bad_cell_in_one_line(tmp_path):
    path = _write(tmp_path / "orders.csv", ORDER_HEADERS,
                  [["#1", "a@example.com", "pending", "unfulfilled", "Low", "", "1e9", "2026-11-10", ""]])
    bad = subprocess.run([sys.executable, "-m", "cli", "assess", str(path)], capture_output=True, text=True,
                         timeout=120)
    assert bad.returncode == 2 and bad.stdout == ""
    assert bad.stderr.strip() == f"copilot: {path} row 2, column Total: '1e9' is not an amount (digits, optional thousands" \
        " commas and decimals, no sign or exponent)"


def test_help_lists_the_columns_each_export_needs():
    done = subprocess.run([sys.executable, "-m", "cli", "assess", "--help"], capture_output=True, text=True,
                          timeout=120, env={**os.environ, "COLUMNS": "200"})
    text = " ".join(done.stdout.split())
    for needed in ("Name, Financial Status, Fulfillment Status, Total", "subject, description",
                   "order (or order_id, order_ref, order_number, reference), exception_code"):
        assert needed in text
