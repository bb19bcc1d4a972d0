"""The eleven guardrails of DESIGN §6: pure functions over the case state and one proposed action.

Each rule returns allow, needs_approval(role) or block with its id and a reason; `combine` keeps the most
restrictive active verdict. Nothing here reads the wall clock (`case.now` is the clock), the network or an LLM.
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from copilot.core.policy import Mode, Policy
from copilot.core.roles import Role, rank
from copilot.decide.messages import MessageFacts, check_message
from copilot.decide.plan import CONTACT_TOOLS, CaseState, Origin, Plan, ProposedAction, Verdict
from copilot.decide.rules import APPLIES, RULES, allow, approve, block, rule
from tools import schemas as s
from tools.base import ToolKind
from tools.schemas import DELIVERED_REASONS, SHIPPED_REASONS

_LABELLED = frozenset({"label_created", "handed_off", "delivered", "returned"})
_CONCESSION_REASONS = frozenset({"damaged", "wrong_item", "missing_item", "goodwill"})


# ---- 1 payment retry ----------------------------------------------------------------------------------


@rule("payment_retry", {"retry_payment"})
def rule_payment_retry(case: CaseState, action: ProposedAction, policy: Policy) -> Verdict:
    p, rid = policy.payment_retry, "payment_retry"
    pay = case.latest_payment
    if pay is None or pay.status != "failed":
        return block(rid, f"no failed payment to retry (payment is {pay.status if pay else 'missing'})")
    if pay.decline_code in p.hard_declines:
        return block(rid, f"hard decline {pay.decline_code}: ask for a new payment method instead")
    if pay.decline_code not in p.soft_declines:
        return block(rid, f"decline code {pay.decline_code!r} is not a known soft decline; ask for a new payment method")
    if pay.auth_expires_at is not None and pay.auth_expires_at <= case.now:
        return block(rid, f"the authorization expired at {pay.auth_expires_at:%Y-%m-%d %H:%M}")
    since = case.now - pay.last_retry_at if pay.last_retry_at else None
    if since is not None and since < timedelta(minutes=p.min_gap_minutes):
        return block(rid, f"last retry {int(since.total_seconds() // 60)} min ago; retries are "
                           f"at least {p.min_gap_minutes} min apart")
    # Only the count and the latest retry are known: with the cap reached, an earlier retry may share the window.
    if pay.retry_count >= p.max_retries_per_window and (since is None or since < timedelta(hours=p.window_hours)):
        return block(rid, f"{pay.retry_count} retries already; at most {p.max_retries_per_window} "
                           f"per {p.window_hours} h")
    return allow(rid, f"soft decline {pay.decline_code}, retry {pay.retry_count + 1} within limits")


# ---- 2 fraud hold release -----------------------------------------------------------------------------


def _fraud_related(case: CaseState) -> bool:
    order = case.order.order if case.order else None
    hold = (order.hold_reason or "") if order else ""
    return (case.category == "fraud_hold" or "fraud" in hold or "risk" in hold
            or (order is not None and order.risk_recommendation != "accept"))


@rule("fraud_release", {"release_hold"})
def rule_fraud_release(case: CaseState, action: ProposedAction, policy: Policy) -> Verdict:
    p, rid = policy.fraud_release, "fraud_release"
    if not _fraud_related(case):
        return allow(rid, "the hold is not a risk hold")
    f = case.fraud
    if f is None:
        return block(rid, "no fraud assessment gathered; the risk owner decides", p.escalate_to)
    failed = [why for ok, why in [
        (f.risk_level in p.release_risk_levels, f"risk level {f.risk_level}"),
        (f.avs_result in p.passing_avs, f"AVS {f.avs_result}"),
        (f.cvv_result in p.passing_cvv, f"CVV {f.cvv_result}"),
        (f.order_value <= p.max_order_value, f"order value {f.order_value} above {p.max_order_value}"),
        (f.customer_fulfilled_orders >= 1, "no fulfilled order on record"),
        (f.customer_disputes == 0, f"{f.customer_disputes} dispute(s) on record"),
    ] if not ok]
    if failed:
        return block(rid, "not safe to release: " + "; ".join(failed), p.escalate_to)
    return approve(rid, p.approver, "safe-release checks pass; a release is never automatic")


# ---- 3 address change ---------------------------------------------------------------------------------


def _labelled(case: CaseState) -> bool:
    order = case.order.order if case.order else None
    return (order is not None and order.status not in ("pending", "processing")) or any(
        f.label_created_at is not None or f.status in _LABELLED for f in case.fulfillments)


@rule("address_change", {"update_address", "reroute_shipment"})
def rule_address_change(case: CaseState, action: ProposedAction, policy: Policy) -> Verdict:
    rid = "address_change"
    if case.order is None:
        return block(rid, "no order facts to check the address change against")
    if action.tool == "update_address" and _labelled(case):
        return block(rid, f"a label exists (order {case.order.order.status}): reroute with the carrier instead")
    args = action.args
    assert isinstance(args, s.UpdateAddressInput | s.RerouteShipmentInput)  # the two tools this rule is for
    new = args.address
    if new.country != case.order.order.shipping_address.country:
        return block(rid, f"changes the country from {case.order.order.shipping_address.country} to {new.country}")
    check = case.check_for(new)
    if check is None:
        return block(rid, "the new address was not validated")
    if not check.valid:
        if case.unlisted_zip_on_record(new, check):
            return approve(rid, Role.lead, f"{check.reason}, but the customer has this address on record: a person "
                                           "confirms it")
        return block(rid, f"the new address does not validate: {check.reason or ', '.join(check.issues)}")
    carriers = {f.carrier for f in case.fulfillments if f.status != "cancelled"}
    if check.po_box and not (carriers and carriers <= set(policy.address_change.po_box_carriers)):
        return block(rid, f"PO box, and carrier {', '.join(sorted(carriers)) or 'unknown'} does not deliver there")
    return allow(rid, "validated address, same country, before the label")


# ---- 4 cancel / edit ----------------------------------------------------------------------------------


@rule("cancel_edit", {"cancel_order", "substitute_item", "split_shipment"})
def rule_cancel_edit(case: CaseState, action: ProposedAction, policy: Policy) -> Verdict:
    rid = "cancel_edit"
    if case.order is None:
        return block(rid, "no order facts to check the change against")
    status = case.order.order.status
    if status not in policy.cancel_edit.editable_statuses:
        hint = "; intercept it instead" if status in ("label_created", "shipped") else ""
        return block(rid, f"order is {status}: cancel or edit only while "
                           f"{' or '.join(policy.cancel_edit.editable_statuses)}{hint}")
    passed = [f for f in case.fulfillments if f.cutoff_at is not None and f.cutoff_at <= case.now]
    if passed:
        return block(rid, f"past the warehouse cutoff ({passed[0].cutoff_at:%Y-%m-%d %H:%M} at "
                           f"{passed[0].warehouse_id}): it becomes an intercept")
    return allow(rid, f"order is {status}, before the warehouse cutoff")


# ---- 5 intercept / reroute ----------------------------------------------------------------------------


@rule("intercept", {"intercept_shipment", "reroute_shipment"})
def rule_intercept(case: CaseState, action: ProposedAction, policy: Policy) -> Verdict:
    p, rid = policy.intercept, "intercept"
    if case.order is None or case.order.order.status in ("delivered", "cancelled"):
        return block(rid, f"nothing to intercept (order {case.order.order.status if case.order else 'unknown'})")
    used = sum(f.intercept_count for f in case.fulfillments)
    if used >= p.max_per_order:
        return block(rid, f"{used} intercept(s) already on this order; the cap is {p.max_per_order}")
    if any(f.handed_off_at is not None or f.status == "handed_off" for f in case.fulfillments):
        return approve(rid, p.approver, "after carrier handoff an intercept costs money")
    return allow(rid, "still in the warehouse: no carrier cost")


# ---- 6 refunds ----------------------------------------------------------------------------------------


@rule("refund", {"refund_payment"})
def rule_refund(case: CaseState, action: ProposedAction, policy: Policy) -> Verdict:
    p, rid = policy.refund, "refund"
    args = action.args_as(s.RefundPaymentInput)
    amount = args.amount
    if case.payment is None or case.order is None:
        return block(rid, "no payment facts: the refundable amount is unknown")
    if case.payment.open_dispute:
        return block(rid, "a dispute is open on this payment: no refund while it is open", p.finance_role)
    if amount > case.refundable:
        return block(rid, f"refund {amount} exceeds captured minus refunded ({case.refundable})")
    status, reason = case.order.order.status, args.reason
    if reason in DELIVERED_REASONS and status != "delivered":
        return block(rid, f"a {reason} refund needs a delivered order; this one is {status}")
    if reason in SHIPPED_REASONS and status not in ("shipped", "delivered"):
        return block(rid, f"a {reason} refund needs a shipped order; this one is {status}")
    if amount > p.finance_limit:
        return approve(rid, p.finance_role, f"refund {amount} is above the finance limit {p.finance_limit}")
    if amount > p.agent_limit:
        return approve(rid, p.lead_role, f"refund {amount} is above the agent limit {p.agent_limit}")
    return allow(rid, f"refund {amount} within the agent limit and the refundable {case.refundable}")


# ---- 7 concessions ------------------------------------------------------------------------------------


def _concession_value(case: CaseState, action: ProposedAction) -> Decimal:
    if action.tool == "reship_order":
        lines = case.order.order.lines if case.order else []
        wanted = action.args_as(s.ReshipOrderInput).line_nos
        return sum((ln.unit_price * ln.quantity for ln in lines if ln.line_no in wanted), Decimal(0))
    args = action.args
    assert isinstance(args, s.IssueStoreCreditInput | s.RefundPaymentInput)  # the other concession tools
    return args.amount


@rule("concession", {"reship_order", "issue_store_credit", "refund_payment"})
def rule_concession(case: CaseState, action: ProposedAction, policy: Policy) -> Verdict:
    p, rid = policy.concession, "concession"
    reason = getattr(action.args, "reason", None)
    if action.tool == "refund_payment" and reason not in _CONCESSION_REASONS \
            and case.category != "concession_request":
        return allow(rid, f"a {reason} refund is not a concession")
    if case.customer is None or case.order is None:
        return block(rid, "no customer or order facts: claim history unknown", p.escalate_to)
    if case.order.order.status not in ("shipped", "delivered"):
        return block(rid, f"order is {case.order.order.status}: nothing shipped to make good")
    kinds = {reason, case.request.intent if case.request else None}
    if case.signed_delivery and kinds & set(p.investigate_claim_kinds):
        return block(rid, "the carrier confirmed a signed delivery: investigate first", p.investigate_role)
    if case.customer.claims_90d > p.max_prior_claims:
        return block(rid, f"{case.customer.claims_90d} claim(s) in the last 90 days: deny and escalate",
                      p.escalate_to)
    value = _concession_value(case, action)
    if value > p.low_value_limit:
        return approve(rid, p.approver, f"concession worth {value} is above the low-value limit {p.low_value_limit}")
    return allow(rid, f"low-value first claim ({value}): make good without a return")


# ---- 8 identity ---------------------------------------------------------------------------------------


@rule("identity")
def rule_identity(case: CaseState, action: ProposedAction, policy: Policy) -> Verdict:
    rid, owner = "identity", policy.identity.escalate_to
    target = action.order_id
    if target is None:
        return allow(rid, "the action names no order")
    if case.order is None or target != case.order_id:
        return block(rid, f"the action targets order {target}, not this case's order {case.order_id}", owner)
    email = case.identified_email
    if email is None:
        return allow(rid, "the order came from a system of record, not from a customer's claim")
    customer = case.customer
    if customer is None or customer.id != case.order.order.customer_id or customer.email.lower() != email:
        return block(rid, f"order {target} does not belong to the customer who wrote in", owner)
    return allow(rid, "the order belongs to the customer the signal identifies")


# ---- 9 customer messages ------------------------------------------------------------------------------


def message_facts(case: CaseState) -> MessageFacts:
    """The dates, ids and card digits a message about this case may mention."""
    dates = []
    if case.order and case.order.order.promised_by:
        dates.append(case.order.order.promised_by.date())
    dates += [e.occurred_at.date() for e in case.shipment_events()]
    tokens = [t for t in [case.order_id, case.ticket_id] if t]
    tokens += [c.order_id for c in case.candidate_orders]
    tokens += [f.tracking_number for f in case.fulfillments if f.tracking_number]
    for other in case.related:  # a plan over several orders may name each of them
        tokens += [other.order.order.id] + [f.tracking_number for f in other.order.fulfillments if f.tracking_number]
    last4 = [p.last4 for p in (case.payment.payments if case.payment else []) if p.last4]
    last4 += case.customer.payment_methods_last4 if case.customer else []  # the customer's own saved cards
    return MessageFacts(allowed_dates=dates, known_tokens=tokens, last4=last4)


@rule("customer_message", CONTACT_TOOLS)
def rule_customer_message(case: CaseState, action: ProposedAction, policy: Policy) -> Verdict:
    args = action.args
    assert isinstance(args, s.SendCustomerMessageInput | s.RequestPaymentUpdateInput)  # the contact tools
    problems = check_message(args.body, message_facts(case), policy)
    if problems:
        return block("customer_message", "message " + "; ".join(problems))
    return allow("customer_message", "one ask, short, no internal words or unsupported dates")


# ---- 10 automation ------------------------------------------------------------------------------------


# The automation rule's reasons are read on the desk: what the action does, not its tool kind.
NEEDS_A_PERSON = {ToolKind.WRITE: "changing the order", ToolKind.MONEY: "moving money",
                  ToolKind.OWNER: "handing the case to an owner"}


@rule("automation")
def rule_automation(case: CaseState, action: ProposedAction, policy: Policy) -> Verdict:
    p = policy.automation
    sure, reader = gp.confidence_of(case)
    why = [reason for bad, reason in [
        (action.kind not in (ToolKind.READ, ToolKind.CONTACT), f"{NEEDS_A_PERSON.get(action.kind, 'this')}"
                                                               " needs a person"),
        (case.category not in p.categories,
         f"{case.category.value.replace('_', ' ')} cases are not on the automation allowlist"),
        (case.order_value > p.value_limit, f"order value {case.order_value} is above {p.value_limit}"),
        # Whoever read the case, rules or an LLM: an unsure reading never goes out alone (keyword ties at 0.55 did).
        (sure < p.min_confidence, f"reading confidence {sure} ({reader}) is below {p.min_confidence}"),
        (case.customer is not None and case.customer.vip, "VIP customer"),
        (case.escalation_level > 0 or case.status == "escalated", "the case is already escalated"),
    ] if bad]
    if why:
        return approve("automation", p.approver, "; ".join(why))
    return allow("automation", "first touch may run without a human")


# ---- 11 untrusted text --------------------------------------------------------------------------------


def _untrusted_problems(case: CaseState, action: ProposedAction) -> list[str]:
    args, problems = action.args, []
    order = case.order.order if case.order else None
    order_id = getattr(args, "order_id", None)
    if order_id is not None and (order is None or order_id != order.id):
        problems.append(f"order {order_id} is not this case's order")
    if order is not None and case.customer is not None and order.customer_id != case.customer.id:
        problems.append(f"order {order.id} does not belong to customer {case.customer.id}")
    amount = getattr(args, "amount", None)
    if amount is not None and (order is None or amount > order.total):
        problems.append(f"amount {amount} is above the order total {order.total if order else 'unknown'}")
    line_nos = {ln.line_no for ln in order.lines} if order else set()
    wanted = set(getattr(args, "line_nos", None) or []) | set(getattr(args, "ship_now_line_nos", None) or [])
    line_no = getattr(args, "line_no", None)
    if line_no is not None:
        wanted.add(line_no)
    wanted |= {x.line_no for x in getattr(args, "lines", None) or []}
    if wanted - line_nos:
        problems.append(f"line(s) {sorted(wanted - line_nos)} are not on the order")
    sku = getattr(args, "new_sku", None)
    located = {i.sku for i in case.inventory} | {v.sku for i in case.inventory for v in i.variants}
    if sku is not None and sku not in located:
        problems.append(f"sku {sku} was not located in inventory")
    address = getattr(args, "address", None)
    if address is not None and case.check_for(address) is None:
        problems.append("the address was not validated")
    return problems


@rule("untrusted_text")
def rule_untrusted_text(case: CaseState, action: ProposedAction, policy: Policy) -> Verdict:
    if action.origin is Origin.facts:
        return allow("untrusted_text", "arguments come from the systems of record")
    problems = _untrusted_problems(case, action)
    if problems:
        return block("untrusted_text", f"values read from {action.origin} text do not match the case: "
                      + "; ".join(problems), policy.untrusted_text.escalate_to)
    return allow("untrusted_text", f"values read from {action.origin} text match the case facts")


# ---- evaluation ---------------------------------------------------------------------------------------

def severity(verdict: Verdict) -> int:
    """allow < needs_approval(agent) < (lead) < (finance) < block."""
    if verdict.outcome == "block":
        return 10
    if verdict.outcome == "needs_approval":
        return rank(verdict.role)
    return 0


def combine(verdicts: list[Verdict]) -> Verdict:
    """The most restrictive active verdict; monitor verdicts are recorded elsewhere but restrict nothing."""
    active = [v for v in verdicts if v.mode is Mode.active]
    if not active:
        return allow("combined", "no active rule restricts this")
    return max(active, key=severity)


def evaluate_action(case: CaseState, action: ProposedAction, policy: Policy) -> list[Verdict]:
    first = rule_untrusted_text(case, action, policy)
    if first.outcome == "block" and first.mode is Mode.active:
        return [first]  # unchecked values never reach the other rules
    applicable = [rid for rid, tools in APPLIES.items() if rid != "untrusted_text"
                  and (tools is None or action.tool in tools)]
    return [first] + [RULES[rid](case, action, policy) for rid in applicable]


def _in_plan(case: CaseState, plan: Plan, act: ProposedAction, found: list[Verdict], policy: Policy) -> list[Verdict]:
    """Rules 9 and 10 with the whole plan in view (copilot/decide/guardrails_plan.py)."""
    out = []
    for v in found:
        if v.rule_id == "customer_message" and v.outcome == "allow" and act.tool in gp.CONTACT:
            v = gp.message_in_plan(case, plan, act, policy) or v
        elif v.rule_id == "automation":
            why = gp.automation_in_plan(case, plan, policy)
            if v.outcome == "allow" and why:
                v = v.model_copy(update={"outcome": "needs_approval", "role": policy.automation.approver,
                                         "reason": "; ".join(why)})
            elif v.outcome == "allow":
                v = v.model_copy(update={"reason": gp.automation_reason(case, plan)})
        out.append(v)
    return out


def evaluate(case: CaseState, plan: Plan, policy: Policy) -> list[Verdict]:
    """Every applicable rule's verdict on every action, each judged against the order it touches (one plan may
    act on several of the customer's orders); refunds earlier in the plan reduce that order's refundable."""
    verdicts: list[Verdict] = []
    planned: dict[str | None, Decimal] = {}
    for act in plan.actions:
        view = case.for_order(act.order_id)
        view = view.model_copy(update={"planned_refunds": view.planned_refunds + planned.get(view.order_id, 0)})
        found = _in_plan(view, plan, act, evaluate_action(view, act, policy), policy)
        verdicts += found
        if act.tool == "refund_payment" and combine(found).outcome != "block":
            refund = act.args_as(s.RefundPaymentInput).amount
            planned[view.order_id] = planned.get(view.order_id, Decimal(0)) + refund
    return verdicts


def combine_by_action(verdicts: list[Verdict]) -> dict[str, Verdict]:
    grouped: dict[str, list[Verdict]] = {}
    for v in verdicts:
        grouped.setdefault(v.action_id or "", []).append(v)
    return {action_id: combine(vs) for action_id, vs in grouped.items()}


# Registers the exchange, profile address and payment change rules (kept in their own modules for size).
from copilot.decide import guardrails_exchange, guardrails_payment  # noqa: E402,F401
from copilot.decide import guardrails_plan as gp  # noqa: E402
