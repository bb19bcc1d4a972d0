"""Stripe through its official SDK (async over httpx): our retries, Stripe's errors as the project's."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

import stripe

from tools.connectors.config import StripeConfig
from tools.connectors.outbound import Retryable, retry_after_s, with_retries
from tools.connectors.outbox import VendorRequest, VendorResponse
from tools.contracts.errors import ConfigError, Conflict, ConnectorError, NotFound

API_BASE = "https://api.stripe.com"


def readable(error: stripe.StripeError) -> str:
    """What a person on the desk can act on: the bank's or Stripe's own words, and the code."""
    err = error.error
    code = (getattr(err, "decline_code", None) or getattr(err, "code", None) or "") if err else ""
    message = getattr(err, "message", None) or error.user_message or str(error)
    return f"Stripe: {message}" + (f" ({code})" if code else "")


@lru_cache(maxsize=8)
def sdk_client(key: str, base: str, version: str) -> stripe.StripeClient:
    """One SDK client (and its connection pool) per account for the process: connectors are made per call."""
    # The SDK's own retries are off: ours honour Retry-After and know which calls are safe to repeat.
    return stripe.StripeClient(key, base_addresses={"api": base}, http_client=stripe.HTTPXClient(),
                               max_network_retries=0, stripe_version=version)


class StripeApi:
    def __init__(self, config: StripeConfig) -> None:
        self.config = config
        self.base = (config.base_url or API_BASE).rstrip("/")

    @property
    def sdk(self) -> stripe.StripeClient:
        key = self.config.api_key.get_secret_value() if self.config.api_key else "sk_unset"
        return sdk_client(key, self.base, self.config.api_version)

    def request(self, operation: str, method: str, path: str, params: dict[str, Any] | None = None,
                vendor_key: str | None = None) -> VendorRequest:
        return VendorRequest(system="stripe", operation=operation, method=method, url=self.base + path,
                             body=params, vendor_key=vendor_key)

    async def send(self, request: VendorRequest) -> VendorResponse:
        safe = request.method == "GET" or request.vendor_key is not None
        return await with_retries(self.config, lambda: self._call(request), safe=safe)

    async def _call(self, request: VendorRequest) -> VendorResponse:
        path = request.url.removeprefix(self.base)
        options: dict[str, Any] = {"idempotency_key": request.vendor_key} if request.vendor_key else {}
        try:
            resp = await self.sdk.raw_request_async(request.method.lower(), path, **(request.body or {}), **options)
        except stripe.RateLimitError as exc:
            raise Retryable("stripe answered 429", retry_after_s(exc.headers or {}), executed=False) from exc
        except stripe.APIConnectionError as exc:
            raise Retryable(f"stripe unreachable: {exc}", None, executed=True) from exc
        except stripe.CardError as exc:
            err = exc.error
            reason = (getattr(err, "decline_code", None) or exc.code or "card_error") if err else "card_error"
            raise ConnectorError(readable(exc), reason=reason) from exc
        except stripe.IdempotencyError as exc:
            raise Conflict(readable(exc)) from exc
        except (stripe.AuthenticationError, stripe.PermissionError) as exc:
            raise ConfigError(f"{readable(exc)} (check COPILOT_STRIPE_API_KEY and its permissions)") from exc
        except stripe.InvalidRequestError as exc:
            if exc.http_status == 404:
                raise NotFound(readable(exc)) from exc
            raise ConnectorError(readable(exc), reason=exc.code or "invalid_request") from exc
        except stripe.APIError as exc:
            if (exc.http_status or 500) >= 500:
                raise Retryable(f"stripe answered {exc.http_status}", retry_after_s(exc.headers or {}),
                                executed=True) from exc
            raise ConnectorError(readable(exc), reason=exc.code or "api_error") from exc
        return VendorResponse(status=resp.code, body=resp.data, headers={})
