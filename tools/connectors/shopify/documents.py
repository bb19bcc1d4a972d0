"""The GraphQL documents the Shopify connector sends (Admin API 2025-01; checked in tests against it)."""

from __future__ import annotations

ORDER_FIELDS = """
fragment OrderParts on Order {
  id
  name
  cancelledAt
  displayFinancialStatus
  displayFulfillmentStatus
  shippingAddress { address1 address2 city provinceCode zip countryCodeV2 firstName lastName }
  lineItems(first: 50) { nodes { id sku quantity currentQuantity } }
  fulfillmentOrders(first: 10) { nodes { id status fulfillmentHolds { id handle reason } } }
  transactions(first: 10) { id kind status gateway }
}
"""

ORDER_BY_ID = "query Order($id: ID!) {\n  order(id: $id) { ...OrderParts }\n}\n" + ORDER_FIELDS

ORDER_BY_NAME = ("query OrderByName($query: String!) {\n  orders(first: 1, query: $query) { nodes { ...OrderParts } }\n}\n"
                 + ORDER_FIELDS)

SHOP = "query Shop {\n  shop { name myshopifyDomain }\n}\n"

JOB = "query Job($id: ID!) {\n  job(id: $id) { id done }\n}\n"

VARIANT_BY_SKU = ("query VariantBySku($query: String!) {\n"
                  "  productVariants(first: 1, query: $query) { nodes { id sku } }\n}\n")

USER_ERRORS = "userErrors { field message }"

ORDER_CANCEL = """mutation OrderCancel($orderId: ID!, $reason: OrderCancelReason!, $staffNote: String) {
  orderCancel(orderId: $orderId, refund: true, restock: true, reason: $reason, notifyCustomer: false,
              staffNote: $staffNote) {
    job { id done }
    orderCancelUserErrors { field message code }
  }
}
"""

ORDER_UPDATE_ADDRESS = """mutation OrderUpdateAddress($input: OrderInput!) {
  orderUpdate(input: $input) {
    order { id shippingAddress { address1 address2 city provinceCode zip countryCodeV2 } }
    userErrors { field message }
  }
}
"""

FULFILLMENT_ORDER_HOLD = """mutation FulfillmentOrderHold($id: ID!, $fulfillmentHold: FulfillmentOrderHoldInput!) {
  fulfillmentOrderHold(id: $id, fulfillmentHold: $fulfillmentHold) {
    fulfillmentHold { id handle reason }
    fulfillmentOrder { id status }
    userErrors { field message code }
  }
}
"""

FULFILLMENT_ORDER_RELEASE_HOLD = """mutation FulfillmentOrderReleaseHold($id: ID!, $holdIds: [ID!]) {
  fulfillmentOrderReleaseHold(id: $id, holdIds: $holdIds) {
    fulfillmentOrder { id status }
    userErrors { field message code }
  }
}
"""

ORDER_EDIT_BEGIN = """mutation OrderEditBegin($id: ID!) {
  orderEditBegin(id: $id) {
    calculatedOrder { id lineItems(first: 50) { nodes { id sku quantity } } }
    userErrors { field message }
  }
}
"""

ORDER_EDIT_SET_QUANTITY = """mutation OrderEditSetQuantity($id: ID!, $lineItemId: ID!, $quantity: Int!) {
  orderEditSetQuantity(id: $id, lineItemId: $lineItemId, quantity: $quantity, restock: true) {
    calculatedLineItem { id quantity }
    userErrors { field message }
  }
}
"""

ORDER_EDIT_ADD_VARIANT = """mutation OrderEditAddVariant($id: ID!, $variantId: ID!, $quantity: Int!) {
  orderEditAddVariant(id: $id, variantId: $variantId, quantity: $quantity, allowDuplicates: false) {
    calculatedLineItem { id quantity }
    userErrors { field message }
  }
}
"""

ORDER_EDIT_COMMIT = """mutation OrderEditCommit($id: ID!, $staffNote: String) {
  orderEditCommit(id: $id, notifyCustomer: false, staffNote: $staffNote) {
    order { id lineItems(first: 50) { nodes { id sku currentQuantity } } }
    userErrors { field message }
  }
}
"""


def refund_create(idempotent: bool) -> str:
    """refundCreate, with the `@idempotent` directive on API versions that have it (2026-01 and later)."""
    directive = " @idempotent(key: $idempotencyKey)" if idempotent else ""
    key_var = ", $idempotencyKey: String!" if idempotent else ""
    return (f"mutation RefundCreate($input: RefundInput!{key_var}) {{\n"
            f"  refundCreate(input: $input){directive} {{\n"
            "    refund { id totalRefundedSet { shopMoney { amount currencyCode } } }\n"
            "    userErrors { field message }\n  }\n}\n")


# Our cancel reasons in Shopify's OrderCancelReason enum.
CANCEL_REASONS = {"customer_request": "CUSTOMER", "customer": "CUSTOMER", "payment_declined": "DECLINED",
                  "declined": "DECLINED", "fraud": "FRAUD", "inventory": "INVENTORY", "out_of_stock": "INVENTORY",
                  "staff": "STAFF"}

# Our hold reasons in Shopify's FulfillmentHoldReason enum.
HOLD_REASONS = {"payment_failed": "AWAITING_PAYMENT", "fraud_review": "HIGH_RISK_OF_FRAUD",
                "address_review": "INCORRECT_ADDRESS", "address_issue": "INCORRECT_ADDRESS",
                "inventory": "INVENTORY_OUT_OF_STOCK"}

HOLD_HANDLE = "recovery-desk"

ORDER_REFUNDS = "query OrderRefunds($id: ID!) {\n  order(id: $id) { refunds(first: 50) { id note } }\n}\n"
