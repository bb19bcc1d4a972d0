"""Stripe: the PSP connector in shadow and live mode, through the official SDK."""
