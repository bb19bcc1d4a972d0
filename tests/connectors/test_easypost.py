"""EasyPost against its own recorded exchanges: tracking reads through the desk's tool, address verification,
and a return label bought once, in shadow and live mode."""

from __future__ import annotations

from typing import Any

import pytest

from copilot.core.errors import ConnectorError
from tests.connectors.conftest import Vendors, set_modes
from tests.connectors.test_shopify import approve, new_case, rows
from tests.unit.test_connectors_sandbox import BOSTON, NOW
from tools import registry
from tools.base import ToolDeps
from tools.connectors.outbox import calling
from tools.connectors.sandbox.world import Address

WAREHOUSE = Address(line1="388 Townsend St", line2="Apt 20", city="San Francisco", state="CA", zip="94107")
PARCEL = {"length": 10, "width": 8, "height": 4, "weight": 15.4}


def carrier(aconn: Any) -> Any:
    return ToolDeps.sandbox(aconn, NOW, customer_id="cus_1").connectors.carrier


async def test_tracking_comes_from_easypost(monkeypatch: pytest.MonkeyPatch, contract_server: Any,
                                            vendors: Vendors, aconn):
    set_modes(monkeypatch, contract_server[0], easypost="live")
    out = await registry.call("track_shipment", ToolDeps.sandbox(aconn, NOW, customer_id="cus_1"), {"order_id": "#2"})
    [shipment] = out.shipments
    assert [e.status for e in shipment.events] == ["pre_transit", "pre_transit"]  # as EasyPost recorded it
    assert shipment.events[0].message == "Pre-Shipment Info Sent to USPS"
    assert vendors.easypost.requests[0] == ("POST", "/v2/trackers", {"tracker": {"tracking_code": "1Z2"}})
    assert vendors.easypost.violations == []


async def test_an_address_is_verified(monkeypatch: pytest.MonkeyPatch, contract_server: Any, vendors: Vendors,
                                      aconn):
    set_modes(monkeypatch, contract_server[0], easypost="live")
    verified = await carrier(aconn).verify_address(BOSTON)
    assert verified["object"] == "Address" and verified["verifications"]["delivery"]["success"] is True
    [(method, path, body)] = vendors.easypost.requests
    assert (method, path, body["address"]["street1"]) == ("POST", "/v2/addresses/create_and_verify", "12 Oak Ave")


async def test_shadow_return_label_is_recorded_not_bought(monkeypatch: pytest.MonkeyPatch, contract_server: Any,
                                                          vendors: Vendors, conn, aconn):
    set_modes(monkeypatch, contract_server[0], easypost="shadow")
    case_id = new_case(conn, "#3")
    with calling(case_id, f"{case_id}:ret1"):
        assert await carrier(aconn).return_label(BOSTON, "Pat Doe", WAREHOUSE, PARCEL) is None
    assert vendors.easypost.requests == []
    [row] = rows(conn, case_id)
    assert (row["operation"], row["status"], row["contract_errors"]) == ("shipments.create", "recorded", [])
    assert (row["body"]["shipment"]["from_address"]["street1"], row["body"]["shipment"]["to_address"]["zip"]) == \
        ("12 Oak Ave", "94107")


async def test_a_return_label_is_bought_once_even_across_a_lost_answer(monkeypatch: pytest.MonkeyPatch,
                                                                       contract_server: Any, vendors: Vendors,
                                                                       conn, aconn):
    set_modes(monkeypatch, contract_server[0], easypost="live")
    case_id = new_case(conn, "#3")
    with calling(case_id, f"{case_id}:ret2"):
        label = await carrier(aconn).return_label(BOSTON, "Pat Doe", WAREHOUSE, PARCEL)
    assert label is not None and label["postage_label"]["label_url"].startswith("https://")
    assert vendors.easypost.buys() == 1
    # The buy's answer was lost (worker killed): the retry reads the shipment, sees postage, buys nothing.
    conn.execute("UPDATE connector_requests SET status = 'sending' WHERE case_id = %s AND operation = 'shipments.buy'",
                 (case_id,))
    with calling(case_id, f"{case_id}:ret2"):
        again = await carrier(aconn).return_label(BOSTON, "Pat Doe", WAREHOUSE, PARCEL)
    assert vendors.easypost.buys() == 1
    assert again is not None and again["id"] == label["id"]
    assert vendors.easypost.violations == []


def events(conn: Any, case_id: int, kind: str) -> list[dict[str, Any]]:
    return [r["data"] for r in conn.execute("SELECT data FROM case_events WHERE case_id = %s AND kind = %s ORDER BY id",
                                            (case_id, kind)).fetchall()]


NEW_ADDRESS = {"line1": "388 Townsend St", "line2": "Apt 20", "city": "San Francisco", "state": "CA", "zip": "94107"}


@pytest.mark.parametrize("mode", ["shadow", "live"])
async def test_an_approved_address_change_is_verified_by_easypost_first(mode: str, monkeypatch: pytest.MonkeyPatch,
                                                                         contract_server: Any, vendors: Vendors,
                                                                         conn, aconn):
    set_modes(monkeypatch, contract_server[0], easypost=mode)
    case_id = new_case(conn, "#1")
    out = await approve(aconn, case_id, "update_address", {"order_id": "#1", "address": NEW_ADDRESS})
    assert out.carrier_verified is not None
    assert out.carrier_verified.as_verified == "388 TOWNSEND ST APT 20, SAN FRANCISCO, CA, 94107-1670"  # EasyPost's
    [(method, path, body)] = vendors.easypost.requests  # a verification is a read: sent in shadow too
    assert (method, path, body["address"]["street1"]) == ("POST", "/v2/addresses/create_and_verify", "388 Townsend St")
    [event] = events(conn, case_id, "address_verified")
    assert event["as_verified"].startswith("388 TOWNSEND ST") and event["order_id"] == "#1"
    assert conn.execute("SELECT shipping_address->>'zip' AS zip FROM sandbox.orders WHERE id = '#1'").fetchone()["zip"] \
        == "94107"
    assert vendors.easypost.violations == []


async def test_an_address_easypost_cannot_verify_is_not_written_and_the_case_says_why(
        monkeypatch: pytest.MonkeyPatch, contract_server: Any, vendors: Vendors, conn, aconn):
    set_modes(monkeypatch, contract_server[0], easypost="live")
    vendors.easypost.refuse_verification = True
    case_id = new_case(conn, "#1")
    before = conn.execute("SELECT shipping_address FROM sandbox.orders WHERE id = '#1'").fetchone()
    with pytest.raises(ConnectorError, match="EasyPost could not verify 388 Townsend St.*Address not found; House"
                                             " number is missing") as raised:
        await approve(aconn, case_id, "update_address", {"order_id": "#1", "address": NEW_ADDRESS})
    assert raised.value.reason == "address_unverified"
    assert conn.execute("SELECT shipping_address FROM sandbox.orders WHERE id = '#1'").fetchone() == before


async def test_a_rerouted_parcel_goes_to_a_verified_address(monkeypatch: pytest.MonkeyPatch, contract_server: Any,
                                                            vendors: Vendors, conn, aconn):
    set_modes(monkeypatch, contract_server[0], easypost="live")
    case_id = new_case(conn, "#2")
    out = await approve(aconn, case_id, "reroute_shipment", {"order_id": "#2", "address": NEW_ADDRESS})
    assert out.carrier_verified is not None and out.carrier_verified.address_id
    assert [p for _, p, _ in vendors.easypost.requests] == ["/v2/addresses/create_and_verify"]


EXCHANGE = {"order_id": "#3", "lines": [{"line_no": 1, "new_sku": "SKU-A-RED"}], "payment_method_id": "pm"}


@pytest.mark.parametrize("mode", ["shadow", "live"])
async def test_an_approved_exchange_gets_a_return_label(mode: str, monkeypatch: pytest.MonkeyPatch,
                                                        contract_server: Any, vendors: Vendors, conn, aconn):
    set_modes(monkeypatch, contract_server[0], easypost=mode)
    case_id = new_case(conn, "#3")
    out = await approve(aconn, case_id, "exchange_items", EXCHANGE, key=f"{case_id}:exchange")
    assert out.return_label is not None
    recorded = rows(conn, case_id)
    assert recorded[0]["body"]["shipment"]["from_address"] == {
        "name": "cus_1 Doe", "street1": "12 Oak Ave", "street2": "Apt 4B", "city": "Boston", "state": "MA",
        "zip": "02115", "country": "US"}
    assert recorded[0]["body"]["shipment"]["to_address"]["street1"] == "388 Townsend St"  # the store's return address
    assert all(r["contract_checked"] and r["contract_errors"] == [] for r in recorded)
    [event] = events(conn, case_id, "return_label")
    if mode == "shadow":
        assert out.return_label.status == "recorded_in_shadow" and vendors.easypost.requests == []
        assert [(r["operation"], r["status"]) for r in recorded] == [("shipments.create", "recorded")]
        assert event["status"] == "recorded_in_shadow"
        return
    assert out.return_label.status == "bought" and out.return_label.label_url.startswith("https://")
    assert out.return_label.tracking_code and vendors.easypost.buys() == 1
    assert [(r["operation"], r["status"]) for r in recorded] == [("shipments.create", "answered"),
                                                                ("shipments.buy", "answered")]
    assert event["tracking_code"] == out.return_label.tracking_code
    assert vendors.easypost.violations == []


async def test_without_a_return_address_the_exchange_fails_with_the_setting_to_set(
        monkeypatch: pytest.MonkeyPatch, contract_server: Any, vendors: Vendors, conn, aconn):
    set_modes(monkeypatch, contract_server[0], easypost="live")
    monkeypatch.delenv("COPILOT_EASYPOST_RETURN_ADDRESS")
    case_id = new_case(conn, "#3")
    with pytest.raises(ConnectorError, match="COPILOT_EASYPOST_RETURN_ADDRESS"):
        await approve(aconn, case_id, "exchange_items", EXCHANGE)
    assert vendors.easypost.requests == []
