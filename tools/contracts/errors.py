"""One error taxonomy with stable codes; the API maps each to an HTTP status at the boundary. Every layer
raises these (copilot.core.errors re-exports them)."""

from __future__ import annotations


class CopilotError(Exception):
    code = "copilot_error"
    http_status = 500

    def __init__(self, message: str, **details: object) -> None:
        super().__init__(message)
        self.message = message
        self.details = details


class ConfigError(CopilotError):
    code = "config_error"


class NotFound(CopilotError):
    code = "not_found"
    http_status = 404


class InvalidInput(CopilotError):
    code = "invalid_input"
    http_status = 422


class Unauthorized(CopilotError):
    code = "unauthorized"
    http_status = 401


class Forbidden(CopilotError):
    code = "forbidden"
    http_status = 403


class Conflict(CopilotError):
    code = "conflict"
    http_status = 409


class ConnectorError(CopilotError):
    """A system of record refused an operation the way the real one would (hard decline, shipped, ...)."""

    code = "connector_refused"
    http_status = 422

    def __init__(self, message: str, reason: str, **details: object) -> None:
        super().__init__(message, **details)
        self.reason = reason


class Unavailable(CopilotError):
    code = "unavailable"
    http_status = 503


class PayloadTooLarge(CopilotError):
    code = "payload_too_large"
    http_status = 413
