"""WRITE tools on the 3PL / WMS and the carrier: splits, intercepts and reroutes."""

from __future__ import annotations

from tools.base import ToolDeps, ToolKind, tool
from tools.carrier import verify_with_carrier
from tools.schemas import (
    InterceptShipmentInput,
    InterceptShipmentOutput,
    RerouteShipmentInput,
    RerouteShipmentOutput,
    SplitShipmentInput,
    SplitShipmentOutput,
)


@tool(ToolKind.WRITE)
async def split_shipment(deps: ToolDeps, args: SplitShipmentInput) -> SplitShipmentOutput:
    """Ship the given lines now from the order's warehouse and the rest later in a second parcel."""
    return await deps.connectors.wms.split(args.order_id, args.ship_now_line_nos)


@tool(ToolKind.WRITE)
async def intercept_shipment(deps: ToolDeps, args: InterceptShipmentInput) -> InterceptShipmentOutput:
    """Stop a labelled parcel: free at the dock, a carrier fee after handoff, capped per order."""
    return await deps.connectors.wms.intercept(args.order_id, args.reason)


@tool(ToolKind.WRITE)
async def reroute_shipment(deps: ToolDeps, args: RerouteShipmentInput) -> RerouteShipmentOutput:
    """Send a labelled parcel to a new address in the same country: a carrier fee after handoff, capped per order."""
    verified = await verify_with_carrier(deps, args.order_id, args.address)  # before the carrier is paid
    out = await deps.connectors.wms.reroute(args.order_id, args.address)
    return out.model_copy(update={"carrier_verified": verified})
