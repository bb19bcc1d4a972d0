"""One gather reads each thing once: the remembering bundle answers a repeated read from its first answer, for
its own life only, and passes everything else (writes, failed reads) to the system."""

from __future__ import annotations

from dataclasses import replace

import psycopg
import pytest

from copilot.errors import NotFound
from tests.unit.test_connectors_sandbox import aconn, deps_for, world  # noqa: F401 - fixtures
from tools import registry
from tools.connectors.snapshot import remembering


def _statements(connection: psycopg.AsyncConnection) -> list[str]:  # type: ignore[type-arg]
    """Record every statement the connection sends from now on."""
    sent: list[str] = []
    original = connection.execute

    async def counted(query, *args, **kwargs):  # type: ignore[no-untyped-def]
        sent.append(str(query))
        return await original(query, *args, **kwargs)

    connection.execute = counted  # type: ignore[method-assign]
    return sent

async def test_a_repeated_read_is_answered_once_for_the_life_of_the_bundle(world, aconn, conn):  # noqa: F811
    bundle = remembering(deps_for(aconn).connectors)
    first = await bundle.storefront.get_order("#1")
    conn.execute("UPDATE sandbox.orders SET status = 'processing' WHERE id = '#1'")
    sent = _statements(aconn)
    again = await bundle.storefront.get_order("#1")
    assert again is first and again.status == "pending" and sent == []
    assert (await bundle.storefront.previous_addresses("cus_1")) and len(sent) == 1
    await bundle.storefront.previous_addresses("cus_1")
    assert len(sent) == 1
    fresh = remembering(deps_for(aconn).connectors)
    assert (await fresh.storefront.get_order("#1")).status == "processing"

async def test_validating_addresses_for_one_order_reads_the_order_and_customer_once(world, aconn):  # noqa: F811
    deps = deps_for(aconn)

    deps = replace(deps, connectors=remembering(deps.connectors))
    await registry.call("validate_address", deps, {"address": {"line1": "12 Oak Ave", "line2": "Apt 4B",
                        "city": "Boston", "state": "MA", "zip": "02115"}, "carrier": "ups", "order_id": "#1"})
    sent = _statements(aconn)
    checked = await registry.call("validate_address", deps, {"address": {"line1": "1 Main St", "city": "Boston",
                                  "state": "MA", "zip": "02115"}, "carrier": "ups", "order_id": "#1"})
    assert sent == [] and checked.valid  # type: ignore[attr-defined]

async def test_failed_reads_and_writes_go_to_the_system(world, aconn, conn):  # noqa: F811
    bundle = remembering(deps_for(aconn).connectors)
    with pytest.raises(NotFound):
        await bundle.storefront.get_order("#404")
    sent = _statements(aconn)
    with pytest.raises(NotFound):
        await bundle.storefront.get_order("#404")
    assert sent, "a failed read was remembered"
    held = await bundle.storefront.hold_order("#1", "address_unverified")
    assert held.hold_reason == "address_unverified"
    row = conn.execute("SELECT hold_reason FROM sandbox.orders WHERE id = '#1'").fetchone()
    assert row["hold_reason"] == "address_unverified"
