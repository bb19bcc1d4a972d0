"""Plants the exceptions a recovery desk works on a generated world, each with the signal that raised it."""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Protocol

from tools.connectors.sandbox import catalog
from tools.connectors.sandbox.world import (
    Address,
    Claim,
    Customer,
    Dispute,
    Fulfillment,
    Order,
    Payment,
    Refund,
    SeedSignal,
    Ticket,
    TrackingEvent,
    World,
)
from tools.contracts.domain import Category, Signal, SignalKind, SignalSource


class WorldBuilder(Protocol):
    """What planting exceptions needs of the generator's builder (generator.WorldBuilder is one)."""

    rng: random.Random
    now: datetime
    world: World

    def address(self, with_unit: bool | None = None) -> tuple[Address, str]: ...

    def order(self, number: int, customer: Customer, age: timedelta, status: str | None = None,
              n_lines: int | None = None) -> Order: ...

    def signal(self, seed_id: str, kind: SignalKind, source: SignalSource, at: datetime, **fields: object) -> Signal: ...

S, K = SignalSource, SignalKind


class _Planter:
    def __init__(self, builder: WorldBuilder, next_order_number: int) -> None:
        self.b = builder
        self.rng = builder.rng
        self.now = builder.now
        self.number = next_order_number
        self.count = 0

    def new_order(self, status: str, hours_ago: float, n_lines: int | None = None) -> Order:
        customer = self.rng.choice(self.b.world.customers)
        order = self.b.order(self.number, customer, timedelta(hours=hours_ago), status=status, n_lines=n_lines)
        self.number += 1
        return order

    def customer_of(self, order: Order) -> Customer:
        return next(c for c in self.b.world.customers if c.id == order.customer_id)

    def payment_of(self, order: Order) -> Payment:
        return next(p for p in self.b.world.payments if p.order_id == order.id)

    def fulfillment_of(self, order: Order) -> Fulfillment:
        return next(f for f in self.b.world.fulfillments if f.order_id == order.id)

    def seed(self, category: Category, kind: SignalKind, source: SignalSource, order: Order | None,
             minutes_ago: float, **fields: object) -> None:
        self.count += 1
        seed_id = f"X{self.count:04d}"
        if order is not None:
            fields.setdefault("order_id", order.id)
            fields.setdefault("customer_email", self.customer_of(order).email)
        signal = self.b.signal(seed_id, kind, source, self.now - timedelta(minutes=minutes_ago), **fields)
        self.b.world.seed_signals.append(SeedSignal(id=seed_id, category=category, signal=signal))

    def ticket(self, category: Category, order: Order | None, subject: str, text: str, minutes_ago: float,
               customer_email: str | None = None) -> None:
        customer = self.customer_of(order) if order else None
        ticket_id = f"T{50_000 + self.count + 1}"
        email = customer_email or (customer.email if customer else None)
        self.b.world.tickets.append(Ticket(id=ticket_id, customer_id=customer.id if customer else None,
                                           channel="email", subject=subject,
                                           created_at=self.now - timedelta(minutes=minutes_ago)))
        name = f"{customer.first_name} {customer.last_name}" if customer else None
        self.seed(category, K.ticket, self.rng.choice([S.zendesk, S.gorgias, S.freshdesk]), None, minutes_ago,
                  customer_email=email, customer_name=name, ticket_id=ticket_id, subject=subject, text=text)

    def pick(self, options: list[str], order: Order) -> str:
        return self.rng.choice(options).format(order=order.id, num=order.id.lstrip("#"))

    # one function per category ------------------------------------------------------------------

    def payment_failure(self) -> None:
        order = self.new_order("pending", self.rng.uniform(2, 60))
        payment = self.payment_of(order)
        code = self.rng.choice(catalog.SOFT_DECLINES + catalog.HARD_DECLINES)
        payment.status, payment.decline_code, payment.amount_captured = "failed", code, Decimal("0")
        payment.authorized_at = None
        order.hold_reason = "payment_failed"
        if self.rng.random() < 0.8:
            self.seed(Category.payment_failure, K.payment_failed, S.stripe, order, self.rng.uniform(5, 600),
                      payment_id=payment.id, amount=payment.amount, currency="usd", decline_code=code)
        else:
            self.ticket(Category.payment_failure, order, "Card declined?",
                        self.pick(["My card was declined for order {order} but I have the money. Can you try again?",
                                   "Checkout said payment failed on {order}. What do I do?"], order),
                        self.rng.uniform(5, 600))

    def fraud_hold(self) -> None:
        order = self.new_order("pending", self.rng.uniform(1, 40))
        order.risk_level = self.rng.choice(["medium", "high"])
        order.risk_recommendation = "investigate" if order.risk_level == "medium" else self.rng.choice(
            ["investigate", "cancel"])
        order.risk_rules = self.rng.sample(["billing_shipping_mismatch", "high_velocity", "proxy_ip",
                                            "first_order_high_value"], 2)
        order.hold_reason = "fraud_review"
        payment = self.payment_of(order)
        payment.avs_result = self.rng.choice(["match", "match", "mismatch"])
        choice = self.rng.random()
        if choice < 0.5:
            self.seed(Category.fraud_hold, K.order_risk, S.shopify, order, self.rng.uniform(5, 300),
                      risk_level=order.risk_level, risk_recommendation=order.risk_recommendation)
        elif choice < 0.75:
            self.seed(Category.fraud_hold, K.fraud_warning, S.stripe, order, self.rng.uniform(5, 300),
                      payment_id=payment.id, amount=payment.amount, note="fraudulent")
        else:
            self.seed(Category.fraud_hold, K.payment_review, S.stripe, order, self.rng.uniform(5, 300),
                      payment_id=payment.id, amount=payment.amount, note="rule")

    def address_issue(self) -> None:
        order = self.new_order(self.rng.choice(["pending", "processing"]), self.rng.uniform(1, 30))
        customer = self.customer_of(order)
        problem = self.rng.choice(["missing_unit", "po_box", "zip_mismatch", "change"])
        base = order.shipping_address
        if problem == "missing_unit":
            customer.address = Address(line1=base.line1, line2="Apt 4B", city=base.city, state=base.state, zip=base.zip)
            order.shipping_address = Address(line1=base.line1, city=base.city, state=base.state, zip=base.zip)
            detail = "address missing apartment or suite number"
        elif problem == "po_box":
            order.shipping_address = Address(line1=f"PO Box {self.rng.randint(100, 9999)}", city=base.city,
                                             state=base.state, zip=base.zip)
            self.fulfillment_of(order).carrier = "ups"
            detail = "carrier does not deliver to PO boxes"
        elif problem == "zip_mismatch":
            other = self.rng.choice([p for p in catalog.PLACES if p[1] != base.state])
            order.shipping_address = Address(line1=base.line1, line2=base.line2, city=base.city, state=base.state,
                                             zip=other[2])
            detail = "ZIP code does not match state"
        else:
            new, _ = self.b.address(with_unit=True)
            self.ticket(Category.address_issue, order, "Wrong shipping address",
                        f"Hi, I put the wrong address on order {order.id}. Please ship it to "
                        f"{new.line1}, {new.line2}, {new.city}, {new.state} {new.zip} instead.",
                        self.rng.uniform(5, 300))
            return
        order.hold_reason = "address_unverified"
        self.seed(Category.address_issue, K.address_rejected, S.shopify, order, self.rng.uniform(5, 300),
                  note=detail, carrier=self.fulfillment_of(order).carrier)

    def _short(self, order: Order, sku: str, elsewhere: bool) -> str:
        fulfillment = self.fulfillment_of(order)
        for row in self.b.world.inventory:
            if row.sku == sku and row.warehouse_id == fulfillment.warehouse_id or row.sku == sku and not elsewhere:
                row.on_hand = 0
        return fulfillment.warehouse_id

    def inventory_mismatch(self) -> None:
        order = self.new_order("processing", self.rng.uniform(6, 30), n_lines=1)
        sku = order.lines[0].sku
        warehouse = self._short(order, sku, elsewhere=self.rng.random() < 0.6)
        code = self.rng.choice(["SHORT_PICK", "OVERSOLD", "BACKORDER"])
        self.seed(Category.inventory_mismatch, K.threepl_exception, S.threepl, order, self.rng.uniform(5, 240),
                  sku=sku, warehouse_id=warehouse, exception_code=code, note=f"{code.lower()} on {sku}")

    def split_shipment(self) -> None:
        order = self.new_order("processing", self.rng.uniform(6, 30), n_lines=self.rng.choice([2, 3]))
        sku = order.lines[-1].sku
        warehouse = self._short(order, sku, elsewhere=False)
        self.seed(Category.split_shipment, K.threepl_exception, S.threepl, order, self.rng.uniform(5, 240),
                  sku=sku, warehouse_id=warehouse, exception_code="PARTIAL_AVAILABILITY",
                  note=f"{len(order.lines) - 1} of {len(order.lines)} lines available; {sku} expected in 6 days")

    def fulfillment_delay(self) -> None:
        order = self.new_order("processing", self.rng.uniform(26, 70))
        fulfillment = self.fulfillment_of(order)
        order.promised_by = self.now + timedelta(hours=self.rng.uniform(6, 48))
        code = self.rng.choice(["CUTOFF_MISSED", "WAREHOUSE_BACKLOG"])
        self.seed(Category.fulfillment_delay, K.threepl_exception, S.threepl, order, self.rng.uniform(5, 240),
                  warehouse_id=fulfillment.warehouse_id, exception_code=code,
                  note=f"{code.lower().replace('_', ' ')} at {fulfillment.warehouse_id}")

    def change_request(self) -> None:
        order = self.new_order(self.rng.choice(["pending", "processing", "label_created"]), self.rng.uniform(1, 20))
        subject, text = self.rng.choice([
            ("Cancel my order", "Please cancel order {order}, I ordered it by mistake."),
            ("Change size", "Can I swap the size on {order} to a large? Thanks"),
            ("cancel", "hi i need to cancel #{num} asap, found it cheaper elsewhere"),
            ("Edit order", "I want to remove one item from order {order} before it ships."),
        ])
        self.ticket(Category.change_request, order, subject, text.format(order=order.id, num=order.id.lstrip("#")),
                    self.rng.uniform(5, 200))

    def threepl_exception(self) -> None:
        order = self.new_order(self.rng.choice(["processing", "label_created"]), self.rng.uniform(8, 40))
        fulfillment = self.fulfillment_of(order)
        code = self.rng.choice(["LABEL_ERROR", "PICK_PACK_EXCEPTION", "HANDOFF_GAP", "DAMAGED_IN_WAREHOUSE"])
        self.seed(Category.threepl_exception, K.threepl_exception, S.threepl, order, self.rng.uniform(5, 240),
                  warehouse_id=fulfillment.warehouse_id, sku=order.lines[0].sku, exception_code=code,
                  note=f"{code.lower().replace('_', ' ')} reported by {fulfillment.warehouse_id}")

    def delivery_exception(self) -> None:
        order = self.new_order("shipped", self.rng.uniform(50, 140))
        fulfillment = self.fulfillment_of(order)
        status, detail, message = self.rng.choice([
            ("failure", "address_not_found", "Delivery attempt failed: address not found"),
            ("return_to_sender", "return_to_sender", "Returned to sender"),
            ("failure", "damaged", "Package damaged in transit"),
            ("unknown", "lost", "No scan for 5 days"),
            ("available_for_pickup", "held_at_facility", "Held at carrier facility"),
        ])
        at = self.now - timedelta(minutes=self.rng.uniform(10, 400))
        assert fulfillment.tracking_number is not None
        self.b.world.tracking_events.append(TrackingEvent(tracking_number=fulfillment.tracking_number,
                                                          carrier=fulfillment.carrier, status=status,
                                                          status_detail=detail, message=message, occurred_at=at))
        self.seed(Category.delivery_exception, K.tracking_update, S.easypost, order,
                  (self.now - at).total_seconds() / 60, tracking_number=fulfillment.tracking_number,
                  carrier=fulfillment.carrier, tracking_status=status, status_detail=detail, note=message)

    def refund_request(self) -> None:
        order = self.new_order("delivered", self.rng.uniform(24 * 6, 24 * 20))
        payment = self.payment_of(order)
        if self.rng.random() < 0.6:
            amount = order.lines[0].unit_price
            payment.amount_refunded = amount
            self.b.world.refunds.append(Refund(id=f"re_{order.id.lstrip('#')}", payment_id=payment.id, amount=amount,
                                               reason="return", created_at=self.now - timedelta(days=3)))
        self.ticket(Category.refund_request, order, "Where is my refund?",
                    self.pick(["I returned an item from {order} two weeks ago and still have no refund.",
                               "Where is my refund for order {order}?",
                               "Still waiting on my money back for #{num}. This is ridiculous."], order),
                    self.rng.uniform(5, 600))

    def concession_request(self) -> None:
        order = self.new_order("delivered", self.rng.uniform(24 * 4, 24 * 15))
        kind, text = self.rng.choice([
            ("damaged", "My {item} from order {order} arrived damaged, the box was crushed."),
            ("wrong_item", "I received the wrong item in order {order}, this is not the {item} I ordered."),
            ("missing", "Order {order} arrived but the {item} was missing from the box."),
        ])
        customer = self.customer_of(order)
        if self.rng.random() < 0.25:
            earlier = next((o for o in self.b.world.orders if o.customer_id == customer.id and o.id != order.id), None)
            if earlier is not None:
                self.b.world.claims.append(Claim(id=f"clm_{self.count}", customer_id=customer.id, order_id=earlier.id,
                                                 kind=kind, outcome="refunded",
                                                 created_at=self.now - timedelta(days=self.rng.randint(10, 80))))
        self.ticket(Category.concession_request, order, "Problem with my order",
                    text.format(item=order.lines[0].name, order=order.id), self.rng.uniform(5, 600))

    def chargeback(self) -> None:
        order = self.new_order("delivered", self.rng.uniform(24 * 10, 24 * 40))
        payment = self.payment_of(order)
        reason = self.rng.choice(["fraudulent", "product_not_received", "product_unacceptable", "duplicate"])
        due = self.now + timedelta(days=self.rng.uniform(1, 14))
        dispute_id = f"dp_{order.id.lstrip('#')}"
        self.b.world.disputes.append(Dispute(id=dispute_id, order_id=order.id, payment_id=payment.id, reason=reason,
                                             status="needs_response", amount=payment.amount, due_by=due,
                                             created_at=self.now - timedelta(hours=3)))
        self.seed(Category.chargeback, K.dispute_opened, S.stripe, order, 180, payment_id=payment.id,
                  amount=payment.amount, currency="usd", dispute_id=dispute_id, dispute_reason=reason, due_by=due)

    def out_of_scope(self) -> None:
        customer = self.rng.choice(self.b.world.customers)
        subject, text = self.rng.choice([
            ("Unsubscribe", "Please take me off your newsletter list."),
            ("Invoice for my company", "Can you send a VAT invoice with our company name for my last purchase?"),
            ("Password reset", "I can't log in to my account, the reset email never comes."),
        ])
        self.count += 0
        self.ticket(Category.out_of_scope, None, subject, text, self.rng.uniform(5, 600),
                    customer_email=customer.email)


PLANTERS: dict[Category, Callable[[_Planter], None]] = {
    category: getattr(_Planter, category.value) for category in Category
    if category not in (Category.out_of_scope, Category.needs_reading)
}


def plant_exceptions(builder: WorldBuilder, n: int, next_order_number: int) -> None:
    planter = _Planter(builder, next_order_number)
    categories = list(PLANTERS)
    for i in range(n):
        PLANTERS[categories[i % len(categories)]](planter)
    for _ in range(max(1, n // 20)):
        planter.out_of_scope()
