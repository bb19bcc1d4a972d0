"""Shopify's answers to our documents, typed (field names as the documents select them)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict
from pydantic.alias_generators import to_camel


class Shaped(BaseModel):
    model_config = ConfigDict(extra="forbid", alias_generator=to_camel, populate_by_name=True, frozen=True)


class MailingAddress(Shaped):
    address1: str | None = None
    address2: str | None = None
    city: str | None = None
    province_code: str | None = None
    zip: str | None = None
    country_code_v2: str | None = None
    first_name: str | None = None
    last_name: str | None = None


class LineItem(Shaped):
    id: str
    sku: str | None
    quantity: int
    current_quantity: int


class Hold(Shaped):
    id: str
    handle: str | None
    reason: str


class FulfillmentOrder(Shaped):
    id: str
    status: str
    fulfillment_holds: list[Hold]


class Transaction(Shaped):
    id: str
    kind: str
    status: str
    gateway: str | None


class ShopifyOrder(Shaped):
    id: str
    name: str
    cancelled_at: str | None
    display_financial_status: str | None
    display_fulfillment_status: str
    shipping_address: MailingAddress | None
    line_items: list[LineItem]
    fulfillment_orders: list[FulfillmentOrder]
    transactions: list[Transaction]

    @classmethod
    def from_graphql(cls, node: dict[str, Any]) -> ShopifyOrder:
        flat = dict(node)
        flat["lineItems"] = node["lineItems"]["nodes"]
        flat["fulfillmentOrders"] = node["fulfillmentOrders"]["nodes"]
        return cls.model_validate(flat)

    def holds_of(self, handle: str) -> list[tuple[str, str]]:
        """(fulfillment order id, hold id) of every hold this app placed under `handle`."""
        return [(fo.id, h.id) for fo in self.fulfillment_orders for h in fo.fulfillment_holds if h.handle == handle]
