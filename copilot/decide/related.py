"""Facts on the customer's other orders, for a ticket whose requests reach past the case's own order ("cancel my
pending orders and return the lamp I received"): each order, its payment, the variants of its lines, and the
addresses the ticket could move it to, validated for its carrier. Read-only; capped so a ticket stays cheap."""

from __future__ import annotations

import re

from psycopg import AsyncConnection
from psycopg.rows import DictRow

from copilot.cases.order_inference import customer_orders
from copilot.core.errors import CopilotError, NotFound
from copilot.decide.plan import AddressCheck, OrderFacts
from tools import registry
from tools.base import ToolDeps
from tools.connectors.sandbox.world import Address
from tools.schemas import LocateInventoryOutput, LookupCustomerOutput, LookupOrderOutput

MAX_RELATED = 8
EDITABLE = ("pending", "processing")


async def related_orders(conn: AsyncConnection[DictRow], deps: ToolDeps, email: str, case_order_id: str | None,
                         customer: LookupCustomerOutput | None, wanted: list[Address],
                         text: str = "") -> list[OrderFacts]:
    """Every other order of the customer that is not cancelled, newest first, with what a plan on it needs; and
    any other of theirs the ticket names by number (a cancelled order whose address they point at)."""
    rows = sorted(await customer_orders(conn, email), key=lambda r: r["created_at"], reverse=True)
    ids = [r["id"] for r in rows if r["id"] != case_order_id][:MAX_RELATED]
    ids += await _named_elsewhere(deps, text, customer, {*ids, case_order_id or ""})
    addresses = _addresses(customer, wanted)
    found = []
    for order_id in ids:
        order = LookupOrderOutput.model_validate(await registry.call("lookup_order", deps, {"order_id": order_id}))
        payment = await registry.call("lookup_payment", deps, {"order_id": order_id})
        status = order.order.status
        inventory = await _stock(deps, order) if status in (*EDITABLE, "delivered") else []
        validated = await checks(deps, order, addresses) if status in EDITABLE else []
        found.append(OrderFacts(order=order, payment=payment, inventory=inventory,
                                address_checks=validated))
    return found


_NUMBER = re.compile(r"#\s?([A-Za-z]?\d{1,12})\b")


async def _named_elsewhere(deps: ToolDeps, text: str, customer: LookupCustomerOutput | None,
                           have: set[str]) -> list[str]:
    """Order numbers written in the ticket ('#1234', '#W1234567') that are this customer's own and not in `have`."""
    if customer is None:
        return []
    found: list[str] = []
    for m in _NUMBER.finditer(text):
        oid = f"#{m.group(1).upper()}"
        if oid in found or oid in have:
            continue
        try:
            order = LookupOrderOutput.model_validate(await registry.call("lookup_order", deps, {"order_id": oid}))
        except CopilotError:
            continue
        if order.order.customer_id == customer.id:
            found.append(oid)
    return found[:MAX_RELATED]


async def _stock(deps: ToolDeps, order: LookupOrderOutput) -> list[LocateInventoryOutput]:
    """Stock of each line the warehouse keeps a record for; a line it has none for is left out, not fatal
    (another order's facts only widen the plan)."""
    found = []
    for line in order.order.lines:
        try:
            found.append(LocateInventoryOutput.model_validate(
                await registry.call("locate_inventory", deps, {"sku": line.sku, "quantity": line.quantity})))
        except NotFound:
            continue
    return found


def addresses_for(related: list[OrderFacts], customer: LookupCustomerOutput | None,
                  wanted: list[Address]) -> list[Address]:
    """The addresses related orders ship to, plus the profile's and the ones the ticket wrote."""
    return _addresses(customer, [*wanted, *(o.order.order.shipping_address for o in related)])


def _addresses(customer: LookupCustomerOutput | None, wanted: list[Address]) -> list[Address]:
    """Where a ticket may ask an order to go: an address it wrote, the profile's, another order's."""
    found: list[Address] = list(wanted)
    if customer is not None:
        found += [a for a in [customer.address, *customer.previous_addresses] if a is not None]
    unique: list[Address] = []
    for address in found:
        if address not in unique:
            unique.append(address)
    return unique[:8]


async def checks(deps: ToolDeps, order: LookupOrderOutput, addresses: list[Address]) -> list[AddressCheck]:
    """The order's own address and each of `addresses`, validated for the order's carrier."""
    carrier = order.fulfillments[0].carrier if order.fulfillments else None
    checks = []
    for address in [order.order.shipping_address, *[a for a in addresses if a != order.order.shipping_address]]:
        try:
            result = await registry.call("validate_address", deps, {"address": address, "carrier": carrier,
                                                                     "order_id": order.order.id})
        except CopilotError:
            continue
        checks.append(AddressCheck(address=address, result=result))
    return checks
