"""Connectors: one protocol per system of record, and the sandbox implementation of all of them."""
