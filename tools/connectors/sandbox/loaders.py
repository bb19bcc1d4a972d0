"""Loaders: a world from our JSON format, and a world from the tau2-bench retail database."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

from pydantic import ValidationError

from tools.connectors.sandbox import catalog
from tools.connectors.sandbox.world import (
    Address,
    Customer,
    Fulfillment,
    InventoryRow,
    Order,
    OrderLine,
    Payment,
    PaymentMethod,
    Product,
    World,
)
from tools.contracts.errors import InvalidInput

TAU2_NOW = datetime(2024, 5, 15, 15, 0, tzinfo=UTC)
# tau2 statuses -> ours. "processed" orders carry tracking ids: they left the warehouse.
TAU2_STATUS = {"pending": "pending", "processed": "shipped", "delivered": "delivered", "cancelled": "cancelled"}


def load_world_json(path: Path) -> World:
    try:
        return World.model_validate_json(path.read_bytes())
    except FileNotFoundError as exc:
        raise InvalidInput(f"no world file at {path}") from exc
    except ValidationError as exc:
        raise InvalidInput(f"{path} is not a world file: {exc.errors()[0]['msg']} at {exc.errors()[0]['loc']}") from exc


def _tau2_address(raw: dict) -> Address:
    country = raw.get("country", "US")
    return Address(line1=raw["address1"], line2=raw.get("address2") or None, city=raw["city"], state=raw["state"],
                   zip=raw["zip"], country="US" if country in ("USA", "US") else country)


def load_tau2(path: Path) -> World:
    """Every tau2 user, order and product, with payments and fulfillments derived from the order."""
    try:
        db = json.loads(path.read_text())
        users, orders, products = db["users"], db["orders"], db["products"]
    except (OSError, json.JSONDecodeError, KeyError) as exc:
        raise InvalidInput(f"{path} is not a tau2-bench retail db.json ({exc})") from exc
    world = World(name=f"tau2:{path.name}", now=TAU2_NOW, warehouses=[catalog.WAREHOUSES[0]])
    for product in products.values():
        for variant in product["variants"].values():
            world.products.append(Product(sku=variant["item_id"], product_id=product["product_id"],
                                          name=product["name"], price=Decimal(str(variant["price"])),
                                          options={k: str(v) for k, v in variant["options"].items()},
                                          available=bool(variant["available"])))
            world.inventory.append(InventoryRow(warehouse_id="WH-EAST", sku=variant["item_id"],
                                                on_hand=25 if variant["available"] else 0))
    for user in users.values():
        methods = [PaymentMethod(id=m["id"], source=m["source"], brand=m.get("brand"), last4=m.get("last_four"),
                                 balance=Decimal(str(m["balance"])) if m.get("balance") is not None else None)
                   for m in user["payment_methods"].values()]
        world.customers.append(Customer(id=user["user_id"], email=user["email"],
                                        first_name=user["name"]["first_name"], last_name=user["name"]["last_name"],
                                        address=_tau2_address(user["address"]), payment_methods=methods,
                                        created_at=TAU2_NOW - timedelta(days=365)))
    for index, raw in enumerate(orders.values()):
        _tau2_order(world, raw, TAU2_NOW - timedelta(hours=6 + index))
    return world


def _tau2_order(world: World, raw: dict, created: datetime) -> None:
    status = TAU2_STATUS.get(raw["status"], "pending")
    lines = [OrderLine(line_no=i + 1, sku=item["item_id"], name=item["name"], unit_price=Decimal(str(item["price"])),
                       options={k: str(v) for k, v in item["options"].items()}) for i, item in enumerate(raw["items"])]
    total = sum((ln.unit_price for ln in lines), Decimal("0"))
    order = Order(id=raw["order_id"], customer_id=raw["user_id"], status=status, source_status=raw["status"],
                  subtotal=total, total=total, shipping_address=_tau2_address(raw["address"]), created_at=created,
                  updated_at=created, lines=lines)
    world.orders.append(order)
    paid = [p for p in raw.get("payment_history", []) if p["transaction_type"] == "payment"]
    refunded = sum((Decimal(str(p["amount"])) for p in raw.get("payment_history", [])
                    if p["transaction_type"] == "refund"), Decimal("0"))
    for n, entry in enumerate(paid):
        amount = Decimal(str(entry["amount"]))
        world.payments.append(Payment(
            id=f"pay_{raw['order_id'].lstrip('#')}_{n}", order_id=order.id, method=entry["payment_method_id"],
            status="captured" if status != "pending" else "authorized", amount=amount,
            amount_captured=amount if status != "pending" else Decimal("0"),
            amount_refunded=min(refunded, amount) if n == 0 else Decimal("0"), authorized_at=created,
            auth_expires_at=created + timedelta(days=7), created_at=created))
    for n, fulfillment in enumerate(raw.get("fulfillments", [])):
        shipped = status in ("shipped", "delivered")
        world.fulfillments.append(Fulfillment(
            id=f"ful_{raw['order_id'].lstrip('#')}_{n}", order_id=order.id, warehouse_id="WH-EAST",
            status="delivered" if status == "delivered" else ("handed_off" if shipped else "pending"),
            carrier="ups", tracking_number=(fulfillment.get("tracking_id") or [None])[0],
            skus=list(fulfillment.get("item_ids", [])), handed_off_at=created if shipped else None,
            label_created_at=created if shipped else None, created_at=created))
