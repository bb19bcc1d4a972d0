"""A deterministic demo world: the same seed always gives the same rows."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from tools.connectors.sandbox import catalog
from tools.connectors.sandbox.exceptions import plant_exceptions
from tools.connectors.sandbox.world import (
    Address,
    Customer,
    Fulfillment,
    InventoryRow,
    Order,
    OrderLine,
    Payment,
    PaymentMethod,
    TrackingEvent,
    World,
)
from tools.contracts.domain import Category, Signal, SignalKind, SignalSource

DEFAULT_NOW = datetime(2026, 11, 16, 15, 0, tzinfo=UTC)
CENT = Decimal("0.01")


class WorldBuilder:
    """Builds customers, orders, payments and fulfillments; exceptions are planted on top."""

    def __init__(self, seed: int, now: datetime) -> None:
        self.rng = random.Random(seed)
        self.now = now
        self.world = World(name=f"demo-seed-{seed}", now=now, warehouses=list(catalog.WAREHOUSES),
                           products=catalog.products())
        self.products = self.world.products
        self._tracking = 100_000_000_000

    def address(self, with_unit: bool | None = None) -> tuple[Address, str]:
        city, state, zip_code, warehouse = self.rng.choice(catalog.PLACES)
        number = self.rng.randint(10, 9800)
        unit = with_unit if with_unit is not None else self.rng.random() < 0.35
        line2 = f"Apt {self.rng.randint(1, 40)}{self.rng.choice('ABCD')}" if unit else None
        street = self.rng.choice(catalog.STREETS)
        return Address(line1=f"{number} {street}", line2=line2, city=city, state=state, zip=zip_code), warehouse

    def customers(self, n: int) -> None:
        for i in range(n):
            first, last = self.rng.choice(catalog.FIRST_NAMES), self.rng.choice(catalog.LAST_NAMES)
            address, _ = self.address()
            card = PaymentMethod(id=f"card_{i + 1:05d}", source="credit_card",
                                 brand=self.rng.choice(["visa", "mastercard", "amex"]),
                                 last4=f"{self.rng.randint(0, 9999):04d}")
            self.world.customers.append(
                Customer(id=f"cus_{i + 1:04d}", email=f"{first.lower()}.{last.lower()}{i + 1}@example.com",
                         first_name=first, last_name=last, phone=f"+1555{self.rng.randint(1000000, 9999999)}",
                         vip=self.rng.random() < 0.06, address=address, payment_methods=[card],
                         created_at=self.now - timedelta(days=self.rng.randint(90, 900)))
            )

    def tracking_number(self) -> str:
        self._tracking += self.rng.randint(1, 997)
        return f"1Z{self._tracking}"

    def order(self, number: int, customer: Customer, age: timedelta, status: str | None = None,
              n_lines: int | None = None) -> Order:
        created = self.now - age
        if status is None:
            status = _status_for_age(age, self.rng)
        lines = []
        for line_no in range(1, (n_lines or self.rng.choice([1, 1, 1, 2, 2, 3])) + 1):
            product = self.rng.choice(self.products)
            lines.append(OrderLine(line_no=line_no, sku=product.sku, name=product.name,
                                   quantity=self.rng.choice([1, 1, 1, 2]), unit_price=product.price,
                                   options=product.options))
        subtotal = sum((ln.unit_price * ln.quantity for ln in lines), Decimal("0"))
        shipping = Decimal("0") if subtotal >= 75 else Decimal("7.95")
        assert customer.address is not None
        address = customer.address if self.rng.random() < 0.8 else self.address()[0]
        order = Order(id=f"#{number}", customer_id=customer.id, status=status, subtotal=subtotal,
                      shipping_total=shipping, total=subtotal + shipping, shipping_address=address,
                      created_at=created, promised_by=created + timedelta(days=5), updated_at=created, lines=lines)
        self.world.orders.append(order)
        self._payment(order)
        self._fulfillment(order)
        return order

    def _payment(self, order: Order) -> Payment:
        customer = next(c for c in self.world.customers if c.id == order.customer_id)
        card = customer.payment_methods[0]
        captured = order.status in ("shipped", "delivered", "label_created")
        payment = Payment(
            id=f"pi_{order.id.lstrip('#')}", order_id=order.id, method="card", brand=card.brand, last4=card.last4,
            status="captured" if captured else ("voided" if order.status == "cancelled" else "authorized"),
            amount=order.total, amount_captured=order.total if captured else Decimal("0"),
            authorized_at=order.created_at, auth_expires_at=order.created_at + timedelta(days=7),
            created_at=order.created_at,
        )
        self.world.payments.append(payment)
        return payment

    def _fulfillment(self, order: Order) -> Fulfillment | None:
        if order.status == "cancelled":
            return None
        place = next((p for p in catalog.PLACES if p[2] == order.shipping_address.zip), catalog.PLACES[0])
        warehouse = next(w for w in self.world.warehouses if w.id == place[3])
        status = {"pending": "pending", "processing": "picking", "label_created": "label_created",
                  "shipped": "handed_off", "delivered": "delivered"}[order.status]
        created = order.created_at + timedelta(hours=2)
        cutoff = created.replace(hour=20, minute=0, second=0, microsecond=0) + timedelta(days=1)
        labelled = status in ("label_created", "handed_off", "delivered")
        fulfillment = Fulfillment(
            id=f"ful_{order.id.lstrip('#')}", order_id=order.id, warehouse_id=warehouse.id, status=status,
            carrier=self.rng.choice(warehouse.carriers), tracking_number=self.tracking_number() if labelled else None,
            skus=[ln.sku for ln in order.lines], cutoff_at=cutoff,
            label_created_at=created + timedelta(hours=3) if labelled else None,
            handed_off_at=created + timedelta(hours=20) if status in ("handed_off", "delivered") else None,
            delivered_at=created + timedelta(days=3) if status == "delivered" else None, created_at=created,
        )
        self.world.fulfillments.append(fulfillment)
        if fulfillment.tracking_number and fulfillment.handed_off_at:
            self.world.tracking_events.append(
                TrackingEvent(tracking_number=fulfillment.tracking_number, carrier=fulfillment.carrier,
                              status="in_transit", message="Picked up by carrier", location=warehouse.name,
                              occurred_at=fulfillment.handed_off_at))
            if fulfillment.delivered_at:
                self.world.tracking_events.append(
                    TrackingEvent(tracking_number=fulfillment.tracking_number, carrier=fulfillment.carrier,
                                  status="delivered", message="Delivered, front door",
                                  location=f"{order.shipping_address.city}, {order.shipping_address.state}",
                                  occurred_at=fulfillment.delivered_at))
        return fulfillment

    def inventory(self) -> None:
        for warehouse in self.world.warehouses:
            for product in self.products:
                self.world.inventory.append(InventoryRow(warehouse_id=warehouse.id, sku=product.sku,
                                                         on_hand=self.rng.randint(5, 120)))

    def lifetime_values(self) -> None:
        spend: dict[str, Decimal] = {}
        for order in self.world.orders:
            if order.status != "cancelled":
                spend[order.customer_id] = spend.get(order.customer_id, Decimal("0")) + order.total
        for customer in self.world.customers:
            customer.lifetime_value = spend.get(customer.id, Decimal("0")).quantize(CENT)

    def signal(self, seed_id: str, kind: SignalKind, source: SignalSource, at: datetime, **fields: object) -> Signal:
        return Signal(source=source, source_event_id=f"seed-{seed_id}", kind=kind, occurred_at=at, **fields)


def _status_for_age(age: timedelta, rng: random.Random) -> str:
    hours = age.total_seconds() / 3600
    if rng.random() < 0.03:
        return "cancelled"
    if hours < 6:
        return "pending"
    if hours < 24:
        return rng.choice(["pending", "processing"])
    if hours < 48:
        return rng.choice(["processing", "label_created", "shipped"])
    if hours < 24 * 5:
        return rng.choice(["shipped", "shipped", "delivered"])
    return "delivered"


def generate_world(seed: int = 7, n_orders: int = 2000, n_customers: int = 300, n_exceptions: int = 200,
                   now: datetime = DEFAULT_NOW) -> World:
    """Customers with histories, orders across every status, and exceptions over all 12 categories."""
    builder = WorldBuilder(seed, now)
    builder.customers(n_customers)
    builder.inventory()
    for i in range(n_orders - n_exceptions):
        customer = builder.rng.choice(builder.world.customers)
        age = timedelta(hours=builder.rng.uniform(0.5, 24 * 60))
        builder.order(1001 + i, customer, age)
    plant_exceptions(builder, n_exceptions, next_order_number=1001 + n_orders - n_exceptions)
    builder.lifetime_values()
    builder.world.orders.sort(key=lambda o: o.created_at)
    return builder.world


__all__ = ["DEFAULT_NOW", "WorldBuilder", "generate_world", "Category"]
