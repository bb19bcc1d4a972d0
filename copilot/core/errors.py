"""The error taxonomy (defined in tools/contracts/errors.py, below every layer that raises it)."""

from tools.contracts.errors import (
    ConfigError,
    Conflict,
    ConnectorError,
    CopilotError,
    Forbidden,
    InvalidInput,
    NotFound,
    PayloadTooLarge,
    Unauthorized,
    Unavailable,
)

__all__ = ["ConfigError", "Conflict", "ConnectorError", "CopilotError", "Forbidden", "InvalidInput", "NotFound",
           "PayloadTooLarge", "Unauthorized", "Unavailable"]
