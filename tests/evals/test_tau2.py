"""The tau2-bench adapter over tasks_train.json: a share of tasks right, reasons for the rest, nothing hidden."""

from __future__ import annotations

import json
from collections import Counter

from copilot.core.settings import Settings
from evals.adapters import tau2
from tests.conftest import TAU2_DIR


async def test_tau2_train_tasks_report_a_share_and_why_the_rest_failed(eval_url: str) -> None:
    tasks_path, db_path = TAU2_DIR / "tasks_train.json", TAU2_DIR / "db.json"
    tasks = json.loads(tasks_path.read_text())
    result = await tau2.run(eval_url, tasks_path, db_path, Settings())
    assert result.tasks == len(tasks) == 74
    assert result.right == sum(t.right for t in result.results)
    assert result.share == round(result.right / result.tasks, 4)
    # Every task that is not right says why, and actions we cannot express are counted, not hidden.
    assert all(t.reasons for t in result.results if not t.right)
    assert all(not t.reasons for t in result.results if t.right)
    unmapped = Counter(a["name"] for t in tasks for a in t["evaluation_criteria"]["actions"]
                       if a["name"] in tau2.NO_COUNTERPART)
    assert result.no_counterpart == dict(unmapped)
    assert {"exchange_delivered_order_items", "modify_user_address"}.isdisjoint(result.no_counterpart)


def test_tau2_write_actions_map_to_our_tools_with_their_arguments() -> None:
    raw = json.loads((TAU2_DIR / "db.json").read_text())
    order_id = next(o for o, v in raw["orders"].items() if len(v["items"]) >= 2)
    items = raw["orders"][order_id]["items"]
    refund = tau2.map_action("return_delivered_order_items",
                             {"order_id": order_id, "item_ids": [items[0]["item_id"], items[1]["item_id"]]}, raw)
    assert refund is not None and refund[0].tool == "refund_payment"
    from decimal import Decimal
    assert Decimal(refund[0].args["amount"]) == Decimal(str(items[0]["price"])) + Decimal(str(items[1]["price"]))
    swap = tau2.map_action("modify_pending_order_items", {"order_id": order_id, "item_ids": [items[1]["item_id"]],
                                                          "new_item_ids": ["123"], "payment_method_id": "x"}, raw)
    assert swap is not None and swap[0].args == {"order_id": order_id, "line_no": 2, "new_sku": "123"}
    profile = tau2.map_action("modify_user_address", {"user_id": "u", "address1": "1 Main St", "address2": "",
                                                      "city": "Denver", "state": "CO", "country": "USA",
                                                      "zip": "80280"}, raw)
    assert profile is not None and profile[0].tool == "update_profile_address"
    assert profile[0].args == {"customer_id": "u", "address": {"line1": "1 Main St", "city": "Denver", "state": "CO",
                                                               "zip": "80280"}}
    payment = tau2.map_action("modify_pending_order_payment", {"order_id": order_id, "payment_method_id": "paypal_1"},
                              raw)
    assert payment is not None and payment[0].tool == "change_payment_method"
    assert payment[0].args == {"order_id": order_id, "payment_method_id": "paypal_1"}


def test_tau2_exchange_maps_each_item_to_its_own_line_even_when_an_order_holds_it_twice() -> None:
    raw = json.loads((TAU2_DIR / "db.json").read_text())
    kettles = raw["orders"]["#W4316152"]["items"]
    assert kettles[0]["item_id"] == kettles[1]["item_id"]
    same = kettles[0]["item_id"]
    mapped = tau2.map_action("exchange_delivered_order_items", {
        "order_id": "#W4316152", "item_ids": [same, same], "new_item_ids": ["3761330360", "9647374798"],
        "payment_method_id": "gift_card_7245904"}, raw)
    assert mapped is not None and mapped[0].tool == "exchange_items"
    assert mapped[0].args == {"order_id": "#W4316152", "payment_method_id": "gift_card_7245904",
                              "lines": [{"line_no": 1, "new_sku": "3761330360"}, {"line_no": 2, "new_sku": "9647374798"}]}


def test_tau2_a_caller_giving_two_emails_is_known_by_the_one_on_file() -> None:
    raw = json.loads((TAU2_DIR / "db.json").read_text())
    user = next(iter(raw["users"].values()))
    local, domain = user["email"].split("@")
    said = {"known_info": f"I'm {user['name']['first_name']}, I use {local}99@{domain} or {user['email']} for mail."}
    assert tau2.identify(said, raw) == user
    assert tau2.identify({"known_info": f"mail me at {local}99@{domain}"}, raw) is None
