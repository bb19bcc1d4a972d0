"""OWNER tools: hand a case to an owner outside the desk, and build a chargeback evidence pack."""

from __future__ import annotations

from tools.base import ToolDeps, ToolKind, tool
from tools.connectors.protocols import DisputeEvidence
from tools.contracts.errors import InvalidInput
from tools.read import track_shipment
from tools.schemas import (
    AssembleDisputeEvidenceInput,
    AssembleDisputeEvidenceOutput,
    EscalateCaseInput,
    EscalateCaseOutput,
    TrackShipmentInput,
)


@tool(ToolKind.OWNER)
async def escalate_case(deps: ToolDeps, args: EscalateCaseInput) -> EscalateCaseOutput:
    """Make an owner outside the desk (lead, finance, risk, 3PL, ops) responsible for this case."""
    if deps.case_id is None or deps.case_log is None:
        raise InvalidInput("escalate_case needs the case it runs for")
    level = await deps.case_log.hand_to(args.owner, args.reason)
    return EscalateCaseOutput(case_id=deps.case_id, owner=args.owner, escalation_level=level)


@tool(ToolKind.OWNER)
async def assemble_dispute_evidence(deps: ToolDeps, args: AssembleDisputeEvidenceInput
                                    ) -> AssembleDisputeEvidenceOutput:
    """Gather what answers a chargeback: the order, payment, tracking and delivery proof, and our messages."""
    dispute = await deps.connectors.psp.dispute(args.order_id, args.dispute_id)
    order = await deps.connectors.storefront.get_order(args.order_id)
    payments = await deps.connectors.psp.payments(args.order_id)
    payment = next(p for p in payments.payments if p.id == dispute.payment_id)
    shipments = (await track_shipment(deps, TrackShipmentInput(order_id=args.order_id))).shipments
    delivered = [e for s in shipments for e in s.events if e.status == "delivered"]
    delivered_at = max((s.delivered_at for s in shipments if s.delivered_at), default=None)
    place = f"{order.shipping_address.city}, {order.shipping_address.state}".lower()
    to_address = any(e.location and e.location.lower() == place for e in delivered)
    customer = await deps.connectors.storefront.get_customer(order.customer_id)
    messages = await deps.connectors.helpdesk.messages(args.order_id)
    proof = f"delivered {delivered_at:%Y-%m-%d} to {place}" if delivered_at else "no delivery scan"
    summary = (f"Dispute {dispute.id} ({dispute.reason}) for {dispute.amount} on order {order.id}, "
               f"{order.status}; {proof}; {len(messages)} messages to the customer.")
    out = AssembleDisputeEvidenceOutput(
        dispute=dispute, order=order, payment=payment, shipments=shipments, delivered_at=delivered_at,
        delivered_to_order_address=to_address, messages=messages, customer_email=customer.email, summary=summary)
    psp = deps.connectors.psp
    if isinstance(psp, DisputeEvidence) and deps.idempotency_key is not None:
        # A connected PSP (Stripe) gets the pack as staged evidence (submit=false). It goes to the bank
        # (submit=true) only when the approved plan says `submit`: the person approving read that it would.
        await psp.update_dispute_evidence(dispute.id, stripe_evidence(out), submit=False)
        out = out.model_copy(update={"evidence_staged": True})
        if args.submit:
            sent = await psp.submit_dispute_evidence(dispute.id)
            out = out.model_copy(update={"evidence_submitted": "submitted" if sent else "recorded_in_shadow"})
    return out


def stripe_evidence(pack: AssembleDisputeEvidenceOutput) -> dict[str, str]:
    """The pack in Stripe's evidence fields (only those the facts fill)."""
    a = pack.order.shipping_address
    shipped = next((s for s in pack.shipments if s.tracking_number), None)
    fields = {"customer_email_address": pack.customer_email, "uncategorized_text": pack.summary,
              "shipping_address": ", ".join(p for p in (a.line1, a.line2, a.city, a.state, a.zip, a.country) if p),
              "shipping_tracking_number": shipped.tracking_number if shipped else None,
              "shipping_carrier": shipped.carrier if shipped else None}
    return {k: str(v) for k, v in fields.items() if v}
