"""EasyPost against its own recorded exchanges: tracking reads through the desk's tool, address verification,
and a return label bought once, in shadow and live mode."""

from __future__ import annotations

from typing import Any

import pytest

from tests.connectors.conftest import Vendors, set_modes
from tests.connectors.test_shopify import new_case, rows
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
