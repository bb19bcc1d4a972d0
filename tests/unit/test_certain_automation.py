"""Issue 15, "automation only when certain": rule 10 reads the ticket's grounded Reading (the deterministic reader's
as much as an LLM's). A first touch runs alone only with one request, grounded on the case's order with nothing
unknown, every claim of its template holding, on the low-risk list; the verdict says why. Named lines in
messages come from the Reading's grounded lines.

Each ticket is written in the customer's voice; on the old code every one of these went out alone (or, for the
Spanish ticket, replaced the wrong item).
"""

from __future__ import annotations

from copilot.core.models import Category, Disposition, SignalKind
from copilot.core.policy import load_policy
from copilot.decide import guardrails as g
from copilot.decide import guardrails_plan as gp
from copilot.decide.plan import CONTACT_TOOLS, CaseState, Plan
from copilot.decide.playbooks import build_plan
from copilot.decide.requests import read_request
from copilot.reading.grounding import Line, OrderFacts, World, ground
from copilot.reading.reader import read_text
from tests.unit import casefacts as f

POLICY = load_policy()
C = Category
SHOE = [f.line(1, "45.00", sku="SKU-001-M", name="Trail Running Shoe")]


def _read(case: CaseState, subject: str, text: str) -> CaseState:
    """The case with the ticket's Reading grounded on the case's order, as gather_facts stores it."""
    order = case.order.order
    world = World(orders=[OrderFacts(order_id=order.id, status=order.status,
                                     lines=[Line(line_no=ln.line_no, sku=ln.sku, name=ln.name, options={})
                                            for ln in order.lines])], case_order_id=order.id)
    return case.model_copy(update={"reading": ground(read_text(subject, text), world)})


def _late_parcel(subject: str, text: str, *, order_on_signal: bool = True) -> CaseState:
    sig = f.signal(subject=subject, text=text, order_id="#1001" if order_on_signal else None)
    case = f.case(C.delivery_exception, signal=sig, request=read_request(C.delivery_exception, sig, "#1001"),
                  order=f.order("shipped", SHOE), shipments=f.shipment("in_transit", "delayed"))
    return _read(case, subject, text)


def _automation(case: CaseState, plan: Plan) -> g.Verdict:
    found = [v for v in g.evaluate(case, plan, POLICY) if v.rule_id == "automation" and v.action_id == "msg"]
    return found[0]


def test_a_ticket_naming_its_order_with_one_question_goes_out_alone_and_the_verdict_says_why() -> None:
    case = _late_parcel("where is it", "Where is order #1001? The tracking hasn't moved in four days.",
                        order_on_signal=False)
    plan = build_plan(case, POLICY)
    verdict = _automation(case, plan)
    assert plan.scenario is not None and plan.scenario.value == "delivery_update"
    assert verdict.outcome == "allow"
    assert "one request (where_is_order" in verdict.reason and "order #1001 (named)" in verdict.reason
    assert "every claim of delivery_update backed" in verdict.reason


def test_two_requests_in_one_ticket_wait_for_a_person() -> None:
    """Triage filed it at full confidence as a delivery question; the second request must not be lost."""
    case = _late_parcel("two things", "Where is order #1001? Tracking hasn't moved. Also please change my "
                        "address to 12 Main St Apt 3, Boston, MA 02115.")
    plan = build_plan(case, POLICY)
    verdict = _automation(case, plan)
    assert case.confidence == 1.0
    assert verdict.outcome == "needs_approval" and "2 requests, not one" in verdict.reason


def test_an_order_the_reader_only_inferred_from_the_items_is_not_certain() -> None:
    case = _late_parcel("running shoes", "My running shoes still haven't shown up, the tracking hasn't moved in "
                        "four days. Where are they?", order_on_signal=False)
    verdict = _automation(case, build_plan(case, POLICY))
    assert verdict.outcome == "needs_approval"
    assert "order #1001 was inferred from the text at 0.8, below 0.9" in verdict.reason


def test_the_same_ticket_with_the_order_on_the_helpdesk_form_is_certain() -> None:
    """The helpdesk put #1001 on the ticket itself: the case's order is a system fact, not a reading."""
    case = _late_parcel("running shoes", "My running shoes still haven't shown up, the tracking hasn't moved in "
                        "four days. Where are they?")
    assert _automation(case, build_plan(case, POLICY)).outcome == "allow"


def test_an_unsure_reading_holds_the_first_touch_whoever_read_it() -> None:
    """The deterministic reader's own confidence is below the bar, although triage filed the case at 1.0."""
    case = _late_parcel("where is it", "Where is order #1001? The tracking hasn't moved in four days.")
    reading = case.reading
    assert reading is not None
    unsure = reading.model_copy(update={"requests": [reading.requests[0].model_copy(update={"confidence": 0.6})]})
    case = case.model_copy(update={"reading": unsure})
    verdict = _automation(case, build_plan(case, POLICY))
    assert verdict.outcome == "needs_approval" and "reading confidence 0.6 (rules) is below 0.9" in verdict.reason


def test_a_spanish_damage_report_replaces_the_item_the_reading_grounded() -> None:
    """The bottle is broken, the lamp is fine: the old code's English word match found neither and replaced line 1."""
    text = "Hola, la botella llegó rota y el agua mojó todo. La lámpara está perfecta. ¿Me pueden mandar otra botella?"
    sig = f.signal(subject="botella rota", text=text)
    lines = [f.line(1, "39.00", sku="LAMP-DESK", name="Desk Lamp"), f.line(2, "18.00", sku="BOTTLE-1", name="Water Bottle")]
    case = f.case(C.concession_request, signal=sig, request=read_request(C.concession_request, sig, "#1001"),
                  order=f.order("delivered", lines), payment=f.payment(status="captured", captured="57.00"))
    plan = build_plan(_read(case, "botella rota", text), POLICY)
    reship = next(a for a in plan.actions if a.tool == "reship_order")
    assert reship.args.line_nos == [2]
    body = plan.actions[-1].args.body
    assert "Water Bottle" in body and "Desk Lamp" not in body


def test_a_system_event_without_a_ticket_keeps_its_own_certainty() -> None:
    """A carrier delay with no customer ticket: no Reading to doubt, the facts come from the carrier."""
    sig = f.signal(SignalKind.tracking_update, tracking_status="in_transit", status_detail="delayed",
                   customer_email=None)
    case = f.case(C.delivery_exception, signal=sig, ticket_id=None, order=f.order("shipped", SHOE),
                  shipments=f.shipment("in_transit", "delayed"))
    verdict = _automation(case, build_plan(case, POLICY))
    assert verdict.outcome == "allow" and "on order #1001, no ticket to read" in verdict.reason


def test_a_threat_asks_nothing_of_the_desk_but_a_second_request_does() -> None:
    """"Refund it or I file a chargeback": one request (the refund status) and a threat, which the agent sees in
    the Reading but which is not a second thing to do; a conditional cancel beside a question is."""
    threat = _late_parcel("where is it", "Where is order #1001? Tell me today or I will file a chargeback with my bank.")
    reading = threat.reading
    assert reading is not None and [r.mood.value for r in reading.requests][1:] == ["threat"]
    assert _automation(threat, build_plan(threat, POLICY)).outcome == "allow"
    condition = _late_parcel("where is it", "Where is order #1001? If it hasn't shipped yet, please cancel it.")
    # The multi-request planner reports a condition to a person: no message is drafted to go out at all.
    plan = build_plan(condition, POLICY)
    assert plan.disposition is Disposition.escalate
    assert not [a for a in plan.actions if a.tool in CONTACT_TOOLS]
    assert "2 requests, not one" in "; ".join(gp.grounding_doubts(condition, POLICY.automation.min_confidence))


def test_a_ticket_beside_a_system_event_is_judged_on_its_grounding_not_its_wording() -> None:
    """The card was declined (a hard decline, from the payment provider); the customer also wrote "just retry my
    card", a request the rules read at 0.85. The plan is the payment ask the provider's event calls for."""
    text = "Please just retry my card for #1001 again, it will work this time."
    sig = f.signal(subject="just retry it", text=text)
    case = f.case(C.payment_failure, signal=sig, request=read_request(C.payment_failure, sig, "#1001"),
                  payment=f.payment(status="failed", decline="stolen_card"), filed_by="kind")
    case = _read(case, "just retry it", text)
    assert case.reading is not None and case.reading.requests[0].confidence < POLICY.automation.min_confidence
    verdict = _automation(case, build_plan(case, POLICY))
    assert verdict.outcome == "allow" and "filed on a system event (kind)" in verdict.reason
    by_ticket = case.model_copy(update={"filed_by": "reading"})
    verdict = _automation(by_ticket, build_plan(by_ticket, POLICY))
    assert verdict.outcome == "needs_approval" and "(rules) is below 0.9" in verdict.reason
