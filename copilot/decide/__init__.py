"""Deciding what to do for a case: the facts gathered, the plan a playbook builds, the customer message and what
it claims, and the guardrails that judge the plan against the policy."""
