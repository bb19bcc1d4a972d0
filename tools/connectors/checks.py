"""`copilot connectors check SYSTEM`: one harmless authenticated read per system, with what it proved."""

from __future__ import annotations

import asyncio
import smtplib
from collections.abc import Awaitable, Callable

from copilot.errors import ConfigError, NotFound, Unavailable
from tools.connectors.config import ConnectorConfigs, EmailConfig, ShopifyConfig, StripeConfig


async def check_shopify(config: ShopifyConfig) -> str:
    from tools.connectors.shopify import documents as doc
    from tools.connectors.shopify.client import ShopifyClient

    client = ShopifyClient(config)
    shop = ((await client.send(client.request("shop", doc.SHOP, {}))).body or {})["shop"]
    return f"shop {shop['name']} ({shop['myshopifyDomain']}), Admin API {config.api_version}"


async def check_stripe(config: StripeConfig) -> str:
    from tools.connectors.stripe.client import StripeApi

    # Retrieving a refund that cannot exist reads nothing and changes nothing: 404 proves the key was
    # accepted (a bad key answers 401 first), and the operation is in the contract the connector is built on.
    api = StripeApi(config)
    try:
        await api.send(api.request("refunds.retrieve", "GET", "/v1/refunds/re_connectivity_check"))
    except NotFound:
        return f"key accepted by {api.base} (API version {config.api_version})"
    return f"key accepted by {api.base}"


async def check_email(config: EmailConfig) -> str:
    """Connect, STARTTLS when configured, log in when configured, NOOP: no message is sent."""

    def talk() -> str:
        try:
            with smtplib.SMTP(config.smtp_host or "", config.smtp_port, timeout=config.timeout_s) as smtp:
                if config.starttls:
                    smtp.starttls()
                if config.username:
                    smtp.login(config.username, config.password.get_secret_value() if config.password else "")
                code, _ = smtp.noop()
        except smtplib.SMTPAuthenticationError as exc:
            raise ConfigError(f"email: the SMTP server refused the login ({exc.smtp_code})") from exc
        except (smtplib.SMTPException, OSError) as exc:
            raise Unavailable(f"email: {config.smtp_host}:{config.smtp_port} did not answer: {exc}") from exc
        return f"{config.smtp_host}:{config.smtp_port} answered NOOP with {code}"

    return await asyncio.to_thread(talk)


CHECKS: dict[str, Callable[[ConnectorConfigs], Awaitable[str]]] = {
    "shopify": lambda c: check_shopify(c.shopify),
    "stripe": lambda c: check_stripe(c.stripe),
    "email": lambda c: check_email(c.email),
}


async def check(system: str, configs: ConnectorConfigs) -> str:
    try:
        config = configs.get(system)
    except KeyError:
        raise NotFound(f"no system {system!r}; one of: {', '.join(sorted(CHECKS))}") from None
    if not config.credentials_set:
        missing = ", ".join(f"COPILOT_{system.upper()}_{name.upper()}" for name in config.missing)
        raise ConfigError(f"{system}: credentials are not set ({missing})")
    if system not in CHECKS:
        raise ConfigError(f"{system}: no harmless check is built for it yet ({', '.join(sorted(CHECKS))} have one)")
    return await CHECKS[system](configs)
