"""The PaymentProvider protocol on Stripe: the mirror checks and records, Stripe moves the money.

The desk's payment ids are Stripe's PaymentIntent ids (the Stripe intake stores them so). Refunds and
confirms carry an Idempotency-Key made from the tool call's key, so a retried call is replayed by Stripe,
never performed twice. Dispute evidence is staged with submit=false and submitted only on approval.
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from psycopg import AsyncConnection

from tools.connectors.config import StripeConfig
from tools.connectors.outbound import Outbound
from tools.connectors.outbox import CURRENT_CALL
from tools.connectors.sandbox.psp import SandboxPSP
from tools.connectors.stripe.client import StripeApi
from tools.connectors.uncarried import UncarriedPaymentActions
from tools.contracts.errors import ConnectorError, InvalidInput
from tools.schemas import DisputeSnapshot, RefundPaymentOutput, RetryPaymentOutput

# Our refund reasons in Stripe's three; anything else is the customer's request.
REFUND_REASONS = {"duplicate_charge": "duplicate"}
CONFIRMED = ("succeeded", "requires_capture", "processing")
ANSWERABLE = ("warning_needs_response", "needs_response")  # Stripe takes evidence only in these
EVIDENCE_FIELDS = frozenset({
    "access_activity_log", "billing_address", "cancellation_policy_disclosure", "cancellation_rebuttal",
    "customer_email_address", "customer_name", "customer_purchase_ip", "duplicate_charge_explanation",
    "product_description", "refund_policy_disclosure", "refund_refusal_explanation", "service_date",
    "shipping_address", "shipping_carrier", "shipping_date", "shipping_tracking_number", "uncategorized_text"})


def cents(amount: Decimal) -> int:
    return int((amount * 100).to_integral_value())


def vendor_key(step: str) -> str:
    call = CURRENT_CALL.get()
    if call is None:
        raise InvalidInput(f"stripe {step} needs the tool call's idempotency key")
    return f"rdc-{call.key}-{step}"


class StripePSP(UncarriedPaymentActions, SandboxPSP):
    VENDOR = "Stripe"

    def __init__(self, conn: AsyncConnection[Any], now: datetime, actor: str | None, config: StripeConfig,
                 outbound: Outbound, api: StripeApi) -> None:
        super().__init__(conn, now, actor)
        self.config, self.outbound, self.api = config, outbound, api

    async def _get(self, operation: str, path: str) -> dict[str, Any]:
        response = await self.outbound.read(self.api.request(operation, "GET", path), self.api.send)
        return response.body or {}

    async def payment_intent(self, intent_id: str) -> dict[str, Any]:
        return await self._get("payment_intents.retrieve", f"/v1/payment_intents/{intent_id}")

    async def retry_payment(self, order_id: str) -> RetryPaymentOutput:
        result = await super().retry_payment(order_id)
        intent = await self.payment_intent(result.payment_id)
        if intent.get("status") not in CONFIRMED:  # read before write: a retried confirm may have gone through
            request = self.api.request("payment_intents.confirm", "POST",
                                       f"/v1/payment_intents/{result.payment_id}/confirm", {},
                                       vendor_key("confirm"))
            response = await self.outbound.write(request, self.api.send, "confirm")
            if response is None:
                return result  # shadow
            intent = response.body or {}
        status = intent.get("status")
        if status == "requires_action":
            raise ConnectorError("Stripe: the customer's bank asks them to authenticate the payment",
                                 reason="authentication_required")
        if status not in CONFIRMED:
            error = intent.get("last_payment_error") or {}
            raise ConnectorError(f"Stripe: {error.get('message') or 'the payment was not confirmed'}",
                                 reason=error.get("decline_code") or error.get("code") or str(status))
        if not result.succeeded:  # the mirror's issuer said no, Stripe's said yes: the mirror follows Stripe
            await self.conn.execute(
                "UPDATE sandbox.payments SET status = 'authorized', decline_code = NULL, authorized_at = %s"
                " WHERE id = %s", (self.now, result.payment_id))
        return result.model_copy(update={"succeeded": True,
                                         "status": "captured" if status == "succeeded" else "authorized",
                                         "decline_code": None})

    async def refund(self, order_id: str, amount: Decimal, reason: str,
                     idempotency_key: str | None) -> RefundPaymentOutput:
        result = await super().refund(order_id, amount, reason, idempotency_key)
        params: dict[str, Any] = {"payment_intent": result.payment_id, "amount": cents(amount),
                                  "reason": REFUND_REASONS.get(reason, "requested_by_customer"),
                                  "metadata": {"order_id": order_id, "desk_reason": reason}}
        request = self.api.request("refunds.create", "POST", "/v1/refunds", params, vendor_key("refund"))
        response = await self.outbound.write(request, self.api.send, "refund")
        if response is None:
            return result
        refund = response.body or {}
        if refund.get("status") in ("failed", "canceled"):
            raise ConnectorError(f"Stripe: the refund {refund.get('id')} {refund.get('status')}"
                                 f" ({refund.get('failure_reason') or 'no reason given'})", reason="refund_failed")
        return result.model_copy(update={"refund_id": str(refund.get("id", result.refund_id))})

    async def dispute(self, order_id: str, dispute_id: str | None) -> DisputeSnapshot:
        snapshot = await super().dispute(order_id, dispute_id)
        remote = await self._get("disputes.retrieve", f"/v1/disputes/{snapshot.id}")
        due = (remote.get("evidence_details") or {}).get("due_by")
        return snapshot.model_copy(update={
            "status": remote.get("status", snapshot.status), "reason": remote.get("reason", snapshot.reason),
            "due_by": datetime.fromtimestamp(due, UTC) if due else snapshot.due_by})

    async def update_dispute_evidence(self, dispute_id: str, evidence: dict[str, str], submit: bool
                                      ) -> dict[str, Any] | None:
        """Stage evidence (submit=false) so a person can read it; submit=true sends it to the bank."""
        unknown = sorted(set(evidence) - EVIDENCE_FIELDS)
        if unknown:
            raise InvalidInput(f"not Stripe evidence fields: {', '.join(unknown)}")
        step = "evidence_submit" if submit else "evidence_stage"
        params = {"evidence": evidence, "submit": submit}
        request = self.api.request("disputes.update", "POST", f"/v1/disputes/{dispute_id}", params, vendor_key(step))
        response = await self.outbound.write(request, self.api.send, step)
        return None if response is None else response.body

    async def submit_dispute_evidence(self, dispute_id: str) -> bool:
        """Submit the staged evidence to the bank (submit=true), once a person approved the plan that says so.

        Read before writing: a dispute Stripe already shows submitted (by this desk before a crash, or by a
        person in the dashboard) is not submitted again; the Idempotency-Key covers a retry of this call.
        True when Stripe shows it submitted (live), False in shadow (recorded, not sent)."""
        remote = await self._get("disputes.retrieve", f"/v1/disputes/{dispute_id}")
        if submitted(remote):
            await self.outbound.settle("evidence_submit")
            return True
        if remote.get("status") not in ANSWERABLE:
            raise ConnectorError(f"Stripe: dispute {dispute_id} is {remote.get('status')}; evidence can no longer"
                                 " be submitted", reason="dispute_closed")
        request = self.api.request("disputes.update", "POST", f"/v1/disputes/{dispute_id}", {"submit": True},
                                   vendor_key("evidence_submit"))
        response = await self.outbound.write(request, self.api.send, "evidence_submit")
        if response is None:
            return False
        if not submitted(response.body or {}):
            raise ConnectorError(f"Stripe did not take the evidence for {dispute_id} as submitted",
                                 reason="evidence_not_submitted")
        return True


def submitted(dispute: dict[str, Any]) -> bool:
    return int((dispute.get("evidence_details") or {}).get("submission_count") or 0) > 0
