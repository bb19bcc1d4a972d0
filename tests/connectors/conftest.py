"""Fixtures for the outbound connectors: the mini world, and a contract server on 127.0.0.1 that speaks
Shopify's GraphQL and Stripe's REST, validating every request against the vendors' published contracts."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from typing import Any

import psycopg
import pytest
import uvicorn
from psycopg.rows import dict_row
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from tests.conftest import SHARED
from tests.connectors.easypost_server import EasyPostAccount
from tests.connectors.helpdesk_server import Helpdesks
from tests.connectors.magento_server import TOKEN as MAGENTO_TOKEN
from tests.connectors.magento_server import MagentoStore
from tests.connectors.shopify_server import TOKEN, ShopifyStore
from tests.connectors.stripe_server import API_KEY, StripeAccount
from tests.connectors.woo_server import KEY as WOO_KEY
from tests.connectors.woo_server import SECRET as WOO_SECRET
from tests.connectors.woo_server import WooStore
from tests.graph.conftest import clock, engine  # noqa: F401 - the desk's engine fixture and its clock, for test_desk.py
from tests.unit.test_connectors_sandbox import mini_world
from tools.connectors import config as config_module
from tools.connectors.sandbox.store import write_world
from tools.connectors.sandbox.world import World

CONTRACTS = SHARED / "data" / "vendor"
# The store's returns warehouse, as a store sets it (JSON): the address EasyPost's recorded shipments go to.
RETURN_ADDRESS = ('{"line1": "388 Townsend St", "line2": "Apt 20", "city": "San Francisco", "state": "CA",'
                  ' "zip": "94107"}')


@dataclass
class Vendors:
    shopify: ShopifyStore
    stripe: StripeAccount
    helpdesks: Helpdesks = field(default_factory=Helpdesks)
    easypost: EasyPostAccount = field(default_factory=lambda: EasyPostAccount(CONTRACTS))
    woo: WooStore | None = None
    magento: MagentoStore | None = None


class Holder:
    """The server's routes look the current test's vendors up here, so one server serves a whole module."""

    vendors: Vendors | None = None

    async def shopify(self, request: Request) -> Response:
        assert self.vendors is not None
        return await self.vendors.shopify.endpoint(request)

    async def stripe(self, request: Request) -> Response:
        assert self.vendors is not None
        return await self.vendors.stripe.endpoint(request)

    async def easypost(self, request: Request) -> Response:
        assert self.vendors is not None
        return await self.vendors.easypost.endpoint(request)

    async def woo(self, request: Request) -> Response:
        assert self.vendors is not None and self.vendors.woo is not None
        return await self.vendors.woo.endpoint(request)

    async def magento(self, request: Request) -> Response:
        assert self.vendors is not None and self.vendors.magento is not None
        return await self.vendors.magento.endpoint(request)

    async def helpdesk(self, request: Request) -> Response:
        assert self.vendors is not None
        return await self.vendors.helpdesks.endpoint(request)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def contract_server() -> Iterator[tuple[str, Holder]]:
    holder = Holder()
    app = Starlette(routes=[
        Route("/admin/api/{version}/graphql.json", holder.shopify, methods=["POST"]),
        Route("/v1/{rest:path}", holder.stripe, methods=["GET", "POST"]),
        Route("/api/{rest:path}", holder.helpdesk, methods=["GET", "PUT", "POST"]),
        Route("/v2/{rest:path}", holder.easypost, methods=["GET", "POST"]),
        Route("/wp-json/wc/v3/{rest:path}", holder.woo, methods=["GET", "POST", "PUT"]),
        Route("/rest/{store}/V1/{rest:path}", holder.magento, methods=["GET", "POST", "PUT"]),
    ])
    port = _free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        assert time.monotonic() < deadline, "the contract server did not start"
        time.sleep(0.02)
    yield f"http://127.0.0.1:{port}", holder
    server.should_exit = True
    thread.join(timeout=10)


@pytest.fixture
def world(conn: psycopg.Connection) -> World:
    built = mini_world()
    write_world(conn, built)
    conn.execute("TRUNCATE connector_requests")
    return built


@pytest.fixture
def vendors(world: World, contract_server: tuple[str, Holder]) -> Vendors:
    shopify = ShopifyStore.from_world(world, CONTRACTS)
    stripe = StripeAccount.load(CONTRACTS)
    for payment in world.payments:
        stripe.add_intent(payment.id, int(payment.amount * 100))
    for dispute in world.disputes:
        stripe.add_dispute(dispute.id, int(dispute.amount * 100))
    contract_server[1].vendors = Vendors(shopify, stripe, woo=WooStore.from_world(world, CONTRACTS),
                                         magento=MagentoStore.from_world(world, CONTRACTS))
    return contract_server[1].vendors


def set_modes(monkeypatch: pytest.MonkeyPatch, base_url: str, **modes: str) -> None:
    """Configure systems the way a store would: COPILOT_<SYSTEM>_* in the environment."""
    env: dict[str, Any] = {
        "COPILOT_CONTRACTS_DIR": str(CONTRACTS),
        "COPILOT_SHOPIFY_SHOP": "test-shop.myshopify.com", "COPILOT_SHOPIFY_ACCESS_TOKEN": TOKEN,
        "COPILOT_SHOPIFY_BASE_URL": base_url, "COPILOT_SHOPIFY_MAX_WAIT_S": "3",
        "COPILOT_STRIPE_API_KEY": API_KEY, "COPILOT_STRIPE_BASE_URL": base_url, "COPILOT_STRIPE_MAX_WAIT_S": "3",
        "COPILOT_ZENDESK_SUBDOMAIN": "shop", "COPILOT_ZENDESK_EMAIL": "agent@shop.example",
        "COPILOT_ZENDESK_API_TOKEN": "zd-token", "COPILOT_ZENDESK_BASE_URL": base_url,
        "COPILOT_GORGIAS_DOMAIN": "shop", "COPILOT_GORGIAS_EMAIL": "agent@shop.example",
        "COPILOT_GORGIAS_API_KEY": "gg-key", "COPILOT_GORGIAS_BASE_URL": base_url,
        "COPILOT_FRESHDESK_DOMAIN": "shop", "COPILOT_FRESHDESK_API_KEY": "fd-key", "COPILOT_FRESHDESK_BASE_URL": base_url,
        "COPILOT_EASYPOST_API_KEY": "EZTK_test_key", "COPILOT_EASYPOST_BASE_URL": base_url,
        "COPILOT_EASYPOST_RETURN_ADDRESS": RETURN_ADDRESS,
        "COPILOT_WOOCOMMERCE_STORE_URL": "https://shop.example", "COPILOT_WOOCOMMERCE_CONSUMER_KEY": WOO_KEY,
        "COPILOT_WOOCOMMERCE_CONSUMER_SECRET": WOO_SECRET, "COPILOT_WOOCOMMERCE_BASE_URL": base_url,
        "COPILOT_WOOCOMMERCE_MAX_WAIT_S": "3",
        "COPILOT_MAGENTO_HOST": "shop.example", "COPILOT_MAGENTO_ACCESS_TOKEN": MAGENTO_TOKEN,
        "COPILOT_MAGENTO_BASE_URL": base_url, "COPILOT_MAGENTO_MAX_WAIT_S": "3",
        "COPILOT_ZENDESK_MAX_WAIT_S": "3", "COPILOT_GORGIAS_MAX_WAIT_S": "3", "COPILOT_FRESHDESK_MAX_WAIT_S": "3",
    }
    for system, mode in modes.items():
        env[f"COPILOT_{system.upper()}_MODE"] = mode
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    config_module.get_configs.cache_clear()


@pytest.fixture(autouse=True)
def _fresh_configs() -> Iterator[None]:
    config_module.get_configs.cache_clear()
    yield
    config_module.get_configs.cache_clear()


@pytest.fixture
async def aconn(database_url: str) -> AsyncIterator[psycopg.AsyncConnection[Any]]:
    async with await psycopg.AsyncConnection.connect(database_url, autocommit=True, row_factory=dict_row) as c:
        yield c
