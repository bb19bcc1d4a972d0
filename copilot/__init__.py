"""Recovery Desk Copilot: the domain, the agent graph and the service's moving parts."""
