"""The messy suite's labels agree with its world: every id a label names exists in the tau2 retail db and
belongs to the customer the ticket is from, the closed sets hold, and the held split shares no customer
with dev (a label that drifts from the world would score the reader against a wrong answer)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import TAU2_DIR

MESSY = Path(__file__).resolve().parents[2] / "evals" / "datasets" / "messy"
INTENTS = {"cancel", "change_items", "change_address", "change_payment", "exchange", "return_refund",
           "where_is_order", "damaged_missing_wrong", "payment_problem", "dispute", "compensation",
           "question", "other"}
MOODS = {"instruction", "question", "condition", "threat", "hypothetical"}
CHANNELS = {"email", "zendesk", "gorgias", "freshdesk"}
REQUEST_KEYS = {"intent", "mood", "order_id", "items", "target", "address", "payment_method_id", "unknown"}


@pytest.fixture(scope="module")
def world() -> dict[str, Any]:
    return json.loads((TAU2_DIR / "db.json").read_text())


def tickets(split: str) -> list[dict[str, Any]]:
    lines = (MESSY / f"{split}.jsonl").read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines if line.strip()]


def owner_errors(ticket: dict[str, Any], world: dict[str, Any]) -> list[str]:
    users, orders = world["users"], world["orders"]
    sender = {u["email"]: uid for uid, u in users.items()}.get(ticket["from_email"])
    errors: list[str] = []
    owners: set[str] = set()
    for order_id in ticket["expect"]["identification"]["order_ids"]:
        if order_id not in orders:
            errors.append(f"identification names {order_id}, not in the world")
    for request in ticket["expect"]["requests"]:
        order_id = request["order_id"]
        if order_id is None:
            if request["items"] or request["payment_method_id"]:
                errors.append("items or a payment method without an order")
            continue
        if order_id not in orders:
            errors.append(f"{order_id} is not in the world")
            continue
        order = orders[order_id]
        owners.add(order["user_id"])
        if sender and order["user_id"] != sender:
            errors.append(f"{order_id} belongs to {order['user_id']}, the sender is {sender}")
        lines = {item["item_id"] for item in order["items"]}
        errors += [f"item {item} is not on {order_id}" for item in request["items"] if item not in lines]
        method = request["payment_method_id"]
        if method and method not in users[order["user_id"]]["payment_methods"]:
            errors.append(f"payment method {method} is not {order['user_id']}'s")
    if len(owners) > 1:
        errors.append(f"requests name orders of several customers: {sorted(owners)}")
    return errors


@pytest.mark.parametrize("split,minimum", [("dev", 200), ("held", 60)])
def test_every_label_is_grounded_in_the_world(split: str, minimum: int, world: dict[str, Any]) -> None:
    rows = tickets(split)
    assert len(rows) >= minimum
    assert len({t["id"] for t in rows}) == len(rows)
    problems = {}
    for ticket in rows:
        expect = ticket["expect"]
        errors = owner_errors(ticket, world)
        errors += [f"intent {r['intent']}" for r in expect["requests"] if r["intent"] not in INTENTS]
        errors += [f"mood {r['mood']}" for r in expect["requests"] if r["mood"] not in MOODS]
        errors += [f"request keys {sorted(set(r) ^ REQUEST_KEYS)}" for r in expect["requests"]
                   if set(r) != REQUEST_KEYS]
        if ticket["channel"] not in CHANNELS:
            errors.append(f"channel {ticket['channel']}")
        if expect["out_of_scope"] and expect["requests"]:
            errors.append("out of scope yet asks something")
        if expect["automation_ok"] and len(expect["requests"]) != 1:
            errors.append("automation judged fine on other than one request")
        if errors:
            problems[ticket["id"]] = errors
    assert problems == {}


def test_held_split_shares_no_customer_with_dev(world: dict[str, Any]) -> None:
    def customers(split: str) -> set[str]:
        by_email = {u["email"]: uid for uid, u in world["users"].items()}
        found = set()
        for ticket in tickets(split):
            if ticket["from_email"] in by_email:
                found.add(by_email[ticket["from_email"]])
            found |= {world["orders"][r["order_id"]]["user_id"] for r in ticket["expect"]["requests"]
                      if r["order_id"] in world["orders"]}
        return found

    assert customers("dev") & customers("held") == set()
