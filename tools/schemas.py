"""Input and output models of every tool (DESIGN §5). READ outputs are the facts the playbooks read."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Literal

from pydantic import Field, model_validator

from tools.contracts.domain import Address, Strict
from tools.snapshots import (  # noqa: F401 - part of this module's public names
    DeclineType,
    DisputeSnapshot,
    FulfillmentSnapshot,
    LineSnapshot,
    OrderSnapshot,
    OutboxMessage,
    PaymentSnapshot,
    Shipment,
    TrackingEventOut,
)

OrderId = str
Money = Decimal
EscalationOwner = Literal["lead", "finance", "risk", "threepl", "ops"]
PositiveMoney = Decimal
# Why money goes back; returns and item complaints need a delivered order, carrier losses a shipped one.
RefundReason = Literal["return", "damaged", "wrong_item", "missing_item", "lost_in_transit", "not_delivered",
                       "late_delivery", "price_adjustment", "goodwill", "duplicate_charge"]
DELIVERED_REASONS = frozenset({"return", "damaged", "wrong_item", "missing_item"})
SHIPPED_REASONS = frozenset({"lost_in_transit", "not_delivered", "late_delivery"})

SOFT_DECLINES = frozenset({"insufficient_funds", "processing_error", "try_again_later", "issuer_not_available",
                           "generic_decline", "do_not_honor", "card_velocity_exceeded"})
HARD_DECLINES = frozenset({"stolen_card", "lost_card", "fraudulent", "pickup_card", "invalid_account",
                           "expired_card", "incorrect_number"})


def decline_type(code: str | None) -> DeclineType | None:
    if code is None:
        return None
    return "hard" if code in HARD_DECLINES else "soft"


# ---- READ ----------------------------------------------------------------------------------------------


class LookupOrderInput(Strict):
    order_id: OrderId = Field(min_length=1)


class LookupOrderOutput(Strict):
    order: OrderSnapshot
    fulfillments: list[FulfillmentSnapshot]


class LookupCustomerInput(Strict):
    customer_id: str | None = None
    email: str | None = None

    @model_validator(mode="after")
    def _one_key(self) -> LookupCustomerInput:
        if (self.customer_id is None) == (self.email is None):
            raise ValueError("give exactly one of customer_id or email")
        return self


class PaymentMethodOut(Strict):
    """One of the customer's saved methods; a gift card carries its balance."""

    id: str
    source: str
    brand: str | None = None
    last4: str | None = None
    balance: Money | None = None


class LookupCustomerOutput(Strict):
    id: str
    email: str
    name: str
    vip: bool
    lifetime_value: Money
    address: Address | None
    previous_addresses: list[Address]
    orders_count: int
    fulfilled_orders: int
    open_orders: list[OrderId]
    claims_90d: int
    disputes_total: int
    open_disputes: int
    payment_methods_last4: list[str]
    payment_method_ids: list[str] = Field(default_factory=list)
    payment_methods: list[PaymentMethodOut] = Field(default_factory=list)


class LookupPaymentInput(Strict):
    order_id: OrderId = Field(min_length=1)


class LookupPaymentOutput(Strict):
    order_id: OrderId
    payments: list[PaymentSnapshot]
    captured: Money
    refunded: Money
    refundable: Money
    disputes: list[DisputeSnapshot]
    open_dispute: bool


class TrackShipmentInput(Strict):
    order_id: OrderId = Field(min_length=1)


class TrackShipmentOutput(Strict):
    order_id: OrderId
    shipments: list[Shipment]


class ValidateAddressInput(Strict):
    address: Address
    carrier: str | None = None
    order_id: OrderId | None = None


class ValidateAddressOutput(Strict):
    valid: bool
    validated: bool
    normalized: Address | None
    issues: list[str]
    po_box: bool
    carrier_delivers_po_box: bool | None
    has_unit: bool
    missing_unit: bool
    reason: str | None


class LocateInventoryInput(Strict):
    sku: str = Field(min_length=1)
    quantity: int = Field(default=1, ge=1)


class StockAt(Strict):
    warehouse_id: str
    on_hand: int
    reserved: int
    available: int


class Variant(Strict):
    """Another option of the same product (size, colour, ...), with what can be promised from stock."""

    sku: str
    options: dict[str, str]
    price: Money
    sold: bool
    available: int


class LocateInventoryOutput(Strict):
    sku: str
    stock: list[StockAt]
    total_available: int
    warehouses_with_quantity: list[str]
    variants: list[Variant] = Field(default_factory=list, description="Every variant of the sku's product.")


class AssessFraudSignalsInput(Strict):
    order_id: OrderId = Field(min_length=1)


class AssessFraudSignalsOutput(Strict):
    order_id: OrderId
    order_value: Money
    risk_level: str
    risk_recommendation: str
    risk_rules: list[str]
    avs_result: str
    cvv_result: str
    customer_fulfilled_orders: int
    customer_disputes: int
    shipping_matches_customer_address: bool


class FindSimilarCasesInput(Strict):
    case_id: int
    text: str | None = Field(default=None, max_length=8000)
    limit: int = Field(default=5, ge=1, le=50)


class SimilarCase(Strict):
    case_id: int
    category: str
    status: str
    root_cause: str | None
    distance: float


class FindSimilarCasesOutput(Strict):
    cases: list[SimilarCase]


# ---- WRITE ---------------------------------------------------------------------------------------------


class UpdateAddressInput(Strict):
    order_id: OrderId = Field(min_length=1)
    address: Address


class CarrierVerified(Strict):
    """What the connected carrier API (EasyPost) made of an address before the desk wrote it anywhere."""

    system: Literal["easypost"] = "easypost"
    address_id: str | None = None
    as_verified: str = Field(description="The address as the carrier verified (and corrected) it, one line.")


class ReturnLabel(Strict):
    """A return label for delivered items going back: bought (live) or recorded and not bought (shadow)."""

    system: Literal["easypost"] = "easypost"
    status: Literal["bought", "recorded_in_shadow"]
    shipment_id: str | None = None
    tracking_code: str | None = None
    label_url: str | None = None
    carrier: str | None = None
    rate: str | None = None


class UpdateAddressOutput(Strict):
    order_id: OrderId
    previous: Address
    address: Address
    carrier_verified: CarrierVerified | None = None  # with a carrier API connected


class ReleaseHoldInput(Strict):
    order_id: OrderId = Field(min_length=1)
    reason: str = Field(min_length=1)


class ReleaseHoldOutput(Strict):
    order_id: OrderId
    released: str


class HoldOrderInput(Strict):
    order_id: OrderId = Field(min_length=1)
    reason: str = Field(min_length=1)


class HoldOrderOutput(Strict):
    order_id: OrderId
    hold_reason: str


class SplitShipmentInput(Strict):
    order_id: OrderId = Field(min_length=1)
    ship_now_line_nos: list[int] = Field(min_length=1)


class SplitShipmentOutput(Strict):
    order_id: OrderId
    ship_now_fulfillment_id: str
    later_fulfillment_id: str
    ship_now_skus: list[str]
    later_skus: list[str]


class SubstituteItemInput(Strict):
    order_id: OrderId = Field(min_length=1)
    line_no: int = Field(ge=1)
    new_sku: str = Field(min_length=1)


class SubstituteItemOutput(Strict):
    order_id: OrderId
    line_no: int
    old_sku: str
    new_sku: str
    warehouse_id: str
    price_difference: Money


class ExchangeLine(Strict):
    line_no: int = Field(ge=1)
    new_sku: str = Field(min_length=1)


class ExchangeItemsInput(Strict):
    order_id: OrderId = Field(min_length=1)
    lines: list[ExchangeLine] = Field(min_length=1)
    payment_method_id: str = Field(min_length=1, description="The customer's method that pays or receives the "
                                                             "price difference.")

    @model_validator(mode="after")
    def _each_line_once(self) -> ExchangeItemsInput:
        nos = [ln.line_no for ln in self.lines]
        if len(nos) != len(set(nos)):
            raise ValueError(f"a line is exchanged at most once: {nos}")
        return self


class ExchangeItemsOutput(Strict):
    exchange_id: str
    order_id: OrderId
    lines: list[ExchangeLine]
    old_skus: list[str]
    price_difference: Money = Field(description="New minus old: above zero is charged, below zero refunded.")
    payment_method_id: str
    status: Literal["exchange_requested"]
    return_label: ReturnLabel | None = None  # with a carrier API connected: the label for the items going back


class UpdateProfileAddressInput(Strict):
    customer_id: str = Field(min_length=1)
    address: Address


class UpdateProfileAddressOutput(Strict):
    customer_id: str
    previous: Address | None
    address: Address


class InterceptShipmentInput(Strict):
    order_id: OrderId = Field(min_length=1)
    reason: str = Field(min_length=1)


class InterceptShipmentOutput(Strict):
    order_id: OrderId
    fulfillment_id: str
    cost: Money
    intercept_count: int
    intercepts_left: int
    carrier_verified: CarrierVerified | None = None  # with a carrier API connected


class RerouteShipmentInput(Strict):
    order_id: OrderId = Field(min_length=1)
    address: Address


class RerouteShipmentOutput(Strict):
    order_id: OrderId
    fulfillment_id: str
    address: Address
    cost: Money
    intercept_count: int
    intercepts_left: int
    carrier_verified: CarrierVerified | None = None  # with a carrier API connected


# ---- MONEY ---------------------------------------------------------------------------------------------


class RetryPaymentInput(Strict):
    order_id: OrderId = Field(min_length=1)


class RetryPaymentOutput(Strict):
    payment_id: str
    succeeded: bool
    status: str
    decline_code: str | None
    retry_count: int
    amount: Money
    auth_expires_at: datetime | None


class RefundPaymentInput(Strict):
    order_id: OrderId = Field(min_length=1)
    amount: PositiveMoney = Field(gt=0, decimal_places=2)
    reason: RefundReason


class RefundPaymentOutput(Strict):
    refund_id: str
    payment_id: str
    amount: Money
    refunded_total: Money
    refundable_left: Money


class ChangePaymentMethodInput(Strict):
    order_id: OrderId = Field(min_length=1)
    payment_method_id: str = Field(min_length=1, description="One of the customer's saved methods, other than "
                                                             "the one paying now.")


class ChangePaymentMethodOutput(Strict):
    order_id: OrderId
    previous_method: str
    payment_method_id: str
    payment_id: str
    amount: Money
    previous_released: Literal["voided", "refunded"] = Field(description="What happened to the old payment.")
    gift_card_balance: Money | None = Field(default=None, description="The new method's balance after, if a gift card.")


class IssueStoreCreditInput(Strict):
    order_id: OrderId = Field(min_length=1)
    amount: PositiveMoney = Field(gt=0, decimal_places=2)
    reason: str = Field(min_length=1)


class IssueStoreCreditOutput(Strict):
    credit_id: str
    customer_id: str
    amount: Money


class ReshipOrderInput(Strict):
    order_id: OrderId = Field(min_length=1)
    line_nos: list[int] = Field(min_length=1)
    reason: str = Field(min_length=1)


class ReshipOrderOutput(Strict):
    order_id: OrderId
    fulfillment_id: str
    warehouse_id: str
    skus: list[str]
    cost: Money


class CancelOrderInput(Strict):
    order_id: OrderId = Field(min_length=1)
    reason: str = Field(min_length=1)


class CancelOrderOutput(Strict):
    order_id: OrderId
    status: str
    voided: Money
    refunded: Money
    restocked_skus: list[str]


# ---- CONTACT -------------------------------------------------------------------------------------------


class SendCustomerMessageInput(Strict):
    order_id: OrderId | None = None
    ticket_id: str | None = None
    scenario: str = Field(min_length=1)
    body: str = Field(min_length=1, max_length=4000)

    @model_validator(mode="after")
    def _addressed(self) -> SendCustomerMessageInput:
        if self.order_id is None and self.ticket_id is None:
            raise ValueError("a message needs an order_id or a ticket_id")
        return self


class SendCustomerMessageOutput(Strict):
    outbox_id: int
    ticket_id: str | None
    customer_id: str
    channel: str


class RequestPaymentUpdateInput(Strict):
    order_id: OrderId = Field(min_length=1)
    ticket_id: str | None = None
    body: str = Field(min_length=1, max_length=4000)


class RequestPaymentUpdateOutput(Strict):
    outbox_id: int
    ticket_id: str | None
    customer_id: str
    payment_id: str


# ---- OWNER ---------------------------------------------------------------------------------------------


class EscalateCaseInput(Strict):
    owner: EscalationOwner
    reason: str = Field(min_length=1)


class EscalateCaseOutput(Strict):
    case_id: int
    owner: EscalationOwner
    escalation_level: int


class AssembleDisputeEvidenceInput(Strict):
    order_id: OrderId = Field(min_length=1)
    dispute_id: str | None = None
    submit: bool = Field(default=False, description="After staging the pack in the connected PSP, submit it to "
                         "the bank; only an approved plan runs it.")


class AssembleDisputeEvidenceOutput(Strict):
    dispute: DisputeSnapshot
    order: OrderSnapshot
    payment: PaymentSnapshot
    shipments: list[Shipment]
    delivered_at: datetime | None
    delivered_to_order_address: bool
    messages: list[OutboxMessage]
    customer_email: str
    summary: str
    evidence_staged: bool = False  # sent to the connected PSP as evidence with submit=false
    # Then, when the approved plan said submit: sent to the bank, or (shadow) recorded and not sent.
    evidence_submitted: Literal["submitted", "recorded_in_shadow"] | None = None
