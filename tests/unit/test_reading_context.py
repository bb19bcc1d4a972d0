"""What customers write around a request is not a request of its own (copilot/reading/context.py): a remark on
where the order stands beside a change, and a question about how a refund would work. Tickets written here in the
customer's voice."""

from __future__ import annotations

from copilot.reading.grounding import Line, OrderFacts, World, ground
from copilot.reading.model import Intent, Mood
from copilot.reading.reader import read_text


def asks(subject: str, body: str) -> list[tuple[Intent, Mood]]:
    return [(r.intent, r.mood) for r in read_text(subject, body).requests]


def test_a_status_remark_beside_a_change_is_its_reason_not_a_delivery_question() -> None:
    assert asks("", "Could you switch the desk lamp to the white one? Pretty sure it hasn't shipped yet.") == [
        (Intent.change_items, Mood.instruction)]
    assert asks("", "Bonjour, pouvez-vous retirer la gourde de ma commande ? Elle n'est pas encore expédiée je "
                    "crois.") == [(Intent.change_items, Mood.instruction)]
    # Alone, the same remark is the customer's complaint about delivery.
    assert asks("", "My order still hasn't shipped and it's been ten days.") == [
        (Intent.where_is_order, Mood.instruction)]


def test_too_late_asks_whether_the_change_can_still_be_made() -> None:
    read = asks("", "Would it be possible to change the sneakers to a size 10, or is it too late now?")
    assert [intent for intent, _ in read] == [Intent.change_items]


def test_a_question_about_how_a_refund_would_work_is_a_question() -> None:
    assert asks("", "If I return the coffee maker, would I get the whole amount back or just store credit?") == [
        (Intent.question, Mood.question)]
    assert asks("", "¿Cuánto tiempo tengo para devolver algo? Puede que devuelva la tetera.") == [
        (Intent.question, Mood.question)]
    # Asking to return it is still a return.
    assert asks("", "Can I return the coffee maker? It's too big for my kitchen.")[0][0] is Intent.return_refund


def _orders() -> World:
    def line(n: int, sku: str, name: str) -> Line:
        return Line(line_no=n, sku=sku, name=name, options={})
    return World(orders=[
        OrderFacts(order_id="#W1000001", status="processed", lines=[line(1, "111", "Tea Kettle")]),
        OrderFacts(order_id="#W1000002", status="pending", lines=[line(1, "112", "Tea Kettle"),
                                                                  line(2, "221", "Yoga Mat"),
                                                                  line(3, "331", "Desk Lamp")])])


def test_an_order_called_by_its_item_is_the_order_that_is_that_item() -> None:
    for text in ["hey can you cancel the kettle order, my sister gave me one for my birthday",
                 "Hola, quiero cancelar el pedido con solo la tetera, gracias"]:
        read = ground(read_text("", text), _orders())
        assert [(r.intent, r.order.order_id if r.order else None) for r in read.requests] == [
            (Intent.cancel, "#W1000001")], text
    # Naming the item alone does not pick: the order a cancel still fits is the one read.
    read = ground(read_text("", "please cancel the tea kettle, keep the rest"), _orders())
    assert read.requests[0].order is not None and read.requests[0].order.order_id == "#W1000002"


def test_an_item_cancelled_from_an_order_is_that_line_coming_off() -> None:
    read = ground(read_text("", "Could you cancel the yoga mat from my order? I found one at the gym."), _orders())
    request = read.requests[0]
    assert (request.intent, request.order.order_id if request.order else None) == (Intent.change_items, "#W1000002")
    assert [i.sku for i in request.items] == ["221"] and "target" not in request.unknown


def test_not_wanting_something_anymore_does_not_deny_the_removal_after_it() -> None:
    read = ground(read_text("", "change the lamp to white pls. also the yoga mat i dont want anymore remove it"),
                  _orders())
    assert [(r.intent, [i.sku for i in r.items]) for r in read.requests] == [
        (Intent.change_items, ["331"]), (Intent.change_items, ["221"])]
    # A real denial still denies: nothing is to be removed.
    assert not any(r.intent is Intent.change_items for r in read_text("", "please don't remove the lamp").requests
                   if r.mood is Mood.instruction)


def test_asking_whether_an_item_has_shipped_is_a_status_question() -> None:
    read = ground(read_text("", "has the desk lamp shipped yet? if not, change it to the white one"), _orders())
    assert [(r.intent, r.mood) for r in read.requests] == [(Intent.where_is_order, Mood.question),
                                                            (Intent.change_items, Mood.condition)]


def test_money_back_for_a_payment_problem_or_a_compensation_is_not_a_return() -> None:
    assert asks("", "I was charged twice for the same order, two payments of $89.90 on my card. Please refund one.") == [
        (Intent.payment_problem, Mood.instruction)]
    both = asks("", "The lamp came with a dented shade. I'd like a replacement, and honestly a partial refund for "
                    "the hassle.")
    assert Intent.return_refund not in [i for i, _ in both] and Intent.compensation in [i for i, _ in both]
    # Sending something back is still a return beside the payment problem.
    assert Intent.return_refund in [i for i, _ in asks("", "You charged me twice! Also I want to return the yoga "
                                                           "mat, it's too thin.")]


def test_change_the_address_to_is_one_address_change() -> None:
    assert asks("", "hi can u chnage the adress on my order to 12 elm st springfield il 62704 thx") == [
        (Intent.change_address, Mood.instruction)]


def test_a_threat_whose_words_hold_the_cue_is_a_threat() -> None:
    assert (Intent.dispute, Mood.threat) in asks("", "Fix the price on my order or I'm calling my bank.")
