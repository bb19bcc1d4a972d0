"""One typed interface per system of record; the sandbox implements all five on Postgres.

A connector bundle is bound to the acting customer (the one the case's signal identifies), so every
system refuses to touch another customer's order on its own, whatever the caller's rules decided.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Protocol, runtime_checkable

from tools.contracts.domain import Address
from tools.schemas import (
    CancelOrderOutput,
    ChangePaymentMethodOutput,
    DisputeSnapshot,
    ExchangeItemsOutput,
    ExchangeLine,
    FulfillmentSnapshot,
    HoldOrderOutput,
    InterceptShipmentOutput,
    IssueStoreCreditOutput,
    LocateInventoryOutput,
    LookupCustomerOutput,
    LookupPaymentOutput,
    OrderSnapshot,
    OutboxMessage,
    RefundPaymentOutput,
    ReleaseHoldOutput,
    RerouteShipmentOutput,
    ReshipOrderOutput,
    RetryPaymentOutput,
    SplitShipmentOutput,
    SubstituteItemOutput,
    TrackingEventOut,
    UpdateAddressOutput,
    UpdateProfileAddressOutput,
)


class Storefront(Protocol):
    """Storefront / OMS: orders, customers, holds, order edits, store credit, exchanges, profiles."""

    async def get_order(self, order_id: str) -> OrderSnapshot: ...
    async def get_customer(self, customer_id: str | None = None, email: str | None = None) -> LookupCustomerOutput: ...
    async def previous_addresses(self, customer_id: str) -> list[Address]: ...
    async def update_address(self, order_id: str, address: Address) -> UpdateAddressOutput: ...
    async def hold_order(self, order_id: str, reason: str) -> HoldOrderOutput: ...
    async def release_hold(self, order_id: str, reason: str) -> ReleaseHoldOutput: ...
    async def substitute_item(self, order_id: str, line_no: int, new_sku: str) -> SubstituteItemOutput: ...
    async def cancel_order(self, order_id: str, reason: str) -> CancelOrderOutput: ...
    async def issue_store_credit(self, order_id: str, amount: Decimal, reason: str,
                                 idempotency_key: str | None) -> IssueStoreCreditOutput: ...
    async def exchange_items(self, order_id: str, lines: list[ExchangeLine], payment_method_id: str,
                             idempotency_key: str | None) -> ExchangeItemsOutput: ...
    async def update_profile_address(self, customer_id: str, address: Address) -> UpdateProfileAddressOutput: ...


class PaymentProvider(Protocol):
    """PSP: payments, retries, refunds, disputes, paying a pending order with another saved method."""

    async def payments(self, order_id: str) -> LookupPaymentOutput: ...
    async def retry_payment(self, order_id: str) -> RetryPaymentOutput: ...
    async def refund(self, order_id: str, amount: Decimal, reason: str,
                     idempotency_key: str | None) -> RefundPaymentOutput: ...
    async def dispute(self, order_id: str, dispute_id: str | None) -> DisputeSnapshot: ...
    async def change_payment_method(self, order_id: str, payment_method_id: str,
                                    idempotency_key: str | None) -> ChangePaymentMethodOutput: ...


@runtime_checkable
class DisputeEvidence(Protocol):
    """A connected PSP that takes dispute evidence (Stripe): staged first, submitted on a person's approval."""

    async def update_dispute_evidence(self, dispute_id: str, evidence: dict[str, str], submit: bool
                                      ) -> dict[str, Any] | None: ...
    async def submit_dispute_evidence(self, dispute_id: str) -> bool: ...


@runtime_checkable
class CarrierServices(Protocol):
    """A connected carrier API (EasyPost): address verification and return labels, beside tracking."""

    async def verify_address(self, address: Address) -> dict[str, Any]: ...
    async def return_label(self, customer: Address, name: str, warehouse: Address | None = None,
                           parcel: dict[str, Any] | None = None, carrier: str | None = None
                           ) -> dict[str, Any] | None: ...


class Warehouse(Protocol):
    """3PL / WMS: fulfillments, inventory, splits, reships, intercepts."""

    async def fulfillments(self, order_id: str) -> list[FulfillmentSnapshot]: ...
    async def locate(self, sku: str, quantity: int) -> LocateInventoryOutput: ...
    async def split(self, order_id: str, ship_now_line_nos: list[int]) -> SplitShipmentOutput: ...
    async def reship(self, order_id: str, line_nos: list[int], reason: str) -> ReshipOrderOutput: ...
    async def intercept(self, order_id: str, reason: str) -> InterceptShipmentOutput: ...
    async def reroute(self, order_id: str, address: Address) -> RerouteShipmentOutput: ...


class CarrierTracking(Protocol):
    async def events(self, tracking_number: str) -> list[TrackingEventOut]: ...


class Helpdesk(Protocol):
    """Helpdesk: outbound messages land on the customer's ticket."""

    async def send(self, customer_id: str, order_id: str | None, ticket_id: str | None, kind: str, body: str,
                   idempotency_key: str | None) -> OutboxMessage: ...
    async def latest_ticket(self, customer_id: str) -> str | None: ...
    async def ticket_customer(self, ticket_id: str) -> str | None: ...
    async def messages(self, order_id: str) -> list[OutboxMessage]: ...


@dataclass(frozen=True)
class Connectors:
    storefront: Storefront
    psp: PaymentProvider
    wms: Warehouse
    carrier: CarrierTracking
    helpdesk: Helpdesk
