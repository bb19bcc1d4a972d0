"""JSON over HTTPS with httpx for the REST vendors: Retry-After honoured, vendor errors mapped at the boundary."""

from __future__ import annotations

from collections.abc import Mapping

import httpx

from tools.connectors.config import SystemConfig
from tools.connectors.outbound import Retryable, map_status, retry_after_s, ssl_context, with_retries
from tools.connectors.outbox import VendorRequest, VendorResponse


def vendor_message(resp: httpx.Response) -> tuple[str, str | None]:
    """The vendor's own words for a refusal: WooCommerce `{"code", "message"}`, Magento `{"message", "parameters"}`
    (its `%1` placeholders filled in), else the start of the body."""
    try:
        body = resp.json()
    except ValueError:
        return resp.text[:300], None
    if isinstance(body, dict) and isinstance(body.get("error"), dict):  # EasyPost: {"error": {code, message, errors}}
        error = body["error"]
        details = [str(e.get("message")) for e in error.get("errors") or [] if isinstance(e, dict) and e.get("message")]
        text = "; ".join([str(error.get("message") or "refused"), *details])
        return text[:300], str(error["code"]) if error.get("code") else None
    if not isinstance(body, dict) or not isinstance(body.get("message"), str):
        return resp.text[:300], None
    message, params = body["message"], body.get("parameters")
    if isinstance(params, list):
        for n, value in enumerate(params, start=1):
            message = message.replace(f"%{n}", str(value))
    elif isinstance(params, dict):
        for name, value in params.items():
            message = message.replace(f"%{name}", str(value))
    code = body.get("code")
    return message[:300], code if isinstance(code, str) else None


async def send_json(config: SystemConfig, request: VendorRequest, auth: httpx.Auth | None = None,
                    headers: Mapping[str, str] | None = None) -> VendorResponse:
    """One request; reads are retried on 429/5xx, writes only when the vendor did not execute them (429)."""

    async def attempt() -> VendorResponse:
        try:
            async with httpx.AsyncClient(timeout=config.timeout_s, verify=ssl_context(), auth=auth) as http:
                resp = await http.request(request.method, request.url, json=request.body, headers=headers)
        except httpx.TransportError as exc:
            raise Retryable(f"{request.system} unreachable: {exc!r}", None, executed=True) from exc
        if resp.status_code == 429:
            raise Retryable(f"{request.system} answered 429", retry_after_s(resp.headers), executed=False)
        if resp.status_code >= 500:
            raise Retryable(f"{request.system} answered {resp.status_code}", retry_after_s(resp.headers), executed=True)
        if resp.status_code >= 400:
            message, code = vendor_message(resp)
            raise map_status(request.system, resp.status_code, message, code)
        body = resp.json() if resp.content and "json" in resp.headers.get("content-type", "") else None
        return VendorResponse(status=resp.status_code, body=body, headers={})

    return await with_retries(config, attempt, safe=request.method == "GET")
