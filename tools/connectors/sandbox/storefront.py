"""The sandbox storefront / OMS on the `sandbox` schema: orders, customers, holds, edits, store credit."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from psycopg.types.json import Jsonb

from tools.connectors.sandbox import exchanges
from tools.connectors.sandbox.base import Row, SandboxBase
from tools.contracts.domain import Address
from tools.contracts.errors import ConnectorError, InvalidInput, NotFound
from tools.schemas import (
    CancelOrderOutput,
    ExchangeItemsOutput,
    ExchangeLine,
    HoldOrderOutput,
    IssueStoreCreditOutput,
    LineSnapshot,
    LookupCustomerOutput,
    OrderSnapshot,
    PaymentMethodOut,
    ReleaseHoldOutput,
    SubstituteItemOutput,
    UpdateAddressOutput,
    UpdateProfileAddressOutput,
)


def _addresses(row: Row) -> list[Address]:
    """Addresses the customer shipped to, then their profile address if it is not among them."""
    found: list[Address] = []
    for raw in [*row["addresses"], row["address"]]:
        if raw:
            address = Address.model_validate(raw)
            if address not in found:
                found.append(address)
    return found


def order_snapshot(row: Row, lines: list[Row]) -> OrderSnapshot:
    return OrderSnapshot(
        id=row["id"], customer_id=row["customer_id"], status=row["status"], currency=row["currency"],
        subtotal=row["subtotal"], shipping_total=row["shipping_total"], total=row["total"],
        shipping_address=Address.model_validate(row["shipping_address"]), risk_level=row["risk_level"],
        risk_recommendation=row["risk_recommendation"], risk_rules=list(row["risk_rules"]),
        hold_reason=row["hold_reason"], tags=list(row["tags"]), cancel_reason=row["cancel_reason"],
        created_at=row["created_at"], promised_by=row["promised_by"],
        lines=[LineSnapshot(line_no=ln["line_no"], sku=ln["sku"], name=ln["name"], quantity=ln["quantity"],
                            unit_price=ln["unit_price"], status=ln["status"]) for ln in lines],
    )


# The order and its lines in one statement: one row per line (the order's columns repeated), one with no line
# columns when it has none. Half the statements of facts were order reads in two (bench/profile_triage.py).
_ORDER_WITH_LINES = (
    "SELECT o.*, l.line_no AS line_no, l.sku AS line_sku, l.name AS line_name, l.quantity AS line_quantity,"
    " l.unit_price AS line_unit_price, l.status AS line_status"
    " FROM sandbox.orders o LEFT JOIN sandbox.order_lines l ON l.order_id = o.id WHERE o.id = %s ORDER BY l.line_no")


class SandboxStorefront(SandboxBase):
    async def get_order(self, order_id: str) -> OrderSnapshot:
        rows = await self.all(_ORDER_WITH_LINES, (order_id,))
        if not rows:
            raise NotFound(f"no order {order_id}", order_id=order_id)
        lines = [{"line_no": r["line_no"], "sku": r["line_sku"], "name": r["line_name"], "quantity": r["line_quantity"],
                  "unit_price": r["line_unit_price"], "status": r["line_status"]}
                 for r in rows if r["line_no"] is not None]
        return order_snapshot(rows[0], lines)

    async def _customer_row(self, customer_id: str | None, email: str | None) -> Row:
        """The customer with their order, claim and dispute counts and past addresses, in one round trip."""
        where = "c.id = %(id)s" if customer_id is not None else "lower(c.email) = lower(%(email)s)"
        row = await self.one(
            "SELECT c.*, s.n, s.fulfilled, s.open, s.addresses,"
            " (SELECT count(*) FROM sandbox.claims WHERE customer_id = c.id AND created_at >= %(since)s) AS claims,"
            " d.n AS disputes, d.open AS open_disputes"
            " FROM sandbox.customers c"
            " CROSS JOIN LATERAL (SELECT count(*) AS n,"
            "   count(*) FILTER (WHERE status IN ('shipped', 'delivered')) AS fulfilled,"
            "   coalesce(array_agg(id ORDER BY created_at DESC)"
            "     FILTER (WHERE status NOT IN ('delivered', 'cancelled')), '{}') AS open,"
            "   coalesce(jsonb_agg(DISTINCT shipping_address), '[]') AS addresses"
            "   FROM sandbox.orders WHERE customer_id = c.id) s"
            " CROSS JOIN LATERAL (SELECT count(*) AS n, count(*) FILTER (WHERE d.status NOT IN ('won', 'lost', 'closed'))"
            "   AS open FROM sandbox.disputes d JOIN sandbox.orders o ON o.id = d.order_id"
            "   WHERE o.customer_id = c.id) d"
            " WHERE " + where,
            {"id": customer_id, "email": email, "since": self.now - timedelta(days=90)})
        if row is None:
            raise NotFound(f"no customer {customer_id or email}")
        return row

    async def previous_addresses(self, customer_id: str) -> list[Address]:
        return _addresses(await self._customer_row(customer_id, None))

    async def get_customer(self, customer_id: str | None = None, email: str | None = None) -> LookupCustomerOutput:
        row = await self._customer_row(customer_id, email)
        return LookupCustomerOutput(
            id=row["id"], email=row["email"], name=f"{row['first_name']} {row['last_name']}", vip=row["vip"],
            lifetime_value=row["lifetime_value"],
            address=Address.model_validate(row["address"]) if row["address"] else None,
            previous_addresses=_addresses(row), orders_count=row["n"],
            fulfilled_orders=row["fulfilled"], open_orders=list(row["open"]), claims_90d=row["claims"],
            disputes_total=row["disputes"], open_disputes=row["open_disputes"],
            payment_methods_last4=[m["last4"] for m in row["payment_methods"] if m.get("last4")],
            payment_method_ids=[m["id"] for m in row["payment_methods"]],
            payment_methods=[PaymentMethodOut.model_validate(m) for m in row["payment_methods"]],
        )

    async def update_address(self, order_id: str, address: Address) -> UpdateAddressOutput:
        order = await self.order_row(order_id, act=True)
        await self.refuse_unless_editable(order, "change the address")
        previous = Address.model_validate(order["shipping_address"])
        if address.country != previous.country:
            raise ConnectorError(f"order {order_id} ships to {previous.country}; a change of country is not allowed",
                                 reason="country_change")
        # A hold stays until released: the plan that corrects an unverified address releases it as its own step
        # (playbooks/pre.py), as a real store's hold outlives an address edit.
        await self.conn.execute("UPDATE sandbox.orders SET shipping_address = %s, updated_at = %s WHERE id = %s",
                                (Jsonb(address.model_dump(mode="json")), self.now, order_id))
        return UpdateAddressOutput(order_id=order_id, previous=previous, address=address)

    async def hold_order(self, order_id: str, reason: str) -> HoldOrderOutput:
        order = await self.order_row(order_id, act=True)
        await self.refuse_unless_editable(order, "hold it")
        if order["hold_reason"]:
            raise ConnectorError(f"order {order_id} is already on hold ({order['hold_reason']})", reason="already_held")
        await self.conn.execute("UPDATE sandbox.orders SET hold_reason = %s, updated_at = %s WHERE id = %s",
                                (reason, self.now, order_id))
        return HoldOrderOutput(order_id=order_id, hold_reason=reason)

    async def release_hold(self, order_id: str, reason: str) -> ReleaseHoldOutput:
        order = await self.order_row(order_id, act=True)
        if not order["hold_reason"]:
            raise ConnectorError(f"order {order_id} is not on hold", reason="not_on_hold")
        if order["status"] == "cancelled":
            raise ConnectorError(f"order {order_id} is cancelled", reason="order_cancelled")
        await self.conn.execute(
            "UPDATE sandbox.orders SET hold_reason = NULL, tags = array_append(tags, 'hold_released'),"
            " updated_at = %s WHERE id = %s", (self.now, order_id))
        return ReleaseHoldOutput(order_id=order_id, released=order["hold_reason"])

    async def substitute_item(self, order_id: str, line_no: int, new_sku: str) -> SubstituteItemOutput:
        order = await self.order_row(order_id, act=True)
        fulfillments = await self.refuse_unless_editable(order, "substitute an item")
        line = next((ln for ln in await self.lines(order_id) if ln["line_no"] == line_no), None)
        if line is None:
            raise InvalidInput(f"order {order_id} has no line {line_no}")
        product = await self.one("SELECT * FROM sandbox.products WHERE sku = %s", (new_sku,))
        if product is None or not product["available"]:
            raise ConnectorError(f"product {new_sku} is not sold", reason="product_unavailable")
        warehouse = fulfillments[0]["warehouse_id"] if fulfillments else "WH-EAST"
        qty = line["quantity"]
        moved = await self.one(
            "UPDATE sandbox.inventory SET reserved = reserved + %s WHERE warehouse_id = %s AND sku = %s"
            " AND on_hand - reserved >= %s RETURNING sku", (qty, warehouse, new_sku, qty))
        if moved is None:
            raise ConnectorError(f"{new_sku} is out of stock at {warehouse}", reason="out_of_stock")
        await self.conn.execute(
            "UPDATE sandbox.inventory SET reserved = greatest(reserved - %s, 0) WHERE warehouse_id = %s AND sku = %s",
            (qty, warehouse, line["sku"]))
        await self.conn.execute(
            "UPDATE sandbox.order_lines SET sku = %s, name = %s, unit_price = %s, options = %s"
            " WHERE order_id = %s AND line_no = %s",
            (new_sku, product["name"], product["price"], Jsonb(product["options"]), order_id, line_no))
        await self.conn.execute(
            "UPDATE sandbox.fulfillments SET skus = array_replace(skus, %s, %s) WHERE order_id = %s"
            " AND status IN ('pending', 'picking')", (line["sku"], new_sku, order_id))
        difference = (product["price"] - line["unit_price"]) * qty
        await self.conn.execute(
            "UPDATE sandbox.orders SET subtotal = subtotal + %s, total = total + %s, updated_at = %s WHERE id = %s",
            (difference, difference, self.now, order_id))
        return SubstituteItemOutput(order_id=order_id, line_no=line_no, old_sku=line["sku"], new_sku=new_sku,
                                    warehouse_id=warehouse, price_difference=difference)

    async def exchange_items(self, order_id: str, lines: list[ExchangeLine], payment_method_id: str,
                             idempotency_key: str | None) -> ExchangeItemsOutput:
        return await exchanges.exchange_items(self, order_id, lines, payment_method_id, idempotency_key)

    async def update_profile_address(self, customer_id: str, address: Address) -> UpdateProfileAddressOutput:
        return await exchanges.update_profile_address(self, customer_id, address)

    async def cancel_order(self, order_id: str, reason: str) -> CancelOrderOutput:
        order = await self.order_row(order_id, act=True)
        fulfillments = await self.refuse_unless_editable(order, "cancel it")
        voided = await self._settle_payments_on_cancel(order_id)
        refunded = voided.pop("refunded")
        lines = await self.lines(order_id)
        for f in fulfillments:
            for ln in lines:
                await self.conn.execute(
                    "UPDATE sandbox.inventory SET reserved = greatest(reserved - %s, 0)"
                    " WHERE warehouse_id = %s AND sku = %s", (ln["quantity"], f["warehouse_id"], ln["sku"]))
        await self.conn.execute("UPDATE sandbox.fulfillments SET status = 'cancelled' WHERE order_id = %s", (order_id,))
        await self.conn.execute(
            "UPDATE sandbox.orders SET status = 'cancelled', cancel_reason = %s, hold_reason = NULL, updated_at = %s"
            " WHERE id = %s", (reason, self.now, order_id))
        return CancelOrderOutput(order_id=order_id, status="cancelled", voided=voided["voided"], refunded=refunded,
                                 restocked_skus=[ln["sku"] for ln in lines] if fulfillments else [])

    async def _settle_payments_on_cancel(self, order_id: str) -> dict[str, Decimal]:
        """Authorizations are voided; captured money is refunded in full."""
        voided, refunded = Decimal("0"), Decimal("0")
        for p in await self.all("SELECT * FROM sandbox.payments WHERE order_id = %s FOR UPDATE", (order_id,)):
            if p["status"] == "authorized":
                voided += p["amount"]
                await self.conn.execute("UPDATE sandbox.payments SET status = 'voided' WHERE id = %s", (p["id"],))
            left = p["amount_captured"] - p["amount_refunded"]
            if p["status"] == "captured" and left > 0:
                refunded += left
                await self.conn.execute(
                    "INSERT INTO sandbox.refunds (id, payment_id, amount, reason, created_at)"
                    " VALUES (%s, %s, %s, 'cancellation', %s)", (f"re_{p['id']}_cancel", p["id"], left, self.now))
                await self.conn.execute("UPDATE sandbox.payments SET amount_refunded = amount_captured WHERE id = %s",
                                        (p["id"],))
        return {"voided": voided, "refunded": refunded}

    async def issue_store_credit(self, order_id: str, amount: Decimal, reason: str,
                                 idempotency_key: str | None) -> IssueStoreCreditOutput:
        order = await self.order_row(order_id, act=True)
        given = await self.one("SELECT coalesce(sum(amount), 0) AS s FROM sandbox.store_credits WHERE order_id = %s",
                               (order_id,))
        assert given is not None
        if given["s"] + amount > order["total"]:
            raise ConnectorError(f"store credit on {order_id} would exceed the order total {order['total']}",
                                 reason="credit_exceeds_order", already=str(given["s"]))
        row = await self.one(
            "INSERT INTO sandbox.store_credits (customer_id, order_id, amount, reason, idempotency_key, created_at)"
            " VALUES (%s, %s, %s, %s, %s, %s) RETURNING id",
            (order["customer_id"], order_id, amount, reason, idempotency_key, self.now))
        assert row is not None
        return IssueStoreCreditOutput(credit_id=f"sc_{row['id']}", customer_id=order["customer_id"], amount=amount)
