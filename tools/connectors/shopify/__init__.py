"""Shopify Admin GraphQL: the storefront connector in shadow and live mode."""
