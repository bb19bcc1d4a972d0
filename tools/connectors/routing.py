"""The mode switch: each protocol slot of a connector bundle goes to the sandbox or to its system's
connector in shadow or live mode, as that system's configuration says."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from typing import Any

from psycopg import AsyncConnection

from tools.connectors.config import ConnectorConfigs, ShopifyConfig, StripeConfig, get_configs
from tools.connectors.contracts import check_graphql, check_openapi_form, shopify_schema, stripe_spec
from tools.connectors.outbound import Check, Outbound
from tools.connectors.outbox import VendorRequest
from tools.connectors.protocols import Connectors


def shopify_check(configs: ConnectorConfigs) -> Check | None:
    if configs.contracts_dir is None:
        return None
    contracts, idempotent = configs.contracts_dir, configs.shopify.has_idempotent_directive

    def check(request: VendorRequest) -> list[str]:
        body = request.body or {}
        schema = shopify_schema(contracts, idempotent)
        errors = [] if request.url.endswith("/graphql.json") else [f"{request.url} is not the GraphQL endpoint"]
        return errors + check_graphql(schema, str(body.get("query", "")), dict(body.get("variables") or {}))

    return check


def stripe_check(configs: ConnectorConfigs, base: str) -> Check | None:
    if configs.contracts_dir is None:
        return None
    contracts = configs.contracts_dir

    def check(request: VendorRequest) -> list[str]:
        return check_openapi_form(stripe_spec(contracts), request.method, request.url.removeprefix(base),
                                  request.body)

    return check


def shopify_storefront(conn: AsyncConnection[Any], now: datetime, actor: str | None, config: ShopifyConfig,
                       configs: ConnectorConfigs) -> Any:
    from tools.connectors.shopify.client import ShopifyClient
    from tools.connectors.shopify.storefront import ShopifyStorefront

    outbound = Outbound("shopify", config.mode, conn, now, shopify_check(configs))
    return ShopifyStorefront(conn, now, actor, config, outbound, ShopifyClient(config))


def stripe_psp(conn: AsyncConnection[Any], now: datetime, actor: str | None, config: StripeConfig,
               configs: ConnectorConfigs) -> Any:
    from tools.connectors.stripe.client import StripeApi
    from tools.connectors.stripe.psp import StripePSP

    api = StripeApi(config)
    outbound = Outbound("stripe", config.mode, conn, now, stripe_check(configs, api.base))
    return StripePSP(conn, now, actor, config, outbound, api)


def easypost_carrier(conn: AsyncConnection[Any], now: datetime, actor: str | None,
                     configs: ConnectorConfigs) -> Any:
    from tools.connectors.easypost import contracts
    from tools.connectors.easypost.carrier import EasyPostCarrier

    contracts_dir, config = configs.contracts_dir, configs.easypost
    check: Check | None = None
    if contracts_dir is not None:
        base = (config.base_url or "https://api.easypost.com").rstrip("/")

        def check(request: VendorRequest) -> list[str]:
            return contracts.check(contracts_dir, request, base)

    outbound = Outbound("easypost", config.mode, conn, now, check)
    return EasyPostCarrier(conn, now, actor, config, outbound)


def rest_check(configs: ConnectorConfigs, system: str, base: str) -> Check | None:
    """WooCommerce against its REST v3 docs, Magento against its admin REST schema."""
    contracts_dir = configs.contracts_dir
    if contracts_dir is None:
        return None
    if system == "woocommerce":
        from tools.connectors.woocommerce import contracts as woo

        return lambda request: woo.check(contracts_dir, request, base)
    from tools.connectors.magento import contracts as magento

    return lambda request: magento.check(contracts_dir, request, base)


def woo_storefront(conn: AsyncConnection[Any], now: datetime, actor: str | None, configs: ConnectorConfigs) -> Any:
    from tools.connectors.woocommerce.client import WooApi
    from tools.connectors.woocommerce.storefront import WooStorefront

    api = WooApi(configs.woocommerce)
    outbound = Outbound("woocommerce", configs.woocommerce.mode, conn, now, rest_check(configs, "woocommerce", api.root))
    return WooStorefront(conn, now, actor, configs.woocommerce, outbound, api)


def magento_storefront(conn: AsyncConnection[Any], now: datetime, actor: str | None, configs: ConnectorConfigs) -> Any:
    from tools.connectors.magento.client import MagentoApi
    from tools.connectors.magento.storefront import MagentoStorefront

    api = MagentoApi(configs.magento)
    outbound = Outbound("magento", configs.magento.mode, conn, now, rest_check(configs, "magento", api.base))
    return MagentoStorefront(conn, now, actor, configs.magento, outbound, api)


def storefront_payments(conn: AsyncConnection[Any], now: datetime, actor: str | None, platform: str,
                        storefront: Any) -> Any:
    """Without Stripe connected, refunds go through the store's own platform."""
    if platform == "shopify":
        from tools.connectors.shopify.payments import ShopifyPayments

        return ShopifyPayments(conn, now, actor, storefront)
    if platform == "woocommerce":
        from tools.connectors.woocommerce.payments import WooPayments

        return WooPayments(conn, now, actor, storefront)
    from tools.connectors.magento.payments import MagentoPayments

    return MagentoPayments(conn, now, actor, storefront)


STOREFRONT_BUILDERS = {"woocommerce": woo_storefront, "magento": magento_storefront}


def route(bundle: Connectors, conn: AsyncConnection[Any], now: datetime, actor: str | None,
          configs: ConnectorConfigs | None = None) -> Connectors:
    """The sandbox bundle with every slot whose system is in shadow or live mode replaced."""
    configs = configs or get_configs()
    if configs.all_sandbox:
        return bundle
    platform = configs.storefront  # the one storefront not in sandbox mode, if any
    if platform == "shopify":
        bundle = replace(bundle, storefront=shopify_storefront(conn, now, actor, configs.shopify, configs))
    elif platform is not None:
        bundle = replace(bundle, storefront=STOREFRONT_BUILDERS[platform](conn, now, actor, configs))
    if configs.stripe.mode != "sandbox":
        bundle = replace(bundle, psp=stripe_psp(conn, now, actor, configs.stripe, configs))
    elif platform is not None:
        bundle = replace(bundle, psp=storefront_payments(conn, now, actor, platform, bundle.storefront))
    if configs.easypost.mode != "sandbox":
        bundle = replace(bundle, carrier=easypost_carrier(conn, now, actor, configs))
    if any(configs.get(system).mode != "sandbox" for system in ("zendesk", "gorgias", "freshdesk", "email")):
        from tools.connectors.helpdesk.connector import RoutedHelpdesk
        from tools.connectors.helpdesk.contracts import HELPDESK_CHECKS

        bundle = replace(bundle, helpdesk=RoutedHelpdesk(conn, now, actor, configs, dict(HELPDESK_CHECKS)))
    return bundle
