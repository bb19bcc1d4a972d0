"""What customers write around a request is not a request of its own (copilot/reading/context.py): a remark on
where the order stands beside a change, and a question about how a refund would work. Tickets written here in the
customer's voice."""

from __future__ import annotations

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
