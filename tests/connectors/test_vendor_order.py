"""The case page shows what the store's own system says about the order: the sandbox world in sandbox mode,
a read from Shopify, WooCommerce or Magento in shadow or live mode, labelled with its source and time."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from tests.api.test_cases_support import client, insert_case, key_for, unique
from tests.connectors.conftest import Vendors, set_modes
from tests.connectors.test_shopify import approve, new_case
from tests.unit.test_connectors_sandbox import NOW
from tools.connectors.vendor_order import VendorOrderCache, read_vendor_order


async def test_in_sandbox_mode_the_order_is_the_worlds(world, aconn):
    view = await read_vendor_order(aconn, NOW, "#4")
    assert (view.system, view.mode, view.source) == ("sandbox", "sandbox", "the sandbox world")
    assert (view.status, view.holds, view.read_at) == ("pending", ["payment_failed"], NOW)
    assert view.shipping_address == "12 Oak Ave, Apt 4B, Boston, MA, 02115" and view.error is None


@pytest.mark.parametrize("mode", ["shadow", "live"])
async def test_a_connected_shopify_is_read_and_named(mode: str, monkeypatch: pytest.MonkeyPatch, contract_server: Any,
                                                     vendors: Vendors, aconn):
    set_modes(monkeypatch, contract_server[0], shopify=mode)
    vendors.shopify.by_name("#1")["displayFulfillmentStatus"] = "ON_HOLD"  # Shopify's word, not the mirror's
    view = await read_vendor_order(aconn, NOW, "#1")
    assert (view.system, view.mode, view.source) == ("shopify", mode, f"Shopify Admin API ({mode})")
    assert (view.status, view.fulfillment_status, view.error) == ("open", "ON_HOLD", None)
    assert vendors.shopify.mutations == [] and len(vendors.shopify.requests) == 1  # one read, nothing written


async def test_woocommerce_and_magento_are_read_in_their_own_words(monkeypatch: pytest.MonkeyPatch,
                                                                   contract_server: Any, vendors: Vendors, aconn):
    assert vendors.woo is not None and vendors.magento is not None
    set_modes(monkeypatch, contract_server[0], woocommerce="live")
    vendors.woo.orders["4"]["status"] = "on-hold"
    woo = await read_vendor_order(aconn, NOW, "#4")
    assert (woo.source, woo.status, woo.holds) == ("WooCommerce REST API (live)", "on-hold", ["on-hold"])
    assert woo.shipping_address is not None and woo.shipping_address.startswith("12 Oak Ave")
    set_modes(monkeypatch, contract_server[0], woocommerce="sandbox", magento="shadow")
    magento = await read_vendor_order(aconn, NOW, "#2")
    assert magento.source == "Magento REST API (shadow)" and magento.error is None
    assert magento.status is not None and " / " in magento.status  # state / status, as Magento keeps both


async def test_a_store_that_does_not_answer_is_shown_as_unread(monkeypatch: pytest.MonkeyPatch, contract_server: Any,
                                                               vendors: Vendors, aconn):
    set_modes(monkeypatch, contract_server[0], shopify="live")
    monkeypatch.setenv("COPILOT_SHOPIFY_BASE_URL", "http://127.0.0.1:9")  # nothing listens there
    from tools.connectors import config

    config.get_configs.cache_clear()
    view = await read_vendor_order(aconn, NOW, "#1")
    assert view.source == "Shopify Admin API (live)" and view.status is None
    assert view.error is not None and "unreachable" in view.error


def test_the_case_page_shows_the_vendors_order_with_source_and_time(monkeypatch: pytest.MonkeyPatch,
                                                                    contract_server: Any, vendors: Vendors,
                                                                    database_url: str, conn):
    set_modes(monkeypatch, contract_server[0], shopify="live")
    vendors.shopify.by_name("#1")["displayFulfillmentStatus"] = "ON_HOLD"
    case_id = insert_case(conn, queue=unique("q"), order_id="#1")
    with client(database_url) as api:
        api.post("/desk/login", data={"key": key_for(conn, "agent"), "next": "/desk"})
        page = api.get(f"/desk/cases/{case_id}").text
        again = api.get(f"/desk/cases/{case_id}").text
    assert len(vendors.shopify.requests) == 1  # the second load reused the first read (COPILOT_VENDOR_ORDER_TTL_S)
    read_at = page[page.index("Read from Shopify Admin API (live) at "):][:80]
    assert read_at in again  # shown with the time it was read
    section = page[page.index('id="vendor-order"'):]
    section = section[:section.index("</section>")]
    assert "What Shopify Admin API (live) says about order #1" in section
    assert "Read from Shopify Admin API (live) at " in section and " UTC" in section
    assert "fulfillment: ON_HOLD" in section
    assert vendors.shopify.mutations == []


async def test_a_read_is_reused_until_it_ages_or_the_copilot_writes_to_the_order(
        monkeypatch: pytest.MonkeyPatch, contract_server: Any, vendors: Vendors, conn, aconn):
    set_modes(monkeypatch, contract_server[0], shopify="live")
    cache = VendorOrderCache(ttl_s=30)
    first = await cache.get(aconn, NOW, "#1")
    again = await cache.get(aconn, NOW + timedelta(seconds=29), "#1")
    assert (again.read_at, again.status, len(vendors.shopify.requests)) == (NOW, "open", 1)
    assert again == first
    # Changed in Shopify's own admin: the page sees it once its read is older than the TTL.
    vendors.shopify.by_name("#1")["displayFulfillmentStatus"] = "ON_HOLD"
    aged = await cache.get(aconn, NOW + timedelta(seconds=30), "#1")
    assert (aged.read_at, aged.fulfillment_status, len(vendors.shopify.requests)) == (
        NOW + timedelta(seconds=30), "ON_HOLD", 2)
    # The copilot cancels the order (what an approval on the desk runs): the next page reads it again at once.
    await approve(aconn, new_case(conn, "#1"), "cancel_order", {"order_id": "#1", "reason": "customer_request"})
    sent = len(vendors.shopify.requests)
    after = await cache.get(aconn, NOW + timedelta(seconds=31), "#1")
    assert (after.status, after.read_at, len(vendors.shopify.requests)) == ("cancelled", NOW + timedelta(seconds=31),
                                                                              sent + 1)
    assert await cache.get(aconn, NOW + timedelta(seconds=32), "#1") == after  # and reuses that read
    assert len(vendors.shopify.requests) == sent + 1


async def test_with_no_ttl_every_page_reads_the_store(monkeypatch: pytest.MonkeyPatch, contract_server: Any,
                                                      vendors: Vendors, aconn):
    set_modes(monkeypatch, contract_server[0], shopify="shadow")
    cache = VendorOrderCache(ttl_s=0)
    views = [await cache.get(aconn, NOW, "#1") for _ in range(3)]
    assert len(vendors.shopify.requests) == 3 and {v.source for v in views} == {"Shopify Admin API (shadow)"}
