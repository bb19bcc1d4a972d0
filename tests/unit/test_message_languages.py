"""Customer messages in the ticket's language (issue 14, DESIGN §7): Spanish, French, German, Portuguese and Italian
versions of the most common templates, used when the Reading's language matches, else English with a note to the
agent. One claim declaration per template holds for every language it is written in, rule 9 reads every language's
dates, asks and promises, and the eval's independent re-check reads the translated statements too."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from copilot.core.models import Category, Disposition
from copilot.core.policy import load_policy
from copilot.decide import claims
from copilot.decide import guardrails as g
from copilot.decide import messages as m
from copilot.decide.messages import MessageFacts, Scenario, check_message, has_template, render
from copilot.decide.plan import CaseState
from copilot.decide.playbooks import build_plan
from copilot.decide.playbooks.common import context, plan
from copilot.decide.requests import read_request
from copilot.reading.grounding import Line, OrderFacts, World, ground
from copilot.reading.reader import read_text
from copilot.workflow.nodes import with_message
from evals.claims_check import unsupported
from tests.unit import casefacts as f

POLICY = load_policy()
C = Category
LANGS = ("es", "fr", "de", "pt", "it")
TRANSLATED = (Scenario.payment_update, Scenario.address_confirmation, Scenario.delay_notice, Scenario.delivery_update,
              Scenario.refund_status, Scenario.cancel_confirmation, Scenario.reship_notice, Scenario.claim_review,
              Scenario.which_order)
BASE = {"first_name": "Ava", "order_id": "#1001"}
ADDRESS = "350 5th Ave, New York, NY 10001"
# Every branch of every translated template: each cause, event, optional date and amount.
VARIANTS: list[tuple[Scenario, m.MessageContext]] = [
    (Scenario.payment_update, m.PaymentUpdate(**BASE, last4="4242")),
    (Scenario.payment_update, m.PaymentUpdate(**BASE)),
    *[(Scenario.address_confirmation, m.AddressConfirmation(**BASE, address=ADDRESS, problem="x", cause=cause))
      for cause in m.AddressProblem],
    *[(Scenario.delay_notice, m.DelayNotice(**BASE, reason="x", cause=cause, sku="LAMP-1", stock_item="Desk Lamp"))
      for cause in m.DelayCause],
    (Scenario.delay_notice, m.DelayNotice(first_name="there", order_id="#1001", reason="x", cause=m.DelayCause.backlog,
                                          new_date=date(2024, 5, 18))),
    (Scenario.delivery_update, m.DeliveryUpdate(**BASE, carrier="UPS", status="x", next_step="y", event="in_transit")),
    (Scenario.delivery_update, m.DeliveryUpdate(**BASE, carrier="UPS", status="x", next_step="y",
                                                event="available_for_pickup")),
    (Scenario.refund_status, m.RefundStatus(**BASE, amount=Decimal("45.00"), issued=True, business_days=10)),
    (Scenario.refund_status, m.RefundStatus(**BASE, amount=Decimal("45.00"), issued=False, business_days=10)),
    (Scenario.cancel_confirmation, m.CancelConfirmation(**BASE, refund_amount=Decimal("45.00"))),
    (Scenario.cancel_confirmation, m.CancelConfirmation(**BASE)),
    (Scenario.reship_notice, m.ReshipNotice(**BASE, item_name="Wool Socks and Knit Beanie")),
    (Scenario.claim_review, m.ClaimReview(**BASE, item_name="Desk Lamp")),
    (Scenario.which_order, m.WhichOrder(first_name="Ava", choices=["#1001 (Desk Lamp; delivered)",
                                                                   "#1002 (Mug; delivered)"])),
]
FACTS = MessageFacts(allowed_dates=[date(2024, 5, 18)], known_tokens=["#1001", "#1002"], last4=["4242"])
HELLO = {"es": "Hola Ava,", "fr": "Bonjour Ava,", "de": "Hallo Ava,", "pt": "Olá Ava,", "it": "Buongiorno Ava,"}


def test_the_common_templates_are_written_in_five_more_languages() -> None:
    assert {(s, lang) for s in TRANSLATED for lang in LANGS} == {
        (s, lang) for s in Scenario for lang in LANGS if has_template(s, lang)}
    assert {s for s, _ in VARIANTS} == set(TRANSLATED)
    assert not has_template(Scenario.substitute_offer, "es") and not has_template(Scenario.delay_notice, "ja")


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize(("scenario", "ctx"), VARIANTS, ids=[f"{s.value}-{i}" for i, (s, _) in enumerate(VARIANTS)])
def test_each_translation_renders_strictly_and_passes_rule_9(lang: str, scenario: Scenario,
                                                             ctx: m.MessageContext) -> None:
    text = render(scenario, ctx, lang)
    assert check_message(text, FACTS, POLICY) == [], text
    assert "#1001" in text and text.startswith(HELLO[lang] if ctx.first_name == "Ava" else HELLO[lang].split()[0])
    assert "Hi " not in text and " and " not in text  # nothing left in English but the catalog's item names
    assert unsupported(text, _shipped_facts(), []) is not None


def _shipped_facts() -> dict:  # type: ignore[type-arg]
    return f.case(C.delivery_exception, order=f.order("shipped")).model_dump(mode="json")


@pytest.mark.parametrize(("lang", "backed", "unbacked"), [
    ("es", "a más tardar, el 18 de mayo", "a más tardar, el 19 de mayo"), ("fr", "au plus tard le 18 mai", "le 1er juin"),
    ("de", "spätestens am 18. Mai", "spätestens am 19. Mai"), ("pt", "até 18 de maio", "até 20 de maio"),
    ("it", "entro il 18 maggio", "entro il 19 maggio")])
def test_rule_9_reads_dates_in_every_language(lang: str, backed: str, unbacked: str) -> None:
    ask = {"es": "Por favor, responda.", "fr": "Veuillez répondre.", "de": "Bitte antworten Sie.",
           "pt": "Por favor, responda.", "it": "La preghiamo di rispondere."}[lang]
    assert check_message(f"{backed}. {ask}", FACTS, POLICY) == []
    assert any("date the data does not support" in p for p in check_message(f"{unbacked}. {ask}", FACTS, POLICY))
    tomorrow = {"es": "Llegará mañana.", "fr": "Il arrive demain.", "de": "Es kommt morgen.", "pt": "Chega amanhã.",
                "it": "Arriva domani."}[lang]
    assert any("relative date" in p for p in check_message(f"{tomorrow} {ask}", FACTS, POLICY))


def _reading(case: CaseState, subject: str, text: str) -> CaseState:
    order = case.order.order
    world = World(orders=[OrderFacts(order_id=order.id, status=order.status,
                                     lines=[Line(line_no=ln.line_no, sku=ln.sku, name=ln.name, options={})
                                            for ln in order.lines])], case_order_id=order.id)
    return case.model_copy(update={"reading": ground(read_text(subject, text), world)})


def _cancel(text: str, captured: str, status: str = "captured") -> CaseState:
    sig = f.signal(subject="cancelar", text=text)
    case = f.case(C.change_request, signal=sig, request=read_request(C.change_request, sig, "#1001"),
                  order=f.order("pending"), payment=f.payment(status=status, captured=captured))
    return _reading(case, "", text)


def test_a_spanish_ticket_gets_its_draft_in_spanish_with_the_same_claims() -> None:
    """"Cancelen mi pedido": the cancel confirmation is written in Spanish and says what the facts back."""
    paid = _cancel("Hola, quiero cancelar mi pedido #1001 porque me equivoqué de talla. Muchas gracias por su ayuda.", "45.00")
    decided = build_plan(paid, POLICY)
    body = decided.actions[-1].args.body
    assert decided.language == "es" and body.startswith("Hola Ava,")
    assert "El pedido #1001 está cancelado" in body and "Le devolveremos $45.00" in body
    assert claims.unbacked(paid, decided) == [] and unsupported(body, paid.model_dump(mode="json"),
                                                                   []) == []
    declined = _cancel("Hola, quiero cancelar mi pedido #1001 porque me equivoqué de talla. Muchas gracias por su ayuda.", "0", "failed")
    body = build_plan(declined, POLICY).actions[-1].args.body
    assert "reembols" not in body and "devolver" not in body and "cualquier cargo pendiente" in body


def test_a_translated_draft_whose_claim_the_facts_do_not_back_goes_to_a_person() -> None:
    """The same declaration as English: a German "ausverkauft" with six lamps on the shelf is refused."""
    text = "Hallo, wo bleibt meine Bestellung #1001? Sie ist immer noch nicht verschickt."
    lamp = [f.line(1, "39.00", sku="LAMP-1", name="Desk Lamp")]
    case = f.case(C.inventory_mismatch, signal=f.signal(subject="", text=text), order=f.order("processing", lamp),
                  inventory=[f.stock("LAMP-1", WH_EAST=6)])
    case = _reading(case, "", text)
    ctx = context(case, m.DelayNotice, reason="the Desk Lamp is out of stock", cause=m.DelayCause.out_of_stock,
                  sku="LAMP-1", stock_item="Desk Lamp")
    drafted = plan(case, Disposition.needs_customer_decision, [], ["test"], Scenario.delay_notice, ctx, "wait or cancel")
    assert drafted.language == "de" and "Desk Lamp ausverkauft ist" in drafted.actions[-1].args.body
    enforced = claims.enforce(case, drafted)
    assert enforced.message is None and enforced.disposition is Disposition.escalate
    assert any("LAMP-1 has 6 on hand: not out of stock" in r for r in enforced.reasons)
    assert unsupported(drafted.actions[-1].args.body, case.model_dump(mode="json"), [])


def test_a_language_without_that_template_gets_english_and_a_note_for_the_agent() -> None:
    """A French customer whose item is short: there is no French substitute offer, so the agent is told."""
    text = "Bonjour, où en est ma commande #1001 ? Elle n'est toujours pas partie."
    lines = [f.line(1, "20.00", sku="MAT-M", name="Yoga Mat")]
    variants = [f.s.Variant(sku="MAT-M", options={"size": "M"}, price=Decimal("20.00"), sold=True, available=0),
                f.s.Variant(sku="MAT-L", options={"size": "L"}, price=Decimal("20.00"), sold=True, available=5)]
    mat = f.stock("MAT-M", WH_EAST=0).model_copy(update={"variants": variants})
    sig = f.signal(subject="", text=text)
    case = _reading(f.case(C.inventory_mismatch, signal=sig, order=f.order("processing", lines),
                           inventory=[mat, f.stock("MAT-L", WH_EAST=5)]), "", text)
    decided = build_plan(case, POLICY)
    assert decided.scenario is Scenario.substitute_offer and decided.language == "en"
    assert decided.actions[-1].args.body.startswith("Hi Ava,")
    assert any("the customer wrote in French; there is no French substitute_offer template" in r
               for r in decided.reasons)


@pytest.mark.parametrize(("text", "found"), [
    ("Le devolveremos $45.00 a su método de pago original.", "nothing was captured or refunded"),
    ("Nous vous remboursons $45.00 sur votre moyen de paiement d'origine.", "nothing was captured or refunded"),
    ("Bestellung #1001 verspätet sich, weil der Artikel Trail Running Shoe ausverkauft ist.", "is out of stock"),
    ("Novidades sobre o pedido #1001: a UPS informa que o pacote está atrasado.", "has not left the warehouse"),
    ("Il pagamento dell'ordine #1001 con la carta che termina con 9999 non è andato a buon fine.", "card ending 9999"),
    ("L'ordine #2002 è stato annullato.", "names order #2002"),
    ("Le enviaremos el pedido #1001 con prioridad y un descuento.", "discount"),
])
def test_the_eval_re_check_reads_false_statements_in_every_language(text: str, found: str) -> None:
    unpaid = f.case(C.change_request, order=f.order("processing"), inventory=[f.stock("SKU-001-M", WH_EAST=4)],
                    payment=f.payment(status="failed", captured="0"))
    problems = unsupported(text, unpaid.model_dump(mode="json"), [])
    assert problems and any(found in p for p in problems), problems


def test_rule_9_holds_a_spanish_edit_to_what_the_plan_backs() -> None:
    case = _cancel("Hola, quiero cancelar mi pedido #1001 porque me equivoqué de talla. Muchas gracias por su ayuda.", "0", "failed")
    decided = build_plan(case, POLICY)
    edited = with_message(decided, "Hola Ava, el pedido #1001 está cancelado. Le devolveremos $45.00 y le damos un "
                                   "descuento del 10% en su próxima compra. Por favor, responda si necesita algo.")
    blocks = [v for v in g.evaluate(case, edited, POLICY) if v.rule_id == "customer_message" and v.outcome == "block"]
    assert blocks and "Le devolveremos" in blocks[0].reason and "descuento" in blocks[0].reason
    assert "10%" in blocks[0].reason
