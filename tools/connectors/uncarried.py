"""Actions a connected system's connector does not carry: refused with a reason a person acts on, instead of
changing only the desk's mirror and marking the case done while the store never heard of it.

Put before the sandbox class in a connector's bases; `VENDOR` names the system in the reason."""

from __future__ import annotations

from decimal import Decimal

from tools.contracts.domain import Address
from tools.contracts.errors import ConnectorError
from tools.schemas import (
    ChangePaymentMethodOutput,
    ExchangeItemsOutput,
    ExchangeLine,
    IssueStoreCreditOutput,
    RetryPaymentOutput,
    UpdateProfileAddressOutput,
)


def not_carried(vendor: str, what: str) -> ConnectorError:
    return ConnectorError(f"the {vendor} connector does not {what}; do it in {vendor}'s admin, then close the"
                          " case with what was done", reason="not_supported")


class UncarriedStoreActions:
    VENDOR = "store"

    async def issue_store_credit(self, order_id: str, amount: Decimal, reason: str,
                                 idempotency_key: str | None) -> IssueStoreCreditOutput:
        raise not_carried(self.VENDOR, "issue store credit")

    async def exchange_items(self, order_id: str, lines: list[ExchangeLine], payment_method_id: str,
                             idempotency_key: str | None) -> ExchangeItemsOutput:
        raise not_carried(self.VENDOR, "make exchanges")

    async def update_profile_address(self, customer_id: str, address: Address) -> UpdateProfileAddressOutput:
        raise not_carried(self.VENDOR, "change a customer's profile address")


class UncarriedPaymentActions:
    VENDOR = "payment"

    async def change_payment_method(self, order_id: str, payment_method_id: str,
                                    idempotency_key: str | None) -> ChangePaymentMethodOutput:
        raise not_carried(self.VENDOR, "charge another saved payment method")


class UncarriedRetry:
    """Refunds through the store's platform carry no payment retry (Stripe's connector does)."""

    VENDOR = "store"

    async def retry_payment(self, order_id: str) -> RetryPaymentOutput:
        raise not_carried(self.VENDOR, "retry a payment")
