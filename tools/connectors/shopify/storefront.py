"""The Storefront protocol on Shopify: the desk's mirror of the order decides and records, Shopify acts.

Each write first runs on the mirror (the same state checks as the sandbox, in the tool's transaction), then
reads the order from Shopify and writes only what is not already so there (read before write). A refusal
from Shopify raises, which rolls the mirror back: the case keeps the reason and is not marked done.
"""

from __future__ import annotations

import asyncio
from datetime import datetime
from typing import Any

from psycopg import AsyncConnection

from tools.connectors.config import ShopifyConfig
from tools.connectors.outbound import Outbound
from tools.connectors.outbox import VendorRequest, VendorResponse
from tools.connectors.sandbox.storefront import SandboxStorefront
from tools.connectors.sandbox.world import Address
from tools.connectors.shopify import documents as doc
from tools.connectors.shopify.client import ShopifyClient, user_errors_reason
from tools.connectors.shopify.models import ShopifyOrder
from tools.connectors.uncarried import UncarriedStoreActions
from tools.contracts.errors import ConnectorError, NotFound
from tools.schemas import (
    CancelOrderOutput,
    HoldOrderOutput,
    ReleaseHoldOutput,
    SubstituteItemOutput,
    UpdateAddressOutput,
)

JOB_POLLS = 20


def order_gid(order_id: str) -> str | None:
    if order_id.startswith("gid://shopify/Order/"):
        return order_id
    return f"gid://shopify/Order/{order_id}" if order_id.isdigit() else None


def address_input(address: Address) -> dict[str, Any]:
    return {"address1": address.line1, "address2": address.line2, "city": address.city,
            "provinceCode": address.state, "zip": address.zip, "countryCode": address.country}


def same_address(remote: dict[str, Any] | None, address: Address) -> bool:
    if not remote:
        return False
    return (remote.get("address1") == address.line1 and (remote.get("address2") or None) == address.line2
            and remote.get("city") == address.city and remote.get("zip") == address.zip
            and remote.get("provinceCode") == address.state)


class ShopifyStorefront(UncarriedStoreActions, SandboxStorefront):
    VENDOR = "Shopify"

    def __init__(self, conn: AsyncConnection[Any], now: datetime, actor: str | None, config: ShopifyConfig,
                 outbound: Outbound, client: ShopifyClient) -> None:
        super().__init__(conn, now, actor)
        self.config, self.outbound, self.client = config, outbound, client

    # ---- reads -------------------------------------------------------------------------------------

    async def _query(self, operation: str, query: str, variables: dict[str, Any]) -> dict[str, Any]:
        response = await self.outbound.read(self.client.request(operation, query, variables), self.client.send)
        return response.body or {}

    async def remote_order(self, order_id: str) -> ShopifyOrder:
        """The order in Shopify, by GID, numeric id, or name (the desk's order ids are order names)."""
        gid = order_gid(order_id)
        if gid is not None:
            node = (await self._query("order", doc.ORDER_BY_ID, {"id": gid})).get("order")
        else:
            nodes = (await self._query("orders", doc.ORDER_BY_NAME, {"query": f"name:'{order_id}'"}))["orders"]["nodes"]
            node = nodes[0] if nodes else None
        if node is None:
            raise NotFound(f"Shopify has no order {order_id}", order_id=order_id)
        return ShopifyOrder.from_graphql(node)

    async def _job_done(self, job_id: str) -> bool:
        for attempt in range(JOB_POLLS):
            job = (await self._query("job", doc.JOB, {"id": job_id})).get("job")
            if job is None or job["done"]:
                return True
            await asyncio.sleep(min(0.2 * 2 ** attempt, self.config.max_wait_s))
        return False

    # ---- writes ------------------------------------------------------------------------------------

    def _mutation(self, field: str, errors_field: str = "userErrors"):  # type: ignore[no-untyped-def]
        """The send function of one mutation: userErrors become a readable ConnectorError."""

        async def send(request: VendorRequest) -> VendorResponse:
            response = await self.client.send(request)
            payload = (response.body or {}).get(field) or {}
            if payload.get(errors_field):
                raise user_errors_reason(field, payload[errors_field])
            return response

        return send

    async def _mutate(self, field: str, query: str, variables: dict[str, Any], step: str,
                      errors_field: str = "userErrors", recover: Any = None) -> dict[str, Any] | None:
        request = self.client.request(field, query, variables)
        response = await self.outbound.write(request, self._mutation(field, errors_field), step, recover)
        return None if response is None else (response.body or {}).get(field)

    async def cancel_order(self, order_id: str, reason: str) -> CancelOrderOutput:
        result = await super().cancel_order(order_id, reason)
        remote = await self.remote_order(order_id)
        if remote.cancelled_at is not None:
            await self.outbound.settle("orderCancel")
            return result  # already cancelled there (a retried cancel reads before writing)

        async def recover() -> VendorResponse | None:
            again = await self.remote_order(order_id)
            return VendorResponse(status=200, body={"orderCancel": {"job": None}}) if again.cancelled_at else None

        variables = {"orderId": remote.id, "reason": doc.CANCEL_REASONS.get(reason, "OTHER"),
                     "staffNote": f"Recovery desk: {reason}"[:255]}
        payload = await self._mutate("orderCancel", doc.ORDER_CANCEL, variables, "orderCancel",
                                     "orderCancelUserErrors", recover)
        if payload is None:
            return result  # shadow: recorded, not sent
        job = payload.get("job")
        if job and not job["done"] and not await self._job_done(job["id"]):
            raise ConnectorError(f"Shopify's cancel job for {order_id} did not finish", reason="cancel_pending")
        if (await self.remote_order(order_id)).cancelled_at is None:
            raise ConnectorError(f"Shopify did not cancel {order_id}", reason="cancel_not_applied")
        return result

    async def update_address(self, order_id: str, address: Address) -> UpdateAddressOutput:
        result = await super().update_address(order_id, address)
        remote = await self.remote_order(order_id)
        current = remote.shipping_address.model_dump(by_alias=True) if remote.shipping_address else None
        if same_address(current, address):
            await self.outbound.settle("orderUpdate")
            return result
        variables = {"input": {"id": remote.id, "shippingAddress": address_input(address)}}
        if await self._mutate("orderUpdate", doc.ORDER_UPDATE_ADDRESS, variables, "orderUpdate") is None:
            return result
        # orderUpdate can answer without errors and change nothing: read the order back.
        after = await self.remote_order(order_id)
        if not same_address(after.shipping_address.model_dump(by_alias=True) if after.shipping_address else None,
                            address):
            raise ConnectorError(f"Shopify kept the old shipping address on {order_id}", reason="address_not_applied")
        return result

    async def hold_order(self, order_id: str, reason: str) -> HoldOrderOutput:
        result = await super().hold_order(order_id, reason)
        remote = await self.remote_order(order_id)
        held = {fo_id for fo_id, _ in remote.holds_of(doc.HOLD_HANDLE)}
        for fo in remote.fulfillment_orders:
            if fo.status not in ("OPEN", "SCHEDULED", "ON_HOLD") or fo.id in held:
                continue
            hold = {"reason": doc.HOLD_REASONS.get(reason, "OTHER"), "reasonNotes": reason[:255],
                    "handle": doc.HOLD_HANDLE, "notifyMerchant": False}
            await self._mutate("fulfillmentOrderHold", doc.FULFILLMENT_ORDER_HOLD,
                               {"id": fo.id, "fulfillmentHold": hold}, f"hold:{fo.id}")
        return result

    async def release_hold(self, order_id: str, reason: str) -> ReleaseHoldOutput:
        result = await super().release_hold(order_id, reason)
        remote = await self.remote_order(order_id)
        for fo in remote.fulfillment_orders:
            if fo.status != "ON_HOLD":
                continue
            hold_ids = [h.id for h in fo.fulfillment_holds]
            await self._mutate("fulfillmentOrderReleaseHold", doc.FULFILLMENT_ORDER_RELEASE_HOLD,
                               {"id": fo.id, "holdIds": hold_ids}, f"release:{fo.id}")
        return result

    async def substitute_item(self, order_id: str, line_no: int, new_sku: str) -> SubstituteItemOutput:
        result = await super().substitute_item(order_id, line_no, new_sku)
        remote = await self.remote_order(order_id)
        skus = {li.sku: li for li in remote.line_items}
        old = skus.get(result.old_sku)
        if new_sku in skus and (old is None or old.current_quantity == 0):
            await self.outbound.settle("orderEditCommit")
            return result  # the edit is already committed there
        if old is None:
            raise ConnectorError(f"Shopify's order {order_id} has no line with {result.old_sku}", reason="line_missing")
        variants = (await self._query("productVariants", doc.VARIANT_BY_SKU, {"query": f"sku:'{new_sku}'"}))
        found = variants["productVariants"]["nodes"]
        if not found:
            raise ConnectorError(f"Shopify sells no variant with SKU {new_sku}", reason="variant_missing")
        await self._edit(remote.id, old.id, old.current_quantity, found[0]["id"], result)
        return result

    async def _edit(self, order_gid_: str, line_id: str, quantity: int, variant_id: str,
                    result: SubstituteItemOutput) -> None:
        """orderEditBegin -> set the old line to 0 -> add the new variant -> orderEditCommit."""
        begun = await self._mutate("orderEditBegin", doc.ORDER_EDIT_BEGIN, {"id": order_gid_}, "orderEditBegin")
        # In shadow nothing began, so the later steps name the edit the way Shopify would return it.
        calc_id = begun["calculatedOrder"]["id"] if begun else "gid://shopify/CalculatedOrder/shadow"
        calc_line = line_id.replace("gid://shopify/LineItem/", "gid://shopify/CalculatedLineItem/")
        if begun:
            calc_line = next((n["id"] for n in begun["calculatedOrder"]["lineItems"]["nodes"]
                              if n["sku"] == result.old_sku), calc_line)
        await self._mutate("orderEditSetQuantity", doc.ORDER_EDIT_SET_QUANTITY,
                           {"id": calc_id, "lineItemId": calc_line, "quantity": 0}, "orderEditSetQuantity")
        await self._mutate("orderEditAddVariant", doc.ORDER_EDIT_ADD_VARIANT,
                           {"id": calc_id, "variantId": variant_id, "quantity": quantity}, "orderEditAddVariant")
        await self._mutate("orderEditCommit", doc.ORDER_EDIT_COMMIT,
                           {"id": calc_id, "staffNote": f"Recovery desk: {result.old_sku} -> {result.new_sku}"},
                           "orderEditCommit")
