"""WooCommerce REST v3: contracts from its docs, the client, the storefront and refunds."""
