"""Sandbox effects for exchanges of delivered items and customer profile address edits."""

from __future__ import annotations

from decimal import Decimal

from psycopg.types.json import Jsonb

from tools.connectors.sandbox.base import Row, SandboxBase
from tools.contracts.domain import Address
from tools.contracts.errors import ConnectorError, InvalidInput, NotFound
from tools.schemas import ExchangeItemsOutput, ExchangeLine, UpdateProfileAddressOutput


async def _new_product(system: SandboxBase, old_sku: str, new_sku: str) -> Row:
    """The new variant: the same product as the old one, another option, still sold."""
    rows = await system.all("SELECT * FROM sandbox.products WHERE sku IN (%s, %s)", (old_sku, new_sku))
    found = {r["sku"]: r for r in rows}
    if new_sku not in found:
        raise NotFound(f"no product {new_sku}", sku=new_sku)
    new = found[new_sku]
    if new_sku == old_sku:
        raise ConnectorError(f"{new_sku} is the item already delivered", reason="same_variant")
    if old_sku in found and found[old_sku]["product_id"] != new["product_id"]:
        raise ConnectorError(f"{new_sku} is another product than {old_sku}; an exchange keeps the product",
                             reason="different_product")
    if not new["available"]:
        raise ConnectorError(f"{new_sku} is not sold any more", reason="product_unavailable")
    return new


async def _reserve_anywhere(system: SandboxBase, sku: str) -> None:
    moved = await system.one(
        "UPDATE sandbox.inventory SET reserved = reserved + 1 WHERE (warehouse_id, sku) = ("
        " SELECT warehouse_id, sku FROM sandbox.inventory WHERE sku = %s AND on_hand - reserved >= 1"
        " ORDER BY on_hand - reserved DESC, warehouse_id LIMIT 1) RETURNING warehouse_id", (sku,))
    if moved is None:
        raise ConnectorError(f"{sku} is out of stock in every warehouse", reason="out_of_stock", sku=sku)


async def exchange_items(system: SandboxBase, order_id: str, lines: list[ExchangeLine], payment_method_id: str,
                         idempotency_key: str | None) -> ExchangeItemsOutput:
    order = await system.order_row(order_id, act=True)
    if order["status"] != "delivered":
        raise ConnectorError(f"order {order_id} is {order['status']}; only delivered orders are exchanged",
                             reason="not_delivered")
    customer = await system.one("SELECT payment_methods FROM sandbox.customers WHERE id = %s",
                                (order["customer_id"],))
    if customer is None or payment_method_id not in {m["id"] for m in customer["payment_methods"]}:
        raise ConnectorError(f"payment method {payment_method_id} is not one of the customer's",
                             reason="unknown_payment_method")
    on_order = {ln["line_no"]: ln for ln in await system.lines(order_id)}
    difference, old_skus = Decimal("0"), []
    for wanted in lines:
        line = on_order.get(wanted.line_no)
        if line is None:
            raise InvalidInput(f"order {order_id} has no line {wanted.line_no}")
        new = await _new_product(system, line["sku"], wanted.new_sku)
        await _reserve_anywhere(system, wanted.new_sku)
        difference += (new["price"] - line["unit_price"]) * line["quantity"]
        old_skus.append(line["sku"])
    row = await system.one(
        "INSERT INTO sandbox.exchanges (order_id, customer_id, lines, payment_method_id, price_difference,"
        " idempotency_key, created_at) VALUES (%s, %s, %s, %s, %s, %s, %s) RETURNING id",
        (order_id, order["customer_id"], Jsonb([ln.model_dump() for ln in lines]), payment_method_id, difference,
         idempotency_key, system.now))
    assert row is not None
    await system.conn.execute(
        "UPDATE sandbox.orders SET tags = array_append(tags, 'exchange_requested'), updated_at = %s WHERE id = %s",
        (system.now, order_id))
    return ExchangeItemsOutput(exchange_id=f"ex_{row['id']}", order_id=order_id, lines=lines, old_skus=old_skus,
                               price_difference=difference, payment_method_id=payment_method_id,
                               status="exchange_requested")


async def update_profile_address(system: SandboxBase, customer_id: str, address: Address) -> UpdateProfileAddressOutput:
    if system.actor is not None and customer_id != system.actor:
        raise ConnectorError(f"customer {customer_id} is not the customer acting ({system.actor})",
                             reason="not_this_customer")
    row = await system.one("SELECT address FROM sandbox.customers WHERE id = %s FOR UPDATE", (customer_id,))
    if row is None:
        raise NotFound(f"no customer {customer_id}")
    previous = Address.model_validate(row["address"]) if row["address"] else None
    if previous is not None and address.country != previous.country:
        raise ConnectorError(f"the profile is in {previous.country}; a change of country is not allowed",
                             reason="country_change")
    await system.conn.execute("UPDATE sandbox.customers SET address = %s WHERE id = %s",
                              (Jsonb(address.model_dump(mode="json")), customer_id))
    return UpdateProfileAddressOutput(customer_id=customer_id, previous=previous, address=address)
