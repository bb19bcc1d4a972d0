"""READ tools: the facts a playbook decides on. They change nothing and need no idempotency key."""

from __future__ import annotations

from tools import address as address_tool
from tools.base import ToolDeps, ToolKind, tool
from tools.contracts.errors import NotFound
from tools.embeddings import get_embedder, to_pgvector
from tools.schemas import (
    AssessFraudSignalsInput,
    AssessFraudSignalsOutput,
    FindSimilarCasesInput,
    FindSimilarCasesOutput,
    LocateInventoryInput,
    LocateInventoryOutput,
    LookupCustomerInput,
    LookupCustomerOutput,
    LookupOrderInput,
    LookupOrderOutput,
    LookupPaymentInput,
    LookupPaymentOutput,
    Shipment,
    SimilarCase,
    TrackShipmentInput,
    TrackShipmentOutput,
    ValidateAddressInput,
    ValidateAddressOutput,
)


@tool(ToolKind.READ)
async def lookup_order(deps: ToolDeps, args: LookupOrderInput) -> LookupOrderOutput:
    """The order as the storefront sees it: status, lines, totals, risk, hold, and its fulfillments."""
    order = await deps.connectors.storefront.get_order(args.order_id)
    return LookupOrderOutput(order=order, fulfillments=await deps.connectors.wms.fulfillments(args.order_id))


@tool(ToolKind.READ)
async def lookup_customer(deps: ToolDeps, args: LookupCustomerInput) -> LookupCustomerOutput:
    """A customer by id or email: VIP, lifetime value, previous addresses, claims in 90 days, disputes."""
    return await deps.connectors.storefront.get_customer(args.customer_id, args.email)


@tool(ToolKind.READ)
async def lookup_payment(deps: ToolDeps, args: LookupPaymentInput) -> LookupPaymentOutput:
    """Payments of an order: status, decline code and type, auth expiry, retries, AVS/CVV, refundable, disputes."""
    return await deps.connectors.psp.payments(args.order_id)


@tool(ToolKind.READ)
async def track_shipment(deps: ToolDeps, args: TrackShipmentInput) -> TrackShipmentOutput:
    """Every parcel of an order with its carrier scan events, latest last."""
    shipments = []
    for f in await deps.connectors.wms.fulfillments(args.order_id):
        events = await deps.connectors.carrier.events(f.tracking_number) if f.tracking_number else []
        shipments.append(Shipment(fulfillment_id=f.id, tracking_number=f.tracking_number, carrier=f.carrier,
                                  status=events[-1].status if events else f.status,
                                  last_event=events[-1] if events else None, delivered_at=f.delivered_at,
                                  events=events))
    return TrackShipmentOutput(order_id=args.order_id, shipments=shipments)


@tool(ToolKind.READ)
async def validate_address(deps: ToolDeps, args: ValidateAddressInput) -> ValidateAddressOutput:
    """Validate a US address: parse, ZIP/state/city consistency, PO box versus the carrier, missing unit."""
    history = []
    if args.order_id is not None:
        order = await deps.connectors.storefront.get_order(args.order_id)
        history = [a for a in await deps.connectors.storefront.previous_addresses(order.customer_id)
                   if a != args.address]
    result = address_tool.validate_address(args.address, history, args.carrier)
    return ValidateAddressOutput(
        valid=result.valid, validated=result.validated, normalized=result.normalized,
        issues=[str(code) for code in result.codes()], po_box=result.po_box,
        carrier_delivers_po_box=result.carrier_delivers_po_box, has_unit=result.has_unit,
        missing_unit=result.missing_unit, reason=result.reason)


@tool(ToolKind.READ)
async def locate_inventory(deps: ToolDeps, args: LocateInventoryInput) -> LocateInventoryOutput:
    """Stock of a SKU per warehouse (on hand, reserved, available) and which warehouses can ship the quantity."""
    return await deps.connectors.wms.locate(args.sku, args.quantity)


@tool(ToolKind.READ)
async def assess_fraud_signals(deps: ToolDeps, args: AssessFraudSignalsInput) -> AssessFraudSignalsOutput:
    """The facts a safe fraud-hold release needs: risk, AVS/CVV, value, the customer's history and disputes."""
    store = deps.connectors.storefront
    order = await store.get_order(args.order_id)
    payments = await deps.connectors.psp.payments(args.order_id)
    customer = await store.get_customer(order.customer_id)
    last = payments.payments[-1] if payments.payments else None
    return AssessFraudSignalsOutput(
        order_id=order.id, order_value=order.total, risk_level=order.risk_level,
        risk_recommendation=order.risk_recommendation, risk_rules=order.risk_rules,
        avs_result=last.avs_result if last else "unavailable", cvv_result=last.cvv_result if last else "unavailable",
        customer_fulfilled_orders=customer.fulfilled_orders, customer_disputes=customer.disputes_total,
        shipping_matches_customer_address=customer.address == order.shipping_address)


@tool(ToolKind.READ)
async def find_similar_cases(deps: ToolDeps, args: FindSimilarCasesInput) -> FindSimilarCasesOutput:
    """Earlier cases nearest in meaning to this case's text (or the given text), closest first."""
    if args.text is not None:
        vector = to_pgvector(get_embedder().embed([args.text])[0])
    else:
        cur = await deps.conn.execute(
            "SELECT embedding::text AS v FROM embeddings WHERE case_id = %s ORDER BY created_at DESC, id DESC LIMIT 1",
            (args.case_id,))
        row = await cur.fetchone()
        if row is None:
            raise NotFound(f"case {args.case_id} has no stored embedding; pass its text")
        vector = row["v"]
    # Nearest embeddings first, through the HNSW index, then one row per case: grouping over the whole
    # table never used the index (300 ms at 100,000 embeddings, bench/bench_similar.py; ~1 ms this way).
    nearest = max(40, args.limit * 4)  # a case may own several embeddings
    async with deps.conn.transaction():
        await deps.conn.execute("SELECT set_config('hnsw.ef_search', %s, true)", (str(nearest),))
        cur = await deps.conn.execute(
            "SELECT c.id, c.category, c.status, c.root_cause, min(n.distance) AS distance FROM ("
            " SELECT case_id, embedding <=> %s::vector AS distance FROM embeddings WHERE case_id <> %s"
            " ORDER BY embedding <=> %s::vector LIMIT %s) n JOIN cases c ON c.id = n.case_id"
            " GROUP BY c.id ORDER BY distance, c.id LIMIT %s", (vector, args.case_id, vector, nearest, args.limit))
        rows = await cur.fetchall()
    return FindSimilarCasesOutput(cases=[
        SimilarCase(case_id=r["id"], category=r["category"], status=r["status"], root_cause=r["root_cause"],
                    distance=float(r["distance"])) for r in rows])
