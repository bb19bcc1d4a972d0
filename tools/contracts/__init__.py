"""Contracts shared by every layer: domain types (domain.py) and the error taxonomy (errors.py)."""
