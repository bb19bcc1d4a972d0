"""Tools for after delivery and for the customer's profile: exchanges of variants, the default address.

The storefront protocol in tools/connectors/protocols.py does not list these yet, so the capability is
checked at call time: a system of record without it refuses clearly instead of failing on an attribute.
"""

from __future__ import annotations

from typing import Protocol, runtime_checkable

from copilot.errors import ConnectorError
from tools.base import ToolDeps, ToolKind, tool
from tools.connectors.sandbox.world import Address
from tools.schemas import (
    ExchangeItemsInput,
    ExchangeItemsOutput,
    ExchangeLine,
    UpdateProfileAddressInput,
    UpdateProfileAddressOutput,
)


@runtime_checkable
class ExchangeStorefront(Protocol):
    async def exchange_items(self, order_id: str, lines: list[ExchangeLine], payment_method_id: str,
                             idempotency_key: str | None) -> ExchangeItemsOutput: ...
    async def update_profile_address(self, customer_id: str, address: Address) -> UpdateProfileAddressOutput: ...


def _storefront(deps: ToolDeps) -> ExchangeStorefront:
    storefront = deps.connectors.storefront
    if not isinstance(storefront, ExchangeStorefront):
        raise ConnectorError("this storefront cannot record exchanges or profile edits", reason="unsupported")
    return storefront


@tool(ToolKind.MONEY)
async def exchange_items(deps: ToolDeps, args: ExchangeItemsInput) -> ExchangeItemsOutput:
    """Exchange delivered items for another in-stock variant of the same product; the price difference is
    charged to or refunded on a payment method the customer owns."""
    return await _storefront(deps).exchange_items(args.order_id, args.lines, args.payment_method_id,
                                                  deps.idempotency_key)


@tool(ToolKind.WRITE)
async def update_profile_address(deps: ToolDeps, args: UpdateProfileAddressInput) -> UpdateProfileAddressOutput:
    """Change the default address on the customer's profile (same country); orders keep their own address."""
    return await _storefront(deps).update_profile_address(args.customer_id, args.address)
