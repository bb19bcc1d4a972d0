"""CarrierTracking on EasyPost, plus address verification and return labels for the tools that need them.

A tracker is created for a tracking code (EasyPost answers with the existing tracker for a code it already
tracks), so a tracking read is harmless in every mode. A return label is bought once: before buying again
the shipment is read, and one with postage is not bought twice."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from psycopg import AsyncConnection

from tools.connectors.config import EasyPostConfig
from tools.connectors.outbound import Outbound
from tools.connectors.outbox import VendorRequest, VendorResponse
from tools.connectors.rest import send_json
from tools.connectors.sandbox.carrier import SandboxCarrier
from tools.connectors.sandbox.world import Address
from tools.contracts.errors import ConnectorError
from tools.schemas import TrackingEventOut

API_BASE = "https://api.easypost.com"


def ep_address(address: Address, name: str | None = None) -> dict[str, Any]:
    out = {"street1": address.line1, "street2": address.line2, "city": address.city, "state": address.state,
           "zip": address.zip, "country": address.country}
    return {**({"name": name} if name else {}), **{k: v for k, v in out.items() if v}}


def tracking_event(detail: dict[str, Any]) -> TrackingEventOut:
    place = detail.get("tracking_location") or {}
    where = ", ".join(p for p in (place.get("city"), place.get("state")) if p) or None
    return TrackingEventOut(status=detail["status"], status_detail=detail.get("status_detail"),
                            message=detail.get("message"), location=where,
                            occurred_at=datetime.fromisoformat(detail["datetime"].replace("Z", "+00:00")))


class EasyPostCarrier(SandboxCarrier):
    def __init__(self, conn: AsyncConnection[Any], now: datetime, actor: str | None, config: EasyPostConfig,
                 outbound: Outbound) -> None:
        super().__init__(conn, now, actor)
        self.config, self.outbound = config, outbound
        self.base = (config.base_url or API_BASE).rstrip("/")

    def request(self, operation: str, method: str, path: str, body: dict[str, Any] | None = None) -> VendorRequest:
        return VendorRequest(system="easypost", operation=operation, method=method, url=self.base + path, body=body)

    async def send(self, request: VendorRequest) -> VendorResponse:
        key = self.config.api_key.get_secret_value() if self.config.api_key else ""
        return await send_json(self.config, request, headers={"Authorization": f"Bearer {key}"})

    async def events(self, tracking_number: str) -> list[TrackingEventOut]:
        tracker = await self.outbound.read(
            self.request("trackers.create", "POST", "/v2/trackers", {"tracker": {"tracking_code": tracking_number}}),
            self.send)
        return [tracking_event(d) for d in (tracker.body or {}).get("tracking_details", [])]

    async def verify_address(self, address: Address) -> dict[str, Any]:
        """create_and_verify: EasyPost's corrected address, or a ConnectorError saying why it was not verified.
        A read in every mode (EasyPost changes nothing anywhere), so shadow mode verifies too."""
        request = self.request("addresses.create_and_verify", "POST", "/v2/addresses/create_and_verify",
                               {"address": ep_address(address)})
        written = ", ".join(p for p in (address.line1, address.line2, address.city, address.state, address.zip) if p)
        try:
            body = (await self.outbound.read(request, self.send)).body or {}
        except ConnectorError as exc:  # 422 ADDRESS.VERIFY.FAILURE, with EasyPost's reasons
            raise ConnectorError(f"EasyPost could not verify {written}: {exc.message}",
                                 reason="address_unverified") from exc
        found = body.get("address", body)  # create_and_verify wraps the address
        delivery = (found.get("verifications") or {}).get("delivery") or {}
        if delivery.get("success") is False:
            why = "; ".join(str(e.get("message")) for e in delivery.get("errors") or []) or "not deliverable"
            raise ConnectorError(f"EasyPost could not verify {written}: {why}", reason="address_unverified")
        return dict(found)

    async def return_label(self, customer: Address, name: str, warehouse: Address | None = None,
                           parcel: dict[str, Any] | None = None, carrier: str | None = None) -> dict[str, Any] | None:
        """A return shipment (customer -> warehouse), bought at the cheapest rate; None in shadow. The return is
        made by the addresses alone: `is_return` is in EasyPost's docs but in none of its recorded requests.
        The warehouse and parcel default to the store's settings (COPILOT_EASYPOST_RETURN_ADDRESS, _RETURN_PARCEL)."""
        warehouse = warehouse or self.config.return_address
        if warehouse is None:
            raise ConnectorError("no return address is set for labels (COPILOT_EASYPOST_RETURN_ADDRESS)",
                                 reason="no_return_address")
        parcel = parcel or self.config.return_parcel.model_dump()
        shipment = {"shipment": {"from_address": ep_address(customer, name), "to_address": ep_address(warehouse),
                                 "parcel": parcel}}
        created = await self.outbound.write(self.request("shipments.create", "POST", "/v2/shipments", shipment),
                                            self.send, "shipment")
        if created is None:
            return None
        body = created.body or {}
        if body.get("postage_label"):
            return body
        rates = [r for r in body.get("rates", []) if carrier is None or r.get("carrier") == carrier]
        if not rates:
            raise ConnectorError(f"EasyPost offered no rate{' from ' + carrier if carrier else ''} for the return",
                                 reason="no_rate")
        cheapest = min(rates, key=lambda r: float(r["rate"]))
        path = f"/v2/shipments/{body['id']}"

        async def bought() -> VendorResponse | None:
            again = await self.outbound.read(self.request("shipments.retrieve", "GET", path), self.send)
            return again if (again.body or {}).get("postage_label") else None

        paid = await self.outbound.write(self.request("shipments.buy", "POST", f"{path}/buy",
                                                      {"rate": {"id": cheapest["id"]}}), self.send, "buy", bought)
        return None if paid is None else paid.body
