"""The shape of a sandbox world, as loaded from JSON, generated from a seed or adapted from tau2-bench."""

from __future__ import annotations

from datetime import datetime, time
from decimal import Decimal
from typing import Literal

from pydantic import Field

from tools.contracts.domain import Address, Category, Signal
from tools.contracts.domain import Strict as Row  # the one strict base (extra="forbid")

OrderStatus = Literal["pending", "processing", "label_created", "shipped", "delivered", "cancelled"]
FulfillmentStatus = Literal[
    "pending", "picking", "label_created", "handed_off", "delivered", "returned", "cancelled"
]
PaymentStatus = Literal["authorized", "captured", "failed", "expired", "voided"]




class Warehouse(Row):
    id: str
    name: str
    timezone: str
    cutoff_local: time
    carriers: list[str]


class PaymentMethod(Row):
    id: str
    source: str
    brand: str | None = None
    last4: str | None = None
    balance: Decimal | None = Field(default=None, description="What is left on a gift card; None for other methods.")


class Customer(Row):
    id: str
    email: str
    first_name: str
    last_name: str
    phone: str | None = None
    vip: bool = False
    lifetime_value: Decimal = Decimal("0")
    address: Address | None = None
    payment_methods: list[PaymentMethod] = Field(default_factory=list)
    created_at: datetime


class Product(Row):
    sku: str
    product_id: str
    name: str
    price: Decimal
    options: dict[str, str] = Field(default_factory=dict)
    available: bool = True


class OrderLine(Row):
    line_no: int
    sku: str
    name: str
    quantity: int = 1
    unit_price: Decimal
    options: dict[str, str] = Field(default_factory=dict)


class Order(Row):
    id: str
    customer_id: str
    status: OrderStatus
    source_status: str | None = None
    currency: str = "USD"
    subtotal: Decimal
    shipping_total: Decimal = Decimal("0")
    total: Decimal
    shipping_address: Address
    risk_level: Literal["low", "medium", "high"] = "low"
    risk_recommendation: Literal["accept", "investigate", "cancel"] = "accept"
    risk_rules: list[str] = Field(default_factory=list)
    hold_reason: str | None = None
    tags: list[str] = Field(default_factory=list)
    cancel_reason: str | None = None
    created_at: datetime
    promised_by: datetime | None = None
    updated_at: datetime
    lines: list[OrderLine]


class Payment(Row):
    id: str
    order_id: str
    method: str
    brand: str | None = None
    last4: str | None = None
    status: PaymentStatus
    amount: Decimal
    amount_captured: Decimal = Decimal("0")
    amount_refunded: Decimal = Decimal("0")
    decline_code: str | None = None
    avs_result: str = "match"
    cvv_result: str = "match"
    authorized_at: datetime | None = None
    auth_expires_at: datetime | None = None
    retry_count: int = 0
    last_retry_at: datetime | None = None
    created_at: datetime


class Refund(Row):
    id: str
    payment_id: str
    amount: Decimal
    reason: str
    status: str = "succeeded"
    created_at: datetime


class Fulfillment(Row):
    id: str
    order_id: str
    warehouse_id: str
    status: FulfillmentStatus
    carrier: str
    service: str = "ground"
    tracking_number: str | None = None
    skus: list[str]
    cutoff_at: datetime | None = None
    label_created_at: datetime | None = None
    handed_off_at: datetime | None = None
    delivered_at: datetime | None = None
    created_at: datetime


class InventoryRow(Row):
    warehouse_id: str
    sku: str
    on_hand: int
    reserved: int = 0


class TrackingEvent(Row):
    tracking_number: str
    carrier: str
    status: str
    status_detail: str | None = None
    message: str | None = None
    location: str | None = None
    occurred_at: datetime


class Dispute(Row):
    id: str
    order_id: str
    payment_id: str
    reason: str
    status: str
    amount: Decimal
    due_by: datetime
    created_at: datetime


class Claim(Row):
    id: str
    customer_id: str
    order_id: str
    kind: str
    outcome: str | None = None
    created_at: datetime


class Ticket(Row):
    id: str
    customer_id: str | None
    channel: str
    subject: str
    created_at: datetime


class SeedSignal(Row):
    """An exception planted in the world, with the signal that raised it and its true category."""

    id: str
    category: Category
    signal: Signal


class World(Row):
    name: str = "world"
    now: datetime
    warehouses: list[Warehouse] = Field(default_factory=list)
    customers: list[Customer] = Field(default_factory=list)
    products: list[Product] = Field(default_factory=list)
    orders: list[Order] = Field(default_factory=list)
    payments: list[Payment] = Field(default_factory=list)
    refunds: list[Refund] = Field(default_factory=list)
    fulfillments: list[Fulfillment] = Field(default_factory=list)
    inventory: list[InventoryRow] = Field(default_factory=list)
    tracking_events: list[TrackingEvent] = Field(default_factory=list)
    disputes: list[Dispute] = Field(default_factory=list)
    claims: list[Claim] = Field(default_factory=list)
    tickets: list[Ticket] = Field(default_factory=list)
    seed_signals: list[SeedSignal] = Field(default_factory=list)
