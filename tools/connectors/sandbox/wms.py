"""The sandbox 3PL / WMS: stock per warehouse, splits, reships, and carrier intercepts with fees and a cap."""

from __future__ import annotations

from decimal import Decimal

from psycopg.types.json import Jsonb

from tools.connectors.sandbox.base import Row, SandboxBase
from tools.contracts.domain import Address
from tools.contracts.errors import ConnectorError, InvalidInput, NotFound
from tools.schemas import (
    FulfillmentSnapshot,
    InterceptShipmentOutput,
    LocateInventoryOutput,
    RerouteShipmentOutput,
    ReshipOrderOutput,
    SplitShipmentOutput,
    StockAt,
    Variant,
)

# What the carrier bills to pull back or redirect a parcel it already holds, and how often it will.
CARRIER_FEE = Decimal("15.00")
MAX_INTERCEPTS_PER_ORDER = 2
OPEN = ("pending", "picking")

# A SKU's stock per warehouse (whole numbers, exact in JSON) beside its product family, so an exchange can name
# another size or colour in stock: one statement, at least one row (variant columns NULL when it has no product).
_STOCK_AND_VARIANTS = (
    "SELECT s.stock, p.sku, p.options, p.price, p.available AS sold,"
    " coalesce((SELECT sum(greatest(i.on_hand - i.reserved, 0)) FROM sandbox.inventory i"
    "  WHERE i.sku = p.sku), 0)::int AS available"
    " FROM (SELECT coalesce(jsonb_agg(jsonb_build_object('warehouse_id', warehouse_id, 'on_hand', on_hand,"
    "   'reserved', reserved) ORDER BY warehouse_id), '[]') AS stock"
    "   FROM sandbox.inventory WHERE sku = %(sku)s) s"
    " LEFT JOIN sandbox.products p ON p.product_id = (SELECT product_id FROM sandbox.products WHERE sku = %(sku)s)"
    " ORDER BY p.sku")


def fulfillment_snapshot(f: Row) -> FulfillmentSnapshot:
    return FulfillmentSnapshot(
        id=f["id"], warehouse_id=f["warehouse_id"], status=f["status"], carrier=f["carrier"], service=f["service"],
        tracking_number=f["tracking_number"], skus=list(f["skus"]), cutoff_at=f["cutoff_at"],
        label_created_at=f["label_created_at"], handed_off_at=f["handed_off_at"], delivered_at=f["delivered_at"],
        intercept_count=f["intercept_count"])


class SandboxWMS(SandboxBase):
    async def fulfillments(self, order_id: str) -> list[FulfillmentSnapshot]:
        rows = await self.fulfillment_rows(order_id)
        if not rows:
            await self.order_row(order_id)  # no fulfillment yet, or no such order (NotFound)
        return [fulfillment_snapshot(f) for f in rows]

    async def locate(self, sku: str, quantity: int) -> LocateInventoryOutput:
        rows = await self.all(_STOCK_AND_VARIANTS, {"sku": sku})
        if not rows[0]["stock"]:
            raise NotFound(f"no stock record for {sku}", sku=sku)
        stock = [StockAt(warehouse_id=r["warehouse_id"], on_hand=r["on_hand"], reserved=r["reserved"],
                         available=max(r["on_hand"] - r["reserved"], 0)) for r in rows[0]["stock"]]
        variants = [Variant.model_validate({k: r[k] for k in ("sku", "options", "price", "sold", "available")})
                    for r in rows if r["sku"] is not None]
        return LocateInventoryOutput(sku=sku, stock=stock, total_available=sum(s.available for s in stock),
                                     warehouses_with_quantity=[s.warehouse_id for s in stock if s.available >= quantity],
                                     variants=variants)

    async def _reserve(self, warehouse: str, sku: str, qty: int) -> None:
        moved = await self.one(
            "UPDATE sandbox.inventory SET reserved = reserved + %s WHERE warehouse_id = %s AND sku = %s"
            " AND on_hand - reserved >= %s RETURNING sku", (qty, warehouse, sku, qty))
        if moved is None:
            raise ConnectorError(f"{sku} is out of stock at {warehouse}", reason="out_of_stock", sku=sku)

    async def _chosen_lines(self, order_id: str, line_nos: list[int]) -> tuple[list[Row], list[Row]]:
        lines = await self.lines(order_id)
        unknown = set(line_nos) - {ln["line_no"] for ln in lines}
        if unknown:
            raise InvalidInput(f"order {order_id} has no line {sorted(unknown)[0]}")
        return [ln for ln in lines if ln["line_no"] in line_nos], [ln for ln in lines if ln["line_no"] not in line_nos]

    async def split(self, order_id: str, ship_now_line_nos: list[int]) -> SplitShipmentOutput:
        order = await self.order_row(order_id, act=True)
        rows = await self.refuse_unless_editable(order, "split it")
        now_lines, later_lines = await self._chosen_lines(order_id, ship_now_line_nos)
        if not later_lines:
            raise InvalidInput(f"splitting {order_id} needs at least one line left for later")
        current = next((f for f in rows if f["status"] in OPEN), None)
        if current is None:
            raise ConnectorError(f"order {order_id} has no open fulfillment to split", reason="no_open_fulfillment")
        for ln in now_lines:
            await self._reserve(current["warehouse_id"], ln["sku"], ln["quantity"])
        now_skus, later_skus = [ln["sku"] for ln in now_lines], [ln["sku"] for ln in later_lines]
        later_id = f"{current['id']}_b{len(rows)}"
        await self.conn.execute("UPDATE sandbox.fulfillments SET skus = %s WHERE id = %s", (now_skus, current["id"]))
        await self.conn.execute(
            "INSERT INTO sandbox.fulfillments (id, order_id, warehouse_id, status, carrier, service, skus, created_at)"
            " VALUES (%s, %s, %s, 'pending', %s, %s, %s, %s)",
            (later_id, order_id, current["warehouse_id"], current["carrier"], current["service"], later_skus, self.now))
        return SplitShipmentOutput(order_id=order_id, ship_now_fulfillment_id=current["id"],
                                   later_fulfillment_id=later_id, ship_now_skus=now_skus, later_skus=later_skus)

    async def _warehouse_with(self, lines: list[Row], preferred: str | None) -> str:
        """The preferred warehouse if it holds every line, else the first that does."""
        houses = [r["id"] for r in await self.all("SELECT id FROM sandbox.warehouses ORDER BY id")]
        for wh in ([preferred] if preferred else []) + houses:
            enough = True
            for ln in lines:
                r = await self.one("SELECT on_hand - reserved AS a FROM sandbox.inventory WHERE warehouse_id = %s"
                                   " AND sku = %s", (wh, ln["sku"]))
                enough = enough and r is not None and r["a"] >= ln["quantity"]
            if enough:
                return wh
        raise ConnectorError("no warehouse holds every item to reship", reason="out_of_stock")

    async def reship(self, order_id: str, line_nos: list[int], reason: str) -> ReshipOrderOutput:
        order = await self.order_row(order_id, act=True)
        if order["status"] not in ("shipped", "delivered"):
            raise ConnectorError(f"order {order_id} is {order['status']}; only a shipped order can be reshipped",
                                 reason="order_not_shipped")
        lines, _ = await self._chosen_lines(order_id, line_nos)
        rows = await self.fulfillment_rows(order_id)
        warehouse = await self._warehouse_with(lines, rows[0]["warehouse_id"] if rows else None)
        for ln in lines:
            await self._reserve(warehouse, ln["sku"], ln["quantity"])
        carriers = await self.one("SELECT carriers FROM sandbox.warehouses WHERE id = %s", (warehouse,))
        assert carriers is not None
        fid = f"ful_{order_id.lstrip('#')}_r{len(rows)}"
        skus = [ln["sku"] for ln in lines]
        await self.conn.execute(
            "INSERT INTO sandbox.fulfillments (id, order_id, warehouse_id, status, carrier, skus, created_at)"
            " VALUES (%s, %s, %s, 'pending', %s, %s, %s)", (fid, order_id, warehouse, carriers["carriers"][0], skus,
                                                            self.now))
        await self.conn.execute("UPDATE sandbox.orders SET tags = array_append(tags, %s), updated_at = %s WHERE id = %s",
                                (f"reship:{reason}", self.now, order_id))
        cost = sum((ln["unit_price"] * ln["quantity"] for ln in lines), Decimal("0"))
        return ReshipOrderOutput(order_id=order_id, fulfillment_id=fid, warehouse_id=warehouse, skus=skus, cost=cost)

    async def _parcel(self, order_id: str, action: str) -> tuple[Row, int]:
        """The labelled, undelivered parcel of an order, and how many carrier interventions it already used."""
        await self.order_row(order_id, act=True)
        rows = await self.fulfillment_rows(order_id)
        used = sum(f["intercept_count"] for f in rows)
        moving = [f for f in rows if f["status"] in ("label_created", "handed_off")]
        if not moving:
            if any(f["status"] == "delivered" for f in rows):
                raise ConnectorError(f"order {order_id} is already delivered; cannot {action}", reason="already_delivered")
            raise ConnectorError(f"order {order_id} has no parcel with the carrier; edit or cancel the order instead",
                                 reason="not_shipped_yet")
        return moving[-1], used

    async def _charge(self, order_id: str, parcel: Row, used: int, kind: str) -> tuple[Decimal, int]:
        if parcel["status"] != "handed_off":
            return Decimal("0"), used
        if used >= MAX_INTERCEPTS_PER_ORDER:
            raise ConnectorError(f"order {order_id} already used {used} carrier interventions (cap {MAX_INTERCEPTS_PER_ORDER})",
                                 reason="intercept_cap_reached")
        await self.conn.execute("UPDATE sandbox.fulfillments SET intercept_count = intercept_count + 1 WHERE id = %s",
                                (parcel["id"],))
        await self.conn.execute(
            "INSERT INTO sandbox.carrier_charges (order_id, fulfillment_id, kind, amount, created_at)"
            " VALUES (%s, %s, %s, %s, %s)", (order_id, parcel["id"], kind, CARRIER_FEE, self.now))
        return CARRIER_FEE, used + 1

    async def intercept(self, order_id: str, reason: str) -> InterceptShipmentOutput:
        parcel, used = await self._parcel(order_id, "intercept it")
        cost, used = await self._charge(order_id, parcel, used, "intercept")
        # Before handoff the label is voided at the dock; after it the carrier returns the parcel to sender.
        status = "returned" if parcel["status"] == "handed_off" else "cancelled"
        await self.conn.execute("UPDATE sandbox.fulfillments SET status = %s WHERE id = %s", (status, parcel["id"]))
        if parcel["tracking_number"]:
            await self.conn.execute(
                "INSERT INTO sandbox.tracking_events (tracking_number, carrier, status, status_detail, message,"
                " occurred_at) VALUES (%s, %s, 'return_to_sender', 'intercepted', %s, %s)",
                (parcel["tracking_number"], parcel["carrier"], f"Intercept requested: {reason}", self.now))
        await self.conn.execute("UPDATE sandbox.orders SET hold_reason = 'intercepted', updated_at = %s WHERE id = %s",
                                (self.now, order_id))
        return InterceptShipmentOutput(order_id=order_id, fulfillment_id=parcel["id"], cost=cost, intercept_count=used,
                                       intercepts_left=MAX_INTERCEPTS_PER_ORDER - used)

    async def reroute(self, order_id: str, address: Address) -> RerouteShipmentOutput:
        parcel, used = await self._parcel(order_id, "reroute it")
        order = await self.order_row(order_id, act=True)
        if address.country != order["shipping_address"].get("country", "US"):
            raise ConnectorError(f"order {order_id} cannot be rerouted to another country", reason="country_change")
        cost, used = await self._charge(order_id, parcel, used, "reroute")
        await self.conn.execute("UPDATE sandbox.orders SET shipping_address = %s, updated_at = %s WHERE id = %s",
                                (Jsonb(address.model_dump(mode="json")), self.now, order_id))
        return RerouteShipmentOutput(order_id=order_id, fulfillment_id=parcel["id"], address=address, cost=cost,
                                     intercept_count=used, intercepts_left=MAX_INTERCEPTS_PER_ORDER - used)
