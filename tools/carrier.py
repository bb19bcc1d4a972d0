"""What a connected carrier API (EasyPost) adds to approved actions: the new address verified before any system
is changed, and a return label when delivered items are coming back. Without one (sandbox) they do nothing.

Both are recorded on the case (`address_verified`, `return_label` events) beside the connector's own request log."""

from __future__ import annotations

from typing import Any

from tools.base import ToolDeps
from tools.connectors.protocols import CarrierServices
from tools.contracts.domain import Address
from tools.schemas import CarrierVerified, ReturnLabel


async def _record(deps: ToolDeps, kind: str, data: dict[str, Any]) -> None:
    if deps.case_log is not None:
        await deps.case_log.record_event(kind, data, actor="connector")


async def verify_with_carrier(deps: ToolDeps, order_id: str, address: Address) -> CarrierVerified | None:
    """EasyPost's verification of the approved address; a refusal raises (the action fails with its reason)."""
    carrier = deps.connectors.carrier
    if not isinstance(carrier, CarrierServices):
        return None
    found = await carrier.verify_address(address)
    line = ", ".join(str(found[k]) for k in ("street1", "street2", "city", "state", "zip") if found.get(k))
    verified = CarrierVerified(address_id=found.get("id"), as_verified=line)
    await _record(deps, "address_verified", {"order_id": order_id, **verified.model_dump()})
    return verified


async def return_label_for(deps: ToolDeps, order_id: str) -> ReturnLabel | None:
    """A label from the customer's address (the order's shipping address) back to the store's return address."""
    carrier = deps.connectors.carrier
    if not isinstance(carrier, CarrierServices):
        return None
    order = await deps.connectors.storefront.get_order(order_id)
    customer = await deps.connectors.storefront.get_customer(order.customer_id)
    bought = await carrier.return_label(order.shipping_address, customer.name or customer.email)
    if bought is None:
        label = ReturnLabel(status="recorded_in_shadow")
    else:
        rate = bought.get("selected_rate") or {}
        label = ReturnLabel(status="bought", shipment_id=bought.get("id"), tracking_code=bought.get("tracking_code"),
                            label_url=(bought.get("postage_label") or {}).get("label_url"),
                            carrier=rate.get("carrier"), rate=rate.get("rate"))
    await _record(deps, "return_label", {"order_id": order_id, **label.model_dump()})
    return label
