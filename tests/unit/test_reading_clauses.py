"""Reading what customers write in one breath: two asks in one sentence, the item a clause keeps, a removal that
names the line by its variant, a short ask from a known customer, text that is plainly about something else,
and an LLM's reading checked against the records. Tickets are written as customers write; worlds are small."""

from __future__ import annotations

from copilot.cases.taxonomy import classify_ticket
from copilot.core.models import Category
from copilot.reading.checked import ModelOption, ModelReading, ModelRequest, checked
from copilot.reading.grounding import Line, OrderFacts, Variant, World, ground
from copilot.reading.model import Intent, Mood
from copilot.reading.reader import read_text
from copilot.reading.typos import correct

HEADPHONES = Line(2, "HP-BLUE-WIRED", "Headphones", {"color": "blue", "connectivity": "wired"})
WORLD = World(
    orders=[
        OrderFacts("#W1000001", "pending", [
            Line(1, "SHELF-BROWN", "Bookshelf", {"color": "brown"}), HEADPHONES,
            Line(3, "SK-PLASTIC", "Skateboard", {"deck material": "plastic"}),
            Line(4, "SK-MAPLE", "Skateboard", {"deck material": "maple"})]),
        OrderFacts("#W1000002", "delivered", [Line(1, "KETTLE-STEEL", "Electric Kettle", {"material": "steel"})]),
    ],
    variants={"Headphones": [Variant("HP-BLUE-WIRED", {"color": "blue", "connectivity": "wired"}, True),
                             Variant("HP-BLUE-WIRELESS", {"color": "blue", "connectivity": "wireless"}, True)]},
    payment_methods=[{"id": "paypal_1", "source": "paypal", "brand": None, "last4": None}])


def test_two_asks_of_one_intent_in_one_sentence_are_two_requests_each_on_its_own_item():
    reading = ground(read_text("", "remove the bookshelf from my order and change the headphones to the wireless "
                                   "version pls"), WORLD)
    asks = [(r.intent, [i.sku for i in r.items], r.target.sku if r.target else None) for r in reading.requests]
    assert asks == [(Intent.change_items, ["SHELF-BROWN"], None),
                    (Intent.change_items, ["HP-BLUE-WIRED"], "HP-BLUE-WIRELESS")]


def test_a_removal_takes_the_line_its_variant_words_name_and_asks_for_no_variant():
    reading = ground(read_text("", "I have two skateboards on my order, I only need the maple one. "
                                   "Please remove the plastic one."), WORLD)
    [request] = reading.requests
    assert [i.sku for i in request.items] == ["SK-PLASTIC"] and request.target is None


def test_a_line_the_customer_keeps_is_not_acted_on():
    reading = ground(read_text("", "please take the bookshelf and the headphones off, the skateboards are fine"),
                     WORLD)
    [request] = reading.requests
    assert sorted(i.sku for i in request.items) == ["HP-BLUE-WIRED", "SHELF-BROWN"]


def test_a_short_ask_is_held_unless_the_sender_is_a_known_customer():
    bare = read_text("", "cancel pls")
    assert bare.needs_reading and classify_ticket("", "cancel pls").category is Category.needs_reading
    assert classify_ticket("", "cancel pls", known_customer=True).category is Category.change_request
    mine = ground(bare, World(orders=[WORLD.orders[0]]))
    assert not mine.needs_reading and [(r.intent, r.order.order_id if r.order else None) for r in mine.requests] \
        == [(Intent.cancel, "#W1000001")]


def test_an_acting_ask_inside_an_if_clause_is_a_condition_not_lost():
    reading = read_text("", "if the kettle hasnt shipped yet cancel it")
    assert [(r.intent, r.mood) for r in reading.requests] == [(Intent.cancel, Mood.condition)]


def test_text_plainly_about_something_else_is_found_out_of_scope_not_held():
    for text, topic in [("what is my checking account balance at chase", "banking"),
                        ("book me a hotel room in denver for friday", "travel"),
                        ("set a timer for ten minutes", "assistant")]:
        reading = read_text("", text)
        assert reading.out_of_scope is not None and reading.out_of_scope.topic == topic, text
    chasing = read_text("", "Hello?? I emailed yesterday and nobody answered. Thank you")
    assert chasing.out_of_scope is None and chasing.needs_reading  # a customer waiting is not small talk
    declined = read_text("", "my card was declined at checkout, what is going on with my bank")
    assert declined.out_of_scope is None and declined.requests[0].intent is Intent.payment_problem


def test_real_words_are_not_typos_but_misspellings_are():
    assert correct("delete fries from my shopping list", "en").fixes == ()
    assert dict(correct("i want to cancle and get a refnd", "en").fixes) == {"cancle": "cancel", "refnd": "refund"}


def test_the_models_reading_is_grounded_and_every_invention_is_recorded():
    rules = ground(read_text("", "please change the headphones to the wireless version"), WORLD)
    model = ModelReading(language="en", requests=[
        ModelRequest(intent=Intent.change_items, mood=Mood.instruction, order_id="#W9999999", items=["headphones"],
                     target=[ModelOption(option="connectivity", value="wireless")]),
        ModelRequest(intent=Intent.exchange, mood=Mood.instruction, items=["sofa"],
                     target=[ModelOption(option="color", value="purple")], payment="venmo")])
    read = checked(model, rules, WORLD)
    assert read.read_by == "llm" and read.needs_reading
    first, second = read.requests
    assert first.order is not None and first.order.order_id == "#W1000001" and first.order.how == "inferred"
    assert [i.sku for i in first.items] == ["HP-BLUE-WIRED"] and first.target is not None \
        and first.target.sku == "HP-BLUE-WIRELESS"
    assert second.items == [] and second.target is None and second.payment is None and second.order is None
    said = "\n".join(read.disagreements)
    for invented in ("order #W9999999 is not written", "#W9999999 is not one of the customer's orders",
                     "'sofa' is not in the message", "'sofa' is on none", "color 'purple'",
                     "no payment method of the customer is 'venmo'", "the model read exchange on no order"):
        assert invented in said, invented


def test_a_model_that_agrees_with_the_records_leaves_the_reading_to_the_desk():
    rules = ground(read_text("", "please change the headphones to the wireless version"), WORLD)
    model = ModelReading(language="en", requests=[
        ModelRequest(intent=Intent.change_items, mood=Mood.instruction, items=["headphones"],
                     target=[ModelOption(option="connectivity", value="wireless")])])
    read = checked(model, rules, WORLD)
    assert read.disagreements == [] and not read.needs_reading and read.requests[0].unknown == []
