"""Replies and internal notes on the customer's ticket: Zendesk, Gorgias, Freshdesk, and email over SMTP."""
