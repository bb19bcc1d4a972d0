"""`copilot connectors check SYSTEM`: one harmless authenticated read per system, with what it proved."""

from __future__ import annotations

import asyncio
import smtplib
from collections.abc import Awaitable, Callable

from tools.connectors.config import (
    ConnectorConfigs,
    EasyPostConfig,
    EmailConfig,
    FreshdeskConfig,
    GorgiasConfig,
    MagentoConfig,
    ShopifyConfig,
    StripeConfig,
    WooCommerceConfig,
    ZendeskConfig,
)
from tools.contracts.errors import ConfigError, NotFound, Unavailable


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


async def check_easypost(config: EasyPostConfig) -> str:
    """Reading a tracker that cannot exist: 404 proves the key was accepted (a bad key answers 401 first)."""
    from tools.connectors.outbox import VendorRequest
    from tools.connectors.rest import send_json

    base = (config.base_url or "https://api.easypost.com").rstrip("/")
    key = config.api_key.get_secret_value() if config.api_key else ""
    request = VendorRequest(system="easypost", operation="trackers.retrieve", method="GET",
                            url=f"{base}/v2/trackers/trk_0")
    try:
        await send_json(config, request, headers={"Authorization": f"Bearer {key}"})
    except NotFound:
        return f"key accepted by {base}"
    return f"key accepted by {base} (tracker read)"


async def check_helpdesk(config: ZendeskConfig | GorgiasConfig | FreshdeskConfig) -> str:
    """Who the credentials are: Zendesk `users/me`, Gorgias `account`, Freshdesk `agents/me`."""
    from tools.connectors.helpdesk import requests
    from tools.connectors.outbox import VendorRequest
    from tools.connectors.rest import send_json

    if isinstance(config, ZendeskConfig):
        root, path = config.base_url or f"https://{config.subdomain}.zendesk.com", "/api/v2/users/me"
    elif isinstance(config, GorgiasConfig):
        root, path = config.base_url or f"https://{config.domain}.gorgias.com", "/api/account"
    else:
        root, path = config.base_url or f"https://{config.domain}.freshdesk.com", "/api/v2/agents/me"
    system = requests.request_system(config)
    request = VendorRequest(system=system, operation="whoami", method="GET", url=root.rstrip("/") + path)
    body = (await send_json(config, request, auth=requests.auth(config))).body or {}
    if isinstance(config, ZendeskConfig):
        user = body.get("user") or {}
        if user.get("id") is None:  # Zendesk answers an anonymous user instead of refusing
            raise ConfigError("zendesk: the credentials were not accepted (anonymous user); check the token")
        return f"signed in as {user.get('email')} ({user.get('role')})"
    if isinstance(config, GorgiasConfig):
        return f"account {body.get('domain')}"
    return f"signed in as agent {body.get('id')} ({(body.get('contact') or {}).get('email')})"


async def check_woocommerce(config: WooCommerceConfig) -> str:
    from tools.connectors.woocommerce.client import WooApi

    api = WooApi(config)
    listed = (await api.send(api.request("orders.list", "GET", "/orders?per_page=1"))).body or []
    return f"keys accepted by {api.base} ({len(listed)} order read)"


async def check_magento(config: MagentoConfig) -> str:
    from tools.connectors.magento.client import MagentoApi

    api = MagentoApi(config)
    found = (await api.send(api.request("orders.search", "GET", "/V1/orders?searchCriteria%5BpageSize%5D=1"))).body
    return f"token accepted by {api.base} ({(found or {}).get('total_count', 0)} orders)"


CHECKS: dict[str, Callable[[ConnectorConfigs], Awaitable[str]]] = {
    "shopify": lambda c: check_shopify(c.shopify),
    "stripe": lambda c: check_stripe(c.stripe),
    "email": lambda c: check_email(c.email),
    "easypost": lambda c: check_easypost(c.easypost),
    "zendesk": lambda c: check_helpdesk(c.zendesk),
    "gorgias": lambda c: check_helpdesk(c.gorgias),
    "freshdesk": lambda c: check_helpdesk(c.freshdesk),
    "woocommerce": lambda c: check_woocommerce(c.woocommerce),
    "magento": lambda c: check_magento(c.magento),
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
