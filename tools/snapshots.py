"""Snapshots of system-of-record rows shared by several tool outputs: what an order, payment or parcel looks like."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Literal

from tools.contracts.domain import Address, Strict

Money = Decimal
OrderId = str
DeclineType = Literal["soft", "hard"]



class LineSnapshot(Strict):
    line_no: int
    sku: str
    name: str
    quantity: int
    unit_price: Money
    status: str


class FulfillmentSnapshot(Strict):
    id: str
    warehouse_id: str
    status: str
    carrier: str
    service: str
    tracking_number: str | None
    skus: list[str]
    cutoff_at: datetime | None
    label_created_at: datetime | None
    handed_off_at: datetime | None
    delivered_at: datetime | None
    intercept_count: int


class OrderSnapshot(Strict):
    id: OrderId
    customer_id: str
    status: str
    currency: str
    subtotal: Money
    shipping_total: Money
    total: Money
    shipping_address: Address
    risk_level: str
    risk_recommendation: str
    risk_rules: list[str]
    hold_reason: str | None
    tags: list[str]
    cancel_reason: str | None
    created_at: datetime
    promised_by: datetime | None
    lines: list[LineSnapshot]


class PaymentSnapshot(Strict):
    id: str
    status: str
    method: str
    brand: str | None
    last4: str | None
    amount: Money
    amount_captured: Money
    amount_refunded: Money
    decline_code: str | None
    decline_type: DeclineType | None
    avs_result: str
    cvv_result: str
    authorized_at: datetime | None
    auth_expires_at: datetime | None
    retry_count: int
    last_retry_at: datetime | None


class DisputeSnapshot(Strict):
    id: str
    payment_id: str
    reason: str
    status: str
    amount: Money
    due_by: datetime


class TrackingEventOut(Strict):
    status: str
    status_detail: str | None
    message: str | None
    location: str | None
    occurred_at: datetime


class Shipment(Strict):
    fulfillment_id: str
    tracking_number: str | None
    carrier: str
    status: str
    last_event: TrackingEventOut | None
    delivered_at: datetime | None
    events: list[TrackingEventOut]


class OutboxMessage(Strict):
    id: int
    ticket_id: str | None
    channel: str
    kind: str
    body: str
    created_at: datetime
