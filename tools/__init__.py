"""Typed tools over connectors to the systems of record."""
