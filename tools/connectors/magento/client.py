"""Adobe Commerce / Magento admin REST over httpx: a bearer integration token, `/rest/<store_code>/V1/...`."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from tools.connectors.config import MagentoConfig
from tools.connectors.outbox import VendorRequest, VendorResponse
from tools.connectors.rest import send_json
from tools.contracts.errors import NotFound

FILTER = "searchCriteria[filterGroups][0][filters][0]"


def increment_id(order_id: str) -> str:
    """The desk's `#000000123` is the order's increment_id (the number customers see), as the intake names it."""
    number = order_id.removeprefix("#")
    if not number:
        raise NotFound(f"{order_id} is not a Magento order number", order_id=order_id)
    return number


class MagentoApi:
    def __init__(self, config: MagentoConfig) -> None:
        self.config = config
        root = (config.base_url or f"https://{config.host}").rstrip("/")
        self.base = f"{root}/rest/{config.store_code}"

    def request(self, operation: str, method: str, path: str, body: dict[str, Any] | None = None) -> VendorRequest:
        return VendorRequest(system="magento", operation=operation, method=method, url=self.base + path, body=body)

    def search_by_increment_id(self, number: str) -> VendorRequest:
        query = urlencode({f"{FILTER}[field]": "increment_id", f"{FILTER}[value]": number,
                           f"{FILTER}[conditionType]": "eq"})
        return self.request("orders.search", "GET", f"/V1/orders?{query}")

    async def send(self, request: VendorRequest) -> VendorResponse:
        token = self.config.access_token.get_secret_value() if self.config.access_token else ""
        return await send_json(self.config, request, headers={"Authorization": f"Bearer {token}"})
