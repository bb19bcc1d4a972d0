"""Shared vocabulary and plumbing: the domain models, errors, roles and keys, settings, the guardrail policy file,
the database and PII masking. Imports nothing else of copilot."""
