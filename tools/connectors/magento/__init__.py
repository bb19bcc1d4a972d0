"""Magento / Adobe Commerce REST: contracts from its Swagger schema, the client, the storefront and refunds."""
