"""WooCommerce REST v3 over httpx: HTTP Basic with the consumer key and secret (over HTTPS, as its docs say)."""

from __future__ import annotations

from typing import Any

import httpx

from tools.connectors.config import WooCommerceConfig
from tools.connectors.outbox import VendorRequest, VendorResponse
from tools.connectors.rest import send_json
from tools.contracts.errors import NotFound

API_ROOT = "/wp-json/wc/v3"


def order_number(order_id: str) -> str:
    """The desk's `#727` is WooCommerce order 727 (the intake names orders by their `number`, which is the id
    unless a sequential-numbers plugin renumbers them)."""
    number = order_id.removeprefix("#")
    if not number.isdigit():
        raise NotFound(f"{order_id} is not a WooCommerce order number", order_id=order_id)
    return number


class WooApi:
    def __init__(self, config: WooCommerceConfig) -> None:
        self.config = config
        self.root = (config.base_url or config.store_url or "").rstrip("/")
        self.base = self.root + API_ROOT

    def request(self, operation: str, method: str, path: str, body: dict[str, Any] | None = None) -> VendorRequest:
        return VendorRequest(system="woocommerce", operation=operation, method=method, url=self.base + path, body=body)

    async def send(self, request: VendorRequest) -> VendorResponse:
        key, secret = self.config.consumer_key, self.config.consumer_secret
        auth = httpx.BasicAuth(key.get_secret_value() if key else "", secret.get_secret_value() if secret else "")
        return await send_json(self.config, request, auth=auth)
