"""The domain vocabulary every layer shares: the strict base model, case categories, the normalized signal and
a postal address. It imports nothing from copilot or api, so tools, connectors and the sandbox depend on it and
never on their callers (copilot.core.models re-exports these names)."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Category(StrEnum):
    payment_failure = "payment_failure"
    fraud_hold = "fraud_hold"
    address_issue = "address_issue"
    inventory_mismatch = "inventory_mismatch"
    split_shipment = "split_shipment"
    fulfillment_delay = "fulfillment_delay"
    change_request = "change_request"
    threepl_exception = "threepl_exception"
    delivery_exception = "delivery_exception"
    refund_request = "refund_request"
    concession_request = "concession_request"
    chargeback = "chargeback"
    out_of_scope = "out_of_scope"
    # The ticket could not be read with confidence (empty, contradictory, another language): a person reads it.
    needs_reading = "needs_reading"


PRE_FULFILLMENT = frozenset(
    {
        Category.payment_failure,
        Category.fraud_hold,
        Category.address_issue,
        Category.inventory_mismatch,
        Category.split_shipment,
        Category.fulfillment_delay,
        Category.change_request,
        Category.threepl_exception,
    }
)
WORKED_CATEGORIES = tuple(c for c in Category if c not in (Category.out_of_scope, Category.needs_reading))


class SignalSource(StrEnum):
    shopify = "shopify"
    stripe = "stripe"
    easypost = "easypost"
    zendesk = "zendesk"
    gorgias = "gorgias"
    freshdesk = "freshdesk"
    threepl = "threepl"
    email = "email"
    woocommerce = "woocommerce"
    magento = "magento"
    sandbox = "sandbox"


class SignalKind(StrEnum):
    order_created = "order_created"
    order_updated = "order_updated"
    order_cancelled = "order_cancelled"
    order_risk = "order_risk"
    fulfillment_update = "fulfillment_update"
    payment_failed = "payment_failed"
    payment_review = "payment_review"
    payment_review_closed = "payment_review_closed"
    fraud_warning = "fraud_warning"
    dispute_opened = "dispute_opened"
    dispute_updated = "dispute_updated"
    dispute_closed = "dispute_closed"
    refund_issued = "refund_issued"
    tracking_update = "tracking_update"
    threepl_exception = "threepl_exception"
    ticket = "ticket"
    ticket_reply = "ticket_reply"
    address_rejected = "address_rejected"
    auth_expiring = "auth_expiring"


class Signal(Strict):
    """One normalized inbound fact. Fields a kind does not carry stay empty."""

    source: SignalSource
    source_event_id: str = Field(min_length=1)
    kind: SignalKind
    occurred_at: datetime
    order_id: str | None = None
    customer_email: str | None = None
    customer_name: str | None = None
    ticket_id: str | None = None
    subject: str | None = None
    text: str | None = None
    payment_id: str | None = None
    amount: Decimal | None = None
    currency: str | None = None
    decline_code: str | None = None
    dispute_id: str | None = None
    dispute_reason: str | None = None
    due_by: datetime | None = None
    risk_level: str | None = None
    risk_recommendation: str | None = None
    tracking_number: str | None = None
    carrier: str | None = None
    tracking_status: str | None = None
    status_detail: str | None = None
    sku: str | None = None
    warehouse_id: str | None = None
    exception_code: str | None = None
    note: str | None = None
    text_length: int | None = None  # the sender's text had this many characters; only the first part is kept


class Address(Strict):
    line1: str
    line2: str | None = None
    city: str
    state: str
    zip: str
    country: str = "US"
