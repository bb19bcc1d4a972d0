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
