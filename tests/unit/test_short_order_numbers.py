"""A shop whose order numbers are short (#12): a customer who writes "order 12", "order #12", "#12" or "order no.
12" names that order, and the planner acts on it. A short number the customer's words do not mark as an order
number ("I ordered 12 mugs", "12 Main St", "at 12:30") stays a quantity, a street number or a time, and a marked
number that is none of this customer's orders names nothing."""

from __future__ import annotations

import pytest

from copilot.decide.playbooks import build_plan
from copilot.decide.playbooks.grounding import named_order_ids
from copilot.reading.model import Intent, Mood
from tests.unit import casefacts as f
from tests.unit.test_playbook_several import POLICY, facts_for, ticket, tools

SHORT = facts_for("#12", "pending", [f.line(1, "40.00", sku="LAMP-W", name="Desk Lamp")], "40.00")


def with_short_order(text: str, *asks: tuple[Intent, Mood, str]):  # noqa: ANN201
    """The customer's case is on the delivered #1001; their other order is the pending #12."""
    case = ticket(text, *asks)
    return case.model_copy(update={"related": [SHORT]})


@pytest.mark.parametrize("text", [
    "Hi, can you please cancel order 12? I don't need the lamp anymore.",
    "Please cancel order #12, I bought the lamp somewhere else.",
    "hey cancel #12 pls, ordered it by mistake",
    "Could you cancel Order No. 12 for me? Thanks, Ava",
    "I'd like to cancel my order number 12, the lamp was a gift idea that fell through.",
    "Can order 12 still be cancelled? Lamp isn't needed anymore",
])
def test_a_short_order_number_the_customer_marks_is_cancelled(text: str) -> None:
    case = with_short_order(text, (Intent.cancel, Mood.instruction, "cancel"))
    assert named_order_ids(case, text) == ["#12"]
    assert tools(build_plan(case, POLICY)) == [("cancel_order", "#12")]


@pytest.mark.parametrize("text", [
    "I ordered 12 mugs and only 10 arrived, please return the yoga mat.",
    "Please ship the yoga mat to 12 Main St instead.",
    "The courier came at 12:30 and left the yoga mat broken, I want to return it.",
    "I'd like to order 12 more yoga mats, and return the broken one.",
    "We order 12 lamps every spring; this time please just return the yoga mat.",
    "New address: 40 Elm Road Apt #12, please send the replacement there.",
    "I placed my order 12 days ago and want to return the yoga mat.",
    "The yoga mat was $12 cheaper elsewhere, I want to return it.",
    "Please cancel order #13, it was a mistake.",  # marked, but no order of this customer
])
def test_a_short_number_not_marked_as_one_of_the_customers_orders_names_no_order(text: str) -> None:
    case = with_short_order(text, (Intent.return_refund, Mood.instruction, "e"))
    assert named_order_ids(case, text) == []


def test_a_long_order_number_is_still_read_without_a_mark() -> None:
    text = "Return the yoga mat from 1001 please, and cancel order #12."
    case = with_short_order(text, (Intent.return_refund, Mood.instruction, "Return"),
                            (Intent.cancel, Mood.instruction, "cancel"))
    assert named_order_ids(case, text) == ["#1001", "#12"]
    assert tools(build_plan(case, POLICY)) == [("refund_payment", "#1001"), ("cancel_order", "#12")]


def test_cancel_naming_a_short_number_that_is_not_the_customers_cancels_nothing() -> None:
    text = "Please cancel order #13, it was a mistake."
    plan = build_plan(with_short_order(text, (Intent.cancel, Mood.instruction, "cancel")), POLICY)
    assert ("cancel_order", "#12") not in tools(plan) and ("cancel_order", "#13") not in tools(plan)
