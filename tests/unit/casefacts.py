"""Builders of gathered case facts (the READ tools' outputs) for guardrail and playbook tests."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from copilot.core.models import Category, Signal, SignalKind, SignalSource
from copilot.decide.plan import AddressCheck, CaseState
from tools import schemas as s
from tools.contracts.domain import Address

NOW = datetime(2024, 5, 15, 15, 0, tzinfo=UTC)
HOME = Address(line1="350 5th Ave", line2="Apt 4B", city="New York", state="NY", zip="10001")
EMAIL = "ava.garcia@example.com"


def line(no: int, price: str, sku: str | None = None, name: str = "Trail Running Shoe", qty: int = 1,
         ) -> s.LineSnapshot:
    return s.LineSnapshot(line_no=no, sku=sku or f"SKU-{no:03d}-M", name=name, quantity=qty,
                          unit_price=Decimal(price), status="open")


def fulfillment(status: str = "pending", *, cutoff_in_h: float = 5, carrier: str = "ups", intercepts: int = 0,
                skus: list[str] | None = None, tracking: str | None = None) -> s.FulfillmentSnapshot:
    labelled = status in ("label_created", "handed_off", "delivered")
    return s.FulfillmentSnapshot(
        id="ful_1001", warehouse_id="WH-EAST", status=status, carrier=carrier, service="ground",
        tracking_number=tracking or ("1Z999000111" if labelled else None), skus=skus or ["SKU-001-M"],
        cutoff_at=NOW + timedelta(hours=cutoff_in_h), label_created_at=NOW - timedelta(hours=30) if labelled else None,
        handed_off_at=NOW - timedelta(hours=20) if status in ("handed_off", "delivered") else None,
        delivered_at=NOW - timedelta(hours=2) if status == "delivered" else None, intercept_count=intercepts)


def order(status: str = "pending", lines: list[s.LineSnapshot] | None = None, *, customer_id: str = "C1",
          hold: str | None = None, risk: tuple[str, str] = ("low", "accept"), promised_in_h: float | None = 72,
          fulfillments: list[s.FulfillmentSnapshot] | None = None, address: Address = HOME) -> s.LookupOrderOutput:
    lines = lines or [line(1, "45.00")]
    total = sum((ln.unit_price * ln.quantity for ln in lines), Decimal("0"))
    snap = s.OrderSnapshot(
        id="#1001", customer_id=customer_id, status=status, currency="USD", subtotal=total,
        shipping_total=Decimal("0"), total=total, shipping_address=address, risk_level=risk[0],
        risk_recommendation=risk[1], risk_rules=[], hold_reason=hold, tags=[], cancel_reason=None,
        created_at=NOW - timedelta(hours=10),
        promised_by=NOW + timedelta(hours=promised_in_h) if promised_in_h is not None else None, lines=lines)
    fstatus = {"pending": "pending", "processing": "picking", "label_created": "label_created",
               "shipped": "handed_off", "delivered": "delivered", "cancelled": "cancelled"}[status]
    return s.LookupOrderOutput(order=snap, fulfillments=fulfillments if fulfillments is not None
                               else [fulfillment(fstatus, skus=[ln.sku for ln in lines])])


def customer(*, vip: bool = False, claims_90d: int = 0, fulfilled: int = 3, disputes: int = 0,
             email: str = EMAIL, customer_id: str = "C1", previous: list[Address] | None = None,
             ) -> s.LookupCustomerOutput:
    return s.LookupCustomerOutput(
        id=customer_id, email=email, name="Ava Garcia", vip=vip, lifetime_value=Decimal("640.00"), address=HOME,
        previous_addresses=previous or [], orders_count=fulfilled + 1, fulfilled_orders=fulfilled,
        open_orders=["#1001"], claims_90d=claims_90d, disputes_total=disputes, open_disputes=0,
        payment_methods_last4=["4242"])


def payment(*, status: str = "authorized", amount: str = "45.00", captured: str = "0", refunded: str = "0",
            decline: str | None = None, retries: int = 0, last_retry_ago_min: float | None = None,
            auth_expires_in_h: float | None = 120, avs: str = "match", cvv: str = "match",
            open_dispute: bool = False) -> s.LookupPaymentOutput:
    snap = s.PaymentSnapshot(
        id="pi_1001", status=status, method="card", brand="visa", last4="4242", amount=Decimal(amount),
        amount_captured=Decimal(captured), amount_refunded=Decimal(refunded), decline_code=decline,
        decline_type=s.decline_type(decline), avs_result=avs, cvv_result=cvv, authorized_at=NOW - timedelta(hours=10),
        auth_expires_at=NOW + timedelta(hours=auth_expires_in_h) if auth_expires_in_h is not None else None,
        retry_count=retries,
        last_retry_at=NOW - timedelta(minutes=last_retry_ago_min) if last_retry_ago_min is not None else None)
    disputes = [s.DisputeSnapshot(id="dp_1001", payment_id="pi_1001", reason="fraudulent", status="needs_response",
                                  amount=Decimal(amount), due_by=NOW + timedelta(days=5))] if open_dispute else []
    cap, ref = Decimal(captured), Decimal(refunded)
    return s.LookupPaymentOutput(order_id="#1001", payments=[snap], captured=cap, refunded=ref,
                                 refundable=cap - ref, disputes=disputes, open_dispute=open_dispute)


def fraud(*, level: str = "medium", value: str = "45.00", avs: str = "match", cvv: str = "match",
          fulfilled: int = 2, disputes: int = 0) -> s.AssessFraudSignalsOutput:
    return s.AssessFraudSignalsOutput(
        order_id="#1001", order_value=Decimal(value), risk_level=level, risk_recommendation="investigate",
        risk_rules=["billing_shipping_mismatch"], avs_result=avs, cvv_result=cvv, customer_fulfilled_orders=fulfilled,
        customer_disputes=disputes, shipping_matches_customer_address=True)


def validated(address: Address, *, valid: bool = True, po_box: bool = False, missing_unit: bool = False,
              issues: list[str] | None = None) -> AddressCheck:
    return AddressCheck(address=address, result=s.ValidateAddressOutput(
        valid=valid, validated=True, normalized=address if valid else None, issues=issues or [], po_box=po_box,
        carrier_delivers_po_box=None, has_unit=address.line2 is not None, missing_unit=missing_unit, reason=None if valid else "; ".join(issues or ["does not validate"])))


def shipment(status: str, detail: str | None = None, message: str | None = None, *, hours_ago: float = 3,
             carrier: str = "ups") -> s.TrackShipmentOutput:
    event = s.TrackingEventOut(status=status, status_detail=detail, message=message, location="New York, NY",
                               occurred_at=NOW - timedelta(hours=hours_ago))
    return s.TrackShipmentOutput(order_id="#1001", shipments=[s.Shipment(
        fulfillment_id="ful_1001", tracking_number="1Z999000111", carrier=carrier, status=status, last_event=event,
        delivered_at=event.occurred_at if status == "delivered" else None, events=[event])])


def stock(sku: str, **by_warehouse: int) -> s.LocateInventoryOutput:
    rows = [s.StockAt(warehouse_id=w.replace("_", "-"), on_hand=n, reserved=0, available=n)
            for w, n in by_warehouse.items()]
    return s.LocateInventoryOutput(sku=sku, stock=rows, total_available=sum(r.available for r in rows),
                                   warehouses_with_quantity=[r.warehouse_id for r in rows if r.available > 0])


def signal(kind: SignalKind = SignalKind.ticket, **fields: Any) -> Signal:
    fields.setdefault("customer_email", EMAIL)
    fields.setdefault("order_id", "#1001")
    source = SignalSource.zendesk if kind is SignalKind.ticket else SignalSource.shopify
    return Signal(source=source, source_event_id="evt-1", kind=kind, occurred_at=NOW - timedelta(minutes=20),
                  **fields)


def case(category: Category = Category.change_request, **facts: Any) -> CaseState:
    """A case about order #1001 of customer C1 with the usual facts; keyword arguments replace any of them."""
    base: dict[str, Any] = {
        "case_id": 1, "category": category, "now": NOW, "signal": signal(), "ticket_id": "T50001",
        "order": order(), "customer": customer(), "payment": payment(),
    }
    base.update(facts)
    return CaseState(**base)
