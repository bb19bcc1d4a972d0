"""The golden suite: hand-written scenarios per category, varied by clock, deadline, value, customer and tone.

Every expectation is the desk lead's call under DESIGN §3-§6, written before looking at what the code does.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from decimal import Decimal

from copilot.core.models import Category as C
from copilot.core.models import Disposition as D
from copilot.core.models import Priority
from copilot.core.models import SignalKind as K
from copilot.core.models import SignalSource as S
from evals.kit import BAND_HOURS, CHEAP, CLOCKS, DEAR, MID, Mini, band_for
from evals.schema import EvalCase, Expect, ExpectedAction, MessageExpect

A = ExpectedAction
POLITE = ["Hi, {body} Thanks so much!", "Hello team, {body} Appreciate your help.", "{body}"]
ANGRY = ["{body} This is ridiculous, I am really frustrated!!", "{body} Worst service ever. Fix it NOW."]


def voice(rng: random.Random, body: str, angry: bool) -> str:
    return rng.choice(ANGRY if angry else POLITE).format(body=body)


def msg(order_id: str | None = None, forbid: tuple[str, ...] = ()) -> MessageExpect:
    return MessageExpect(max_words=90, asks=1, must_mention=[order_id] if order_id else [],
                         must_not_mention=["fraud", "chargeback", "3pl", "risk score", *forbid])


def auto_or(value: Decimal, vip: bool) -> str:
    """Rule 10: a contact-only first touch runs alone below $250 for a non-VIP customer."""
    return "approval" if vip or value > Decimal("250") else "auto"


def make(cid: str, m: Mini, signals: list, tags: list[str], **expect: object) -> EvalCase:
    return EvalCase(id=cid, tags=tags, signals=signals, world=m.world, now=m.now, expect=Expect(**expect))


def setup(v: int, salt: int) -> tuple[random.Random, Mini, Priority, float]:
    rng = random.Random(salt * 1000 + v)
    band = list(BAND_HOURS)[v % 4]
    return rng, Mini(rng, CLOCKS[v % len(CLOCKS)]), band, rng.choice(BAND_HOURS[band])


def payment_failure(v: int) -> EvalCase:
    rng, m, band, hours = setup(v, 1)
    vip = v % 9 == 4
    c = m.customer(vip=vip)
    o = m.order(c, "pending", [rng.choice(CHEAP + MID)], cutoff_h=hours)
    pay = m.payment(o)
    kind = ["soft", "hard", "soft_capped", "soft"][v % 4]
    code = rng.choice(["insufficient_funds", "processing_error", "try_again_later", "do_not_honor"]) \
        if kind != "hard" else rng.choice(["stolen_card", "lost_card", "pickup_card", "invalid_account"])
    pay.status, pay.decline_code, pay.authorized_at = "failed", code, None
    o.hold_reason = "payment_failed"
    if kind == "soft_capped":
        pay.retry_count, pay.last_retry_at = 2, m.at(-3)
    sig = m.signal(K.payment_failed, S.stripe, o, payment_id=pay.id, amount=pay.amount, currency="usd",
                   decline_code=code) if v % 5 else m.ticket(c, "Card declined?", voice(
                       rng, f"My card was declined for order {o.id}.", v % 3 == 0), o)
    lift = vip or o.total >= 500
    if kind == "soft":
        return make(f"golden-payment-{v:03d}", m, [sig], ["payment_failure", kind], category=C.payment_failure,
                    disposition=D.fixable_now, priority=band_for(hours, lift),
                    actions=[A(tool="retry_payment", args={"order_id": o.id})], approval="approval")
    return make(f"golden-payment-{v:03d}", m, [sig], ["payment_failure", kind], category=C.payment_failure,
                disposition=D.needs_customer_decision, priority=band_for(hours, lift),
                forbidden_actions=["retry_payment"], approval=auto_or(o.total, vip),
                message=msg(o.id, (code.replace("_", " "),)))


def fraud_hold(v: int) -> EvalCase:
    rng, m, band, hours = setup(v, 2)
    c = m.customer()
    prior = m.order(c, "delivered", [rng.choice(CHEAP)], age_h=24 * 40)
    safe = v % 2 == 0
    o = m.order(c, "pending", [rng.choice(CHEAP + MID)], cutoff_h=hours)
    o.hold_reason, o.risk_level, o.risk_recommendation = "fraud_review", "medium", "investigate"
    o.risk_rules = ["billing_shipping_mismatch"]
    if not safe:
        problem = ["high", "avs", "value", "dispute"][v // 2 % 4]
        if problem == "high":
            o.risk_level = "high"
        elif problem == "avs":
            m.payment(o).avs_result = "mismatch"
        elif problem == "value":
            o = m.order(c, "pending", DEAR[:2] + [DEAR[2]], cutoff_h=hours)
            o.hold_reason, o.risk_level, o.risk_recommendation = "fraud_review", "medium", "investigate"
        else:
            m.dispute(prior, "fraudulent", 24 * 9)
    pay = m.payment(o)
    sig = [m.signal(K.order_risk, S.shopify, o, risk_level=o.risk_level, risk_recommendation=o.risk_recommendation),
           m.signal(K.payment_review, S.stripe, o, payment_id=pay.id, amount=pay.amount, note="rule"),
           m.signal(K.fraud_warning, S.stripe, o, payment_id=pay.id, amount=pay.amount, note="fraudulent")][v % 3]
    prio = band_for(hours, o.total >= 500)
    if safe:
        return make(f"golden-fraud-{v:03d}", m, [sig], ["fraud_hold", "safe"], category=C.fraud_hold,
                    disposition=D.fixable_now, priority=prio,
                    actions=[A(tool="release_hold", args={"order_id": o.id})], approval="approval")
    return make(f"golden-fraud-{v:03d}", m, [sig], ["fraud_hold", "unsafe"], category=C.fraud_hold,
                disposition=D.escalate, priority=prio, actions=[A(tool="escalate_case", args={"owner": "risk"})],
                forbidden_actions=["release_hold"], approval="escalate")


def address_issue(v: int) -> EvalCase:
    rng, m, band, hours = setup(v, 3)
    kind = ["missing_unit", "po_box", "ticket_change", "zip_mismatch", "ticket_after_label"][v % 5]
    vip = v % 11 == 7
    c = m.customer(vip=vip)
    sku = [rng.choice(CHEAP + MID)]
    status = "label_created" if kind == "ticket_after_label" else rng.choice(["pending", "processing"])
    if kind == "missing_unit":
        c.address = m.address(unit=True)
        o = m.order(c, status, sku, cutoff_h=hours, address=c.address.model_copy(update={"line2": None}))
    elif kind == "po_box":
        base = m.address()
        o = m.order(c, status, sku, cutoff_h=hours, carrier="ups",
                    address=base.model_copy(update={"line1": f"PO Box {rng.randint(100, 9999)}"}))
    elif kind == "zip_mismatch":
        o = m.order(c, status, sku, cutoff_h=hours, address=c.address.model_copy(
            update={"zip": "98101" if c.address.state != "WA" else "10001"}))
    else:
        o = m.order(c, status, sku, cutoff_h=hours)
    lift = vip or o.total >= 500
    tags = ["address_issue", kind]
    if kind in ("ticket_change", "ticket_after_label"):
        new = m.address(unit=True)
        text = (f"I put the wrong address on order {o.id}. Please ship it to {new.line1}, {new.line2}, "
                f"{new.city}, {new.state} {new.zip} instead.")
        sig = m.ticket(c, "Wrong shipping address", voice(rng, text, v % 4 == 1), o)
        tool = "reroute_shipment" if kind == "ticket_after_label" else "update_address"
        return make(f"golden-address-{v:03d}", m, [sig], tags, category=C.address_issue, disposition=D.fixable_now,
                    priority=band_for(hours, lift), approval="approval",
                    actions=[A(tool=tool, args={"order_id": o.id, "address": {"line1": new.line1, "zip": new.zip}})],
                    forbidden_actions=["update_address"] if tool == "reroute_shipment" else [])
    o.hold_reason = "address_unverified"
    note = {"missing_unit": "address missing apartment or suite number", "po_box": "carrier does not deliver to PO boxes",
            "zip_mismatch": "ZIP code does not match state"}[kind]
    sig = m.signal(K.address_rejected, S.shopify, o, note=note, carrier=m.fulfillment(o).carrier)
    if kind == "missing_unit":
        return make(f"golden-address-{v:03d}", m, [sig], tags, category=C.address_issue, disposition=D.fixable_now,
                    priority=band_for(hours, lift), approval="approval",
                    actions=[A(tool="update_address", args={"order_id": o.id, "address": {"line2": c.address.line2}}),
                             A(tool="release_hold", args={"order_id": o.id})])
    return make(f"golden-address-{v:03d}", m, [sig], tags, category=C.address_issue,
                disposition=D.needs_customer_decision, priority=band_for(hours, lift),
                forbidden_actions=["update_address", "release_hold"], approval=auto_or(o.total, vip),
                message=msg(o.id))


def inventory_mismatch(v: int) -> EvalCase:
    rng, m, band, hours = setup(v, 4)
    c = m.customer()
    sku = rng.choice(CHEAP + MID)
    elsewhere = v % 2 == 0
    o = m.order(c, "processing", [sku], cutoff_h=hours, warehouse="WH-EAST",
                stock={"WH-EAST": 0, "WH-CENTRAL": 30 if elsewhere else 0, "WH-WEST": 0})
    code = rng.choice(["SHORT_PICK", "OVERSOLD", "BACKORDER"])
    sig = m.signal(K.threepl_exception, S.threepl, o, sku=sku, warehouse_id="WH-EAST", exception_code=code,
                   note=f"{code.lower()} on {sku}")
    if elsewhere:
        # Another warehouse holds it: the 3PL contact moves the pick; the customer only hears of a short delay.
        return make(f"golden-inventory-{v:03d}", m, [sig], ["inventory_mismatch", "elsewhere"],
                    category=C.inventory_mismatch, disposition=D.escalate, priority=band_for(hours),
                    actions=[A(tool="escalate_case", args={"owner": "threepl"})], approval="escalate",
                    forbidden_actions=["cancel_order"])
    return make(f"golden-inventory-{v:03d}", m, [sig], ["inventory_mismatch", "nowhere"],
                category=C.inventory_mismatch, disposition=D.needs_customer_decision, priority=band_for(hours),
                forbidden_actions=["cancel_order"], approval=auto_or(o.total, False), message=msg(o.id))


def split_shipment(v: int) -> EvalCase:
    rng, m, band, hours = setup(v, 5)
    c = m.customer()
    skus = rng.sample(CHEAP if v % 3 else MID + DEAR[:1], 2 + v % 2)
    o = m.order(c, "processing", skus, cutoff_h=hours, stock={"WH-EAST": 20})
    for row in m.world.inventory:
        if row.sku == skus[-1]:
            row.on_hand = 0
    sig = m.signal(K.threepl_exception, S.threepl, o, sku=skus[-1], warehouse_id="WH-EAST",
                   exception_code="PARTIAL_AVAILABILITY",
                   note=f"{len(skus) - 1} of {len(skus)} lines available; {skus[-1]} expected in 6 days")
    return make(f"golden-split-{v:03d}", m, [sig], ["split_shipment"], category=C.split_shipment,
                disposition=D.needs_customer_decision, priority=band_for(hours, o.total >= 500),
                forbidden_actions=["split_shipment", "cancel_order"], approval=auto_or(o.total, False),
                message=msg(o.id))


def fulfillment_delay(v: int) -> EvalCase:
    rng, m, band, hours = setup(v, 6)
    c = m.customer()
    o = m.order(c, "processing", [rng.choice(CHEAP + MID)], cutoff_h=150, promised_h=hours, age_h=40)
    code = ["CUTOFF_MISSED", "WAREHOUSE_BACKLOG"][v % 2]
    sig = m.signal(K.threepl_exception, S.threepl, o, warehouse_id="WH-EAST", exception_code=code,
                   note=f"{code.lower().replace('_', ' ')} at WH-EAST")
    # DESIGN §3: expedite / notify. Nothing is asked of the customer, so the first touch can go alone.
    return make(f"golden-delay-{v:03d}", m, [sig], ["fulfillment_delay"], category=C.fulfillment_delay,
                disposition=D.fixable_now, priority=band_for(hours), forbidden_actions=["cancel_order"],
                approval=auto_or(o.total, False), message=msg(o.id))


def change_request(v: int) -> EvalCase:
    rng, m, band, hours = setup(v, 7)
    kind = ["cancel_pending", "cancel_label", "cancel_shipped", "cancel_past_cutoff", "remove_item",
            "cancel_pending"][v % 6]
    c = m.customer()
    status = {"cancel_label": "label_created", "cancel_shipped": "shipped"}.get(kind, rng.choice(["pending", "processing"]))
    cutoff = -2 if kind == "cancel_past_cutoff" else hours
    o = m.order(c, "processing" if kind == "cancel_past_cutoff" else status, [rng.choice(CHEAP + MID)],
                cutoff_h=cutoff, promised_h=hours + 48 if kind != "cancel_shipped" else hours)
    text = {"remove_item": f"I want to remove one item from order {o.id} before it ships."}.get(
        kind, rng.choice([f"Please cancel order {o.id}, I ordered it by mistake.",
                          f"hi i need to cancel #{o.id.lstrip('#')} asap, found it cheaper elsewhere"]))
    sig = m.ticket(c, "Order change", voice(rng, text, v % 5 == 2), o)
    tags = ["change_request", kind]
    if kind == "cancel_past_cutoff":
        hours = _next_cutoff_hours(m)
    prio = band_for(hours)
    if kind == "remove_item":
        return make(f"golden-change-{v:03d}", m, [sig], tags, category=C.change_request, disposition=D.escalate,
                    priority=prio, actions=[A(tool="escalate_case", args={"owner": "lead"})], approval="escalate",
                    forbidden_actions=["cancel_order"])
    if kind == "cancel_pending":
        return make(f"golden-change-{v:03d}", m, [sig], tags, category=C.change_request, disposition=D.fixable_now,
                    priority=prio, actions=[A(tool="cancel_order", args={"order_id": o.id})], approval="approval")
    return make(f"golden-change-{v:03d}", m, [sig], tags, category=C.change_request, disposition=D.fixable_now,
                priority=prio, actions=[A(tool="intercept_shipment", args={"order_id": o.id})],
                forbidden_actions=["cancel_order"], approval="approval")


def _next_cutoff_hours(m: Mini) -> float:
    """Past today's cutoff the next irreversible point is the warehouse's next weekday pickup."""
    from copilot.cases.priority import next_cutoff

    wh = m.world.warehouses[0]
    return (next_cutoff(m.now, wh.timezone, wh.cutoff_local) - m.now).total_seconds() / 3600


def threepl_exception(v: int) -> EvalCase:
    rng, m, band, hours = setup(v, 8)
    c = m.customer()
    o = m.order(c, rng.choice(["processing", "label_created"]), [rng.choice(CHEAP + MID)], cutoff_h=hours)
    code = ["LABEL_ERROR", "PICK_PACK_EXCEPTION", "HANDOFF_GAP", "DAMAGED_IN_WAREHOUSE"][v % 4]
    sig = m.signal(K.threepl_exception, S.threepl, o, warehouse_id="WH-EAST", sku=o.lines[0].sku,
                   exception_code=code, note=f"{code.lower().replace('_', ' ')} reported by WH-EAST")
    return make(f"golden-3pl-{v:03d}", m, [sig], ["threepl_exception"], category=C.threepl_exception,
                disposition=D.escalate, priority=band_for(hours),
                actions=[A(tool="escalate_case", args={"owner": "threepl"})], approval="escalate")


PRE: dict[str, tuple[Callable[[int], EvalCase], int]] = {
    "payment_failure": (payment_failure, 28), "fraud_hold": (fraud_hold, 24), "address_issue": (address_issue, 30),
    "inventory_mismatch": (inventory_mismatch, 22), "split_shipment": (split_shipment, 20),
    "fulfillment_delay": (fulfillment_delay, 20), "change_request": (change_request, 30),
    "threepl_exception": (threepl_exception, 20),
}
