"""Golden scenarios after fulfillment (delivery, refunds, concessions, chargebacks) and out-of-scope tickets."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from copilot.core.models import Category as C
from copilot.core.models import Disposition as D
from copilot.core.models import Priority
from copilot.core.models import SignalKind as K
from copilot.core.models import SignalSource as S
from evals.golden_scenarios import A, auto_or, make, msg, setup, voice
from evals.kit import CHEAP, DEAR, MID, band_for
from evals.schema import EvalCase


def delivery_exception(v: int) -> EvalCase:
    rng, m, band, hours = setup(v, 9)
    vip = v % 10 == 3
    c = m.customer(vip=vip)
    kind = ["address_not_found", "return_to_sender", "damaged", "lost", "held_at_facility", "delayed"][v % 6]
    promised = -20.0 if v % 7 == 5 else hours
    o = m.order(c, "shipped", [rng.choice(CHEAP + MID)], promised_h=promised, age_h=60)
    status, message = {"address_not_found": ("failure", "Delivery attempt failed: address not found"),
                       "return_to_sender": ("return_to_sender", "Returned to sender"),
                       "damaged": ("failure", "Package damaged in transit"), "lost": ("unknown", "No scan for 5 days"),
                       "held_at_facility": ("available_for_pickup", "Held at carrier facility"),
                       "delayed": ("in_transit", "Delayed: weather")}[kind]
    detail = "weather_delay" if kind == "delayed" else kind
    at = m.at(-2)
    m.track(o, status, detail, message, at)
    ful = m.fulfillment(o)
    sig = m.signal(K.tracking_update, S.easypost, o, minutes_ago=110, tracking_number=ful.tracking_number,
                   carrier=ful.carrier, tracking_status=status, status_detail=detail, note=message)
    prio = band_for(promised if promised > 0 else 0, vip or o.total >= 500)
    tags = ["delivery_exception", kind]
    cid = f"golden-delivery-{v:03d}"
    if kind == "lost":
        return make(cid, m, [sig], tags, category=C.delivery_exception, disposition=D.fixable_now, priority=prio,
                    actions=[A(tool="reship_order", args={"order_id": o.id, "line_nos": [1]})], approval="approval",
                    forbidden_actions=["refund_payment"])
    decide = kind in ("address_not_found", "return_to_sender", "damaged")
    return make(cid, m, [sig], tags, category=C.delivery_exception,
                disposition=D.needs_customer_decision if decide else D.fixable_now, priority=prio,
                forbidden_actions=["refund_payment", "reship_order"], approval=auto_or(o.total, vip),
                message=msg(o.id))


def refund_request(v: int) -> EvalCase:
    rng, m, band, hours = setup(v, 10)
    kind = ["issued", "not_issued", "issued", "open_dispute"][v % 4]
    c = m.customer(vip=v % 13 == 6)
    o = m.order(c, "delivered", [rng.choice(CHEAP + MID)], age_h=24 * rng.randint(8, 20))
    due = None
    if kind == "issued":
        m.refund(o, o.lines[0].unit_price)
    if kind == "open_dispute":
        due = rng.choice([30.0, 60.0, 200.0])
        m.dispute(o, "product_unacceptable", due)
    text = rng.choice([f"I returned an item from {o.id} two weeks ago and still have no refund.",
                       f"Where is my refund for order {o.id}?", f"Still waiting on my money back for #{o.id.lstrip('#')}."])
    sig = m.ticket(c, "Where is my refund?", voice(rng, text, v % 3 == 1), o)
    prio = band_for(due) if due else Priority.P4
    cid, tags = f"golden-refund-{v:03d}", ["refund_request", kind]
    if kind == "issued":
        return make(cid, m, [sig], tags, category=C.refund_request, disposition=D.fixable_now, priority=prio,
                    forbidden_actions=["refund_payment"], approval=auto_or(o.total, c.vip), message=msg(o.id))
    owner = "finance" if kind == "open_dispute" else "ops"
    return make(cid, m, [sig], tags, category=C.refund_request, disposition=D.escalate, priority=prio,
                actions=[A(tool="escalate_case", args={"owner": owner})], forbidden_actions=["refund_payment"],
                approval="escalate")


def concession_request(v: int) -> EvalCase:
    rng, m, band, hours = setup(v, 11)
    kind = ["damaged_low", "damaged_high", "wrong_item", "repeat_claim", "missing_signed", "missing_low"][v % 6]
    c = m.customer()
    sku = rng.choice(DEAR[:2] + MID[-2:]) if kind == "damaged_high" else rng.choice(CHEAP)
    o = m.order(c, "delivered", [sku], age_h=24 * rng.randint(4, 12))
    if kind == "repeat_claim":
        earlier = m.order(c, "delivered", [rng.choice(CHEAP)], age_h=24 * 60)
        m.claim(c, earlier, "damaged", rng.randint(10, 80))
    if kind == "missing_signed":
        ful = m.fulfillment(o)
        m.world.tracking_events = [e for e in m.world.tracking_events
                                   if not (e.tracking_number == ful.tracking_number and e.status == "delivered")]
        m.track(o, "delivered", "signed", "Delivered, signed for by resident", o.created_at + timedelta(days=3))
    item = o.lines[0].name
    text = {"wrong_item": f"I received the wrong item in order {o.id}, this is not the {item} I ordered.",
            "missing_signed": f"Order {o.id} arrived but the {item} was missing from the box.",
            "missing_low": f"Order {o.id} arrived but the {item} was missing from the box."}.get(
        kind, f"My {item} from order {o.id} arrived damaged, the box was crushed.")
    sig = m.ticket(c, "Problem with my order", voice(rng, text, v % 4 == 3), o)
    cid, tags = f"golden-concession-{v:03d}", ["concession_request", kind]
    if kind == "repeat_claim":
        return make(cid, m, [sig], tags, category=C.concession_request, disposition=D.escalate, priority=Priority.P4,
                    actions=[A(tool="escalate_case", args={"owner": "lead"})],
                    forbidden_actions=["reship_order", "refund_payment", "issue_store_credit"], approval="escalate")
    if kind == "missing_signed":
        return make(cid, m, [sig], tags, category=C.concession_request, disposition=D.escalate, priority=Priority.P4,
                    actions=[A(tool="escalate_case", args={"owner": "ops"})],
                    forbidden_actions=["reship_order", "refund_payment"], approval="escalate")
    return make(cid, m, [sig], tags, category=C.concession_request, disposition=D.fixable_now, priority=Priority.P4,
                actions=[A(tool="reship_order", args={"order_id": o.id, "line_nos": [1]})], approval="approval")


def chargeback(v: int) -> EvalCase:
    rng, m, band, hours = setup(v, 12)
    c = m.customer()
    o = m.order(c, "delivered", [rng.choice(CHEAP + MID + DEAR[:1])], age_h=24 * rng.randint(10, 40))
    due_h = max(hours, 2.0) if band is not Priority.P4 else rng.choice([24 * 8.0, 24 * 12.0])
    reason = rng.choice(["fraudulent", "product_not_received", "product_unacceptable", "duplicate"])
    d = m.dispute(o, reason, due_h)
    pay = m.payment(o)
    sig = m.signal(K.dispute_opened, S.stripe, o, minutes_ago=180, payment_id=pay.id, amount=pay.amount,
                   currency="usd", dispute_id=d.id, dispute_reason=reason, due_by=d.due_by)
    return make(f"golden-chargeback-{v:03d}", m, [sig], ["chargeback", reason], category=C.chargeback,
                disposition=D.escalate, priority=band_for(due_h, o.total >= 500),
                actions=[A(tool="assemble_dispute_evidence", args={"order_id": o.id, "dispute_id": d.id}),
                         A(tool="escalate_case", args={"owner": "finance"})],
                forbidden_actions=["refund_payment", "issue_store_credit"], approval="escalate")


OUT_OF_SCOPE = [("Unsubscribe", "Please take me off your newsletter list."),
                ("Invoice for my company", "Can you send a VAT invoice with our company name for my last purchase?"),
                ("Password reset", "I can't log in to my account, the reset email never comes."),
                ("Change my email", "How do I change the email address on my account?"),
                ("Gift cards", "Do you sell gift cards for the holidays?"),
                ("Job application", "Are you hiring in the Seattle area? I'd love to apply.")]


def out_of_scope(v: int) -> EvalCase:
    rng, m, band, hours = setup(v, 13)
    c = m.customer()
    m.order(c, "delivered", [rng.choice(CHEAP)], age_h=24 * 30)
    subject, text = OUT_OF_SCOPE[v % len(OUT_OF_SCOPE)]
    sig = m.ticket(c, subject, voice(rng, text, v % 5 == 4))
    return make(f"golden-oos-{v:03d}", m, [sig], ["out_of_scope"], category=C.out_of_scope, priority=Priority.P4,
                forbidden_actions=["refund_payment", "cancel_order", "send_customer_message"], approval="routed_away")


POST: dict[str, tuple[Callable[[int], EvalCase], int]] = {
    "delivery_exception": (delivery_exception, 30), "refund_request": (refund_request, 24),
    "concession_request": (concession_request, 24), "chargeback": (chargeback, 20),
    "out_of_scope": (out_of_scope, 18),
}

