"""Small hand-built worlds for eval cases, and the desk lead's priority rule (evals/README.md)."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from copilot.core.models import Priority, Signal, SignalKind, SignalSource
from tools.connectors.sandbox import catalog
from tools.connectors.sandbox.world import (
    Address,
    Claim,
    Customer,
    Dispute,
    Fulfillment,
    InventoryRow,
    Order,
    OrderLine,
    Payment,
    PaymentMethod,
    Refund,
    TrackingEvent,
    World,
)

PRODUCTS = {p.sku: p for p in catalog.products()}
CHEAP = ["SKU-002-S", "SKU-005-M", "SKU-004-S", "SKU-009-L", "SKU-008-S", "SKU-010-M"]  # $24-$44
MID = ["SKU-006-S", "SKU-014-M", "SKU-016-S", "SKU-020-M", "SKU-012-S"]  # $69-$123
DEAR = ["SKU-017-S", "SKU-018-M", "SKU-015-S", "SKU-013-M"]  # $179-$401
# Weekday clocks across the day and the year: the desk works around the clock.
CLOCKS = [datetime(2026, 3, 10, 14, 0, tzinfo=UTC), datetime(2026, 5, 21, 9, 30, tzinfo=UTC),
          datetime(2026, 7, 8, 19, 15, tzinfo=UTC), datetime(2026, 9, 15, 23, 40, tzinfo=UTC),
          datetime(2026, 11, 18, 12, 5, tzinfo=UTC), datetime(2027, 1, 26, 16, 45, tzinfo=UTC),
          datetime(2026, 4, 2, 6, 20, tzinfo=UTC), datetime(2026, 10, 6, 21, 0, tzinfo=UTC)]
# Hours to the nearest irreversible point, well inside each band so a case tests the rule, not a rounding.
BAND_HOURS = {Priority.P1: [1.5, 3.0], Priority.P2: [6.0, 10.0, 18.0], Priority.P3: [30.0, 40.0, 60.0],
              Priority.P4: [100.0, 150.0]}
PEOPLE = [("Ava", "Garcia"), ("Liam", "Nguyen"), ("Maya", "Patel"), ("Noah", "Kim"), ("Sofia", "Okafor"),
          ("Ethan", "Rossi"), ("Priya", "Chen"), ("Mateo", "Silva"), ("Grace", "Khan"), ("Kenji", "Novak")]
PLACES = [("New York", "NY", "10001"), ("Boston", "MA", "02115"), ("Chicago", "IL", "60614"),
          ("Austin", "TX", "78701"), ("Seattle", "WA", "98101"), ("Denver", "CO", "80202"),
          ("Atlanta", "GA", "30303"), ("Portland", "OR", "97205")]
STREETS = ["Main St", "Oak Ave", "Maple Dr", "Cedar Ln", "Pine St", "Elm St", "Park Ave", "River Rd"]


def band_for(hours: float | None, lift: bool = False) -> Priority:
    """Deadline first: overdue or within 4 h P1, 24 h P2, 72 h P3, else P4; a VIP customer or an order of
    $500 or more lifts a case with a deadline inside 72 h by one band."""
    if hours is None or hours > 72:
        return Priority.P4
    band = Priority.P1 if hours <= 4 else Priority.P2 if hours <= 24 else Priority.P3
    order = [Priority.P1, Priority.P2, Priority.P3]
    return order[max(0, order.index(band) - 1)] if lift else band


@dataclass
class Mini:
    """One small world around the case: a customer or two, their orders, and only the SKUs they use."""

    rng: random.Random
    now: datetime
    world: World = field(init=False)
    n: int = 0

    def __post_init__(self) -> None:
        self.world = World(name="eval", now=self.now, warehouses=list(catalog.WAREHOUSES))

    def at(self, hours: float) -> datetime:
        return self.now + timedelta(hours=hours)

    def address(self, unit: bool = False) -> Address:
        city, state, zip_code = self.rng.choice(PLACES)
        line2 = f"Apt {self.rng.randint(1, 30)}{self.rng.choice('ABCD')}" if unit else None
        return Address(line1=f"{self.rng.randint(10, 9800)} {self.rng.choice(STREETS)}", line2=line2, city=city,
                       state=state, zip=zip_code)

    def customer(self, vip: bool = False, ltv: str = "180.00", address: Address | None = None) -> Customer:
        self.n += 1
        first, last = self.rng.choice(PEOPLE)
        c = Customer(id=f"cus_{self.n:03d}", email=f"{first.lower()}.{last.lower()}{self.n}@example.com",
                     first_name=first, last_name=last, vip=vip, lifetime_value=Decimal(ltv),
                     address=address or self.address(unit=self.rng.random() < 0.4),
                     payment_methods=[PaymentMethod(id=f"card_{self.n:03d}", source="credit_card", brand="visa",
                                                    last4=f"{self.rng.randint(0, 9999):04d}")],
                     created_at=self.now - timedelta(days=400))
        self.world.customers.append(c)
        return c

    def _stock(self, sku: str, on_hand: dict[str, int] | None) -> None:
        if sku not in {p.sku for p in self.world.products}:
            self.world.products.append(PRODUCTS[sku])
            for wh in self.world.warehouses:
                qty = (on_hand or {}).get(wh.id, 40)
                self.world.inventory.append(InventoryRow(warehouse_id=wh.id, sku=sku, on_hand=qty))

    def order(self, customer: Customer, status: str, skus: list[str], *, cutoff_h: float | None = 100,
              promised_h: float | None = 120, auth_h: float | None = 130, age_h: float = 8,
              warehouse: str = "WH-EAST", carrier: str = "ups", address: Address | None = None,
              stock: dict[str, int] | None = None, number: int | None = None) -> Order:
        self.n += 1
        created = self.now - timedelta(hours=age_h)
        lines = [OrderLine(line_no=i + 1, sku=sku, name=PRODUCTS[sku].name, unit_price=PRODUCTS[sku].price,
                           options=PRODUCTS[sku].options) for i, sku in enumerate(skus)]
        for sku in skus:
            self._stock(sku, stock)
        total = sum((ln.unit_price for ln in lines), Decimal("0"))
        order = Order(id=f"#{number or 4000 + self.n}", customer_id=customer.id, status=status, subtotal=total,  # type: ignore[arg-type]
                      total=total, shipping_address=address or customer.address, created_at=created,
                      updated_at=created, promised_by=self.at(promised_h) if promised_h is not None else None,
                      lines=lines)
        self.world.orders.append(order)
        captured = status in ("label_created", "shipped", "delivered")
        self.world.payments.append(Payment(
            id=f"pi_{order.id.lstrip('#')}", order_id=order.id, method="card", brand="visa",
            last4=customer.payment_methods[0].last4, status="captured" if captured else "authorized",
            amount=total, amount_captured=total if captured else Decimal("0"), authorized_at=created,
            auth_expires_at=self.at(auth_h) if auth_h is not None else created + timedelta(days=7),
            created_at=created))
        self._fulfillment(order, status, warehouse, carrier, cutoff_h)
        return order

    def _fulfillment(self, order: Order, status: str, warehouse: str, carrier: str, cutoff_h: float | None) -> None:
        if status == "cancelled":
            return
        f_status = {"pending": "pending", "processing": "picking", "label_created": "label_created",
                    "shipped": "handed_off", "delivered": "delivered"}[status]
        labelled = f_status in ("label_created", "handed_off", "delivered")
        handed = f_status in ("handed_off", "delivered")
        tracking = f"1Z{self.rng.randint(10**9, 10**10 - 1)}" if labelled else None
        base = order.created_at
        self.world.fulfillments.append(Fulfillment(
            id=f"ful_{order.id.lstrip('#')}", order_id=order.id, warehouse_id=warehouse, status=f_status,  # type: ignore[arg-type]
            carrier=carrier, tracking_number=tracking, skus=[ln.sku for ln in order.lines],
            cutoff_at=self.at(cutoff_h) if cutoff_h is not None and not handed else base + timedelta(hours=6),
            label_created_at=base + timedelta(hours=2) if labelled else None,
            handed_off_at=base + timedelta(hours=5) if handed else None,
            delivered_at=base + timedelta(days=3) if f_status == "delivered" else None, created_at=base))
        if handed:
            self.track(order, "in_transit", None, "Picked up by carrier", base + timedelta(hours=5))
        if f_status == "delivered":
            self.track(order, "delivered", None, "Delivered, front door", base + timedelta(days=3))

    def fulfillment(self, order: Order) -> Fulfillment:
        return next(f for f in self.world.fulfillments if f.order_id == order.id)

    def payment(self, order: Order) -> Payment:
        return next(p for p in self.world.payments if p.order_id == order.id)

    def track(self, order: Order, status: str, detail: str | None, message: str, at: datetime) -> TrackingEvent:
        ful = self.fulfillment(order)
        event = TrackingEvent(tracking_number=ful.tracking_number or "", carrier=ful.carrier, status=status,
                              status_detail=detail, message=message, occurred_at=at)
        self.world.tracking_events.append(event)
        return event

    def refund(self, order: Order, amount: Decimal, days_ago: float = 3) -> None:
        pay = self.payment(order)
        pay.amount_refunded += amount
        self.world.refunds.append(Refund(id=f"re_{order.id.lstrip('#')}", payment_id=pay.id, amount=amount,
                                         reason="return", created_at=self.now - timedelta(days=days_ago)))

    def claim(self, customer: Customer, order: Order, kind: str, days_ago: int) -> None:
        self.world.claims.append(Claim(id=f"clm_{len(self.world.claims) + 1}", customer_id=customer.id,
                                       order_id=order.id, kind=kind, outcome="refunded",
                                       created_at=self.now - timedelta(days=days_ago)))

    def dispute(self, order: Order, reason: str, due_h: float) -> Dispute:
        pay = self.payment(order)
        d = Dispute(id=f"dp_{order.id.lstrip('#')}", order_id=order.id, payment_id=pay.id, reason=reason,
                    status="needs_response", amount=pay.amount, due_by=self.at(due_h),
                    created_at=self.now - timedelta(hours=3))
        self.world.disputes.append(d)
        return d

    def signal(self, kind: SignalKind, source: SignalSource, order: Order | None, minutes_ago: float = 20,
               customer: Customer | None = None, **fields: object) -> Signal:
        self.n += 1
        if order is not None:
            fields.setdefault("order_id", order.id)
            owner = customer or next(c for c in self.world.customers if c.id == order.customer_id)
            fields.setdefault("customer_email", owner.email)
        elif customer is not None:
            fields.setdefault("customer_email", customer.email)
        return Signal(source=source, source_event_id=f"eval-{self.n}-{self.rng.randint(0, 10**6)}", kind=kind,
                      occurred_at=self.now - timedelta(minutes=minutes_ago), **fields)  # type: ignore[arg-type]

    def ticket(self, customer: Customer, subject: str, text: str, order: Order | None = None,
               minutes_ago: float = 30) -> Signal:
        source = self.rng.choice([SignalSource.zendesk, SignalSource.gorgias, SignalSource.freshdesk])
        return self.signal(SignalKind.ticket, source, order, minutes_ago, customer=customer,
                           customer_name=f"{customer.first_name} {customer.last_name}",
                           ticket_id=f"T{60000 + self.n}", subject=subject, text=text)
