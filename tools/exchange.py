"""Tools for after delivery and for the customer's profile: exchanges of variants, the default address."""

from __future__ import annotations

from tools.base import ToolDeps, ToolKind, tool
from tools.carrier import return_label_for
from tools.schemas import (
    ExchangeItemsInput,
    ExchangeItemsOutput,
    UpdateProfileAddressInput,
    UpdateProfileAddressOutput,
)


@tool(ToolKind.MONEY)
async def exchange_items(deps: ToolDeps, args: ExchangeItemsInput) -> ExchangeItemsOutput:
    """Exchange delivered items for another in-stock variant of the same product; the price difference is
    charged to or refunded on a payment method the customer owns."""
    out = await deps.connectors.storefront.exchange_items(args.order_id, args.lines, args.payment_method_id,
                                                           deps.idempotency_key)
    # The delivered items come back: a return label with a carrier API connected (bought once, see easypost/).
    return out.model_copy(update={"return_label": await return_label_for(deps, args.order_id)})


@tool(ToolKind.WRITE)
async def update_profile_address(deps: ToolDeps, args: UpdateProfileAddressInput) -> UpdateProfileAddressOutput:
    """Change the default address on the customer's profile (same country); orders keep their own address."""
    return await deps.connectors.storefront.update_profile_address(args.customer_id, args.address)
