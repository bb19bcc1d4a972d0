"""The eight ways the old reader misread customers (issue 14), each as a customer wrote it. On the code before
the Reading, each of these was filed wrong: the asserts name what used to happen."""

from __future__ import annotations

from copilot.cases.taxonomy import classify_ticket
from copilot.core.models import Category
from copilot.decide.plan import CaseState
from copilot.decide.playbooks.reading_gate import not_an_instruction
from copilot.reading.grounding import Line, OrderFacts, Variant, World, ground
from copilot.reading.model import Intent, Mood
from copilot.reading.reader import read_text


def test_1_a_zip_given_to_identify_is_not_an_address_problem():
    body = "hi there, my zip is 98101 if you need it to find me. I'd like to swap the boots for a bigger size"
    reading = read_text("boots", body)
    assert reading.identification.zip == "98101"
    assert [r.intent for r in reading.requests] == [Intent.change_items]
    assert classify_ticket("boots", body).category is Category.change_request  # was address_issue


def test_2_questions_and_conditions_are_not_instructions():
    should = read_text("", "The parcel is so late. Should I just cancel?")
    assert [(r.intent, r.mood) for r in should.requests if r.intent is Intent.cancel] == [(Intent.cancel, Mood.question)]
    cond = read_text("order", "cancel it if it isn't out the door today")
    assert [(r.intent, r.mood) for r in cond.requests] == [(Intent.cancel, Mood.condition)]
    paid = read_text("quick one", "what did I pay on that order? can't find the receipt")
    assert paid.requests[0].intent is Intent.question and paid.requests[0].topic == "price"
    case = CaseState(case_id=1, category=Category.change_request, now="2026-05-01T10:00:00Z", reading=cond)
    reported = not_an_instruction(case)
    assert reported is not None and [a.tool for a in reported.actions] == ["escalate_case"]
    assert "condition" in reported.reasons[0]


def test_2_a_politely_wrapped_whether_i_can_is_still_a_question():
    body = "I want to return the electric kettle, it leaks. Could you also check whether I can return the " \
           "desk lamp? Haven't decided on that one, so leave it for now."
    moods = [(r.intent, r.mood) for r in read_text("returns", body).requests if r.intent is Intent.return_refund]
    assert moods == [(Intent.return_refund, Mood.instruction), (Intent.return_refund, Mood.question)]
    assert [r.mood for r in read_text("", "Could you return the desk lamp for me please?").requests] == \
        [Mood.instruction]


def test_3_every_request_is_read_and_one_item_is_not_the_whole_order():
    both = read_text("", "Can you swap the jacket for a large and update my account address to 12 Oak St, Denver CO 80202")
    assert [r.intent for r in both.requests] == [Intent.change_items, Intent.change_address]
    one = read_text("", "please change one item on my order, the lamp should be the blue one instead")
    assert [r.intent for r in one.requests] == [Intent.change_items]  # was a cancellation of the whole order


def test_4_quoted_replies_forwards_and_signatures_are_not_new_content():
    body = ("Yes that's fine, thanks!\n\nBest,\nDana Lee\n456 Pine Rd, Austin TX 78701\n\n"
            "On Tue, Mar 3, 2026 at 9:12 AM Support <help@shop.example> wrote:\n"
            "> Should we change the shipping address to 99 Old Rd, Austin TX 78701?\n")
    reading = read_text("Re: your order", body)
    assert "99 Old Rd" not in reading.text and "quoted" in reading.removed
    assert not [r for r in reading.requests if r.intent is Intent.change_address]


def test_5_languages_are_read_and_others_go_to_a_person():
    fr = read_text("taille", "Bonjour, je voudrais échanger ma veste contre une taille L s'il vous plaît")
    assert fr.language == "fr" and fr.requests[0].intent is Intent.exchange
    assert classify_ticket("taille", "Bonjour, je voudrais échanger ma veste contre une taille L").category \
        is Category.change_request  # was out_of_scope
    es = read_text("pedido", "Hola, mi pedido nunca llegó y ya pasaron dos semanas")
    assert es.language == "es" and es.requests[0].intent is Intent.where_is_order
    ar = read_text("", "طلبي لم يصل أبدا، أرجو المساعدة")
    assert ar.needs_reading and ar.language == "ar"
    assert classify_ticket("", "طلبي لم يصل أبدا، أرجو المساعدة").category is Category.needs_reading


def test_6_out_of_scope_is_found_not_assumed_and_no_model_guesses():
    assert classify_ticket("", "how do I leave a review?").category is Category.out_of_scope
    methods = read_text("", "which payment methods do you take?")
    assert [(r.intent, r.topic) for r in methods.requests] == [(Intent.question, "payment_method")]
    assert classify_ticket("", "which payment methods do you take?").category not in (Category.payment_failure,
                                                                                       Category.fraud_hold)
    vague = classify_ticket("hello", "hmm ok")
    assert vague.category is Category.needs_reading  # nothing read is not a finding either way


def test_7_a_word_inside_a_sentence_does_not_decide():
    assert classify_ticket("", "please ask the agent to verify").category is not Category.fraud_hold
    suite = read_text("", "oops, please change it to Suite 641, same building")
    assert [r.intent for r in suite.requests] == [Intent.change_address]
    assert classify_ticket("", "oops, please change it to Suite 641, same building").category is Category.address_issue


def test_8_items_are_chosen_by_name_not_by_position():
    world = World(orders=[OrderFacts(order_id="#W1000001", status="delivered", lines=[
        Line(line_no=1, sku="111", name="Jigsaw Puzzle", options={"pieces": "1000"}),
        Line(line_no=2, sku="222", name="Bicycle", options={"frame size": "medium", "color": "red"})])],
        variants={"Bicycle": [Variant(sku="222", options={"frame size": "medium", "color": "red"}, available=True),
                              Variant(sku="333", options={"frame size": "large", "color": "red"}, available=True)]},
        case_order_id="#W1000001")
    reading = ground(read_text("", "The bicycle showed up with a bent wheel, it's damaged. Order #W1000001"), world)
    request = reading.requests[0]
    assert request.intent is Intent.damaged_missing_wrong
    assert [(i.line_no, i.name, i.matched_by) for i in request.items] == [(2, "Bicycle", "name")]
    swap = ground(read_text("", "I'd like to exchange the bicycle for a large frame please"), world)
    assert swap.requests[0].target is not None and swap.requests[0].target.sku == "333"
