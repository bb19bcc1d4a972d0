"""The parts of rules 9 and 10 that need the whole plan, not one action.

Rule 9: every amount, percentage and promise in the message text (a person's edit or an LLM rewording
included) must be backed by the plan's arguments or the facts; the phrase that is not is shown.
Rule 10: a first touch runs alone only when the ticket's grounded Reading is certain (whoever read it, rules
or an LLM): one request, grounded on the case's order with every argument at or above the confidence bar and
nothing unknown; every claim of the message's template holds; and the message is on the low-risk list. Pure functions, like every rule.
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

from copilot.core.policy import Policy
from copilot.decide import claims
from copilot.decide.plan import CONTACT_TOOLS, CaseState, Plan, ProposedAction, Verdict
from copilot.reading.model import Mood, Request

CONTACT = CONTACT_TOOLS
_AMOUNT = re.compile(r"(?:\$|USD\s?)\s?(\d[\d,]*(?:\.\d{1,2})?)|(\d[\d,]*(?:\.\d{1,2})?)\s?(?:dollars|USD)\b", re.I)
_PERCENT = re.compile(r"\b\d+(?:\.\d+)?\s?(?:%|percent\b)", re.I)
# What a message may promise only when the plan does it or the facts show it was done.
_PROMISES: list[tuple[str, re.Pattern[str]]] = [
    ("refund", re.compile(r"\brefunded\b|\b(?:we(?:'ll| will|'ve| have)|is being|are)\s+(?:\w+\s+){0,2}refund\w*\b"
                          r"|\bon (?:its|their) way back\b"
                          # The same promises in the translated templates' languages (an offer such as "si prefiere
                          # un reembolso" promises nothing, as "if you'd prefer a refund" does not).
                          r"|\b(?:le |lhe )?devolver(?:emos|á)\b|\bvamos devolver\b|\breembolsar(?:emos|é)\b"
                          r"|\brembours(?:ons|erons|é|ée)\b|\bwir erstatten\b|\b(?:zurück)?erstattet\b"
                          r"|\brimborser(?:emo|ò)\b|\brimborsat[oa]\b|\breembolsad[oa]\b"
                          r"|\b(?:reembolso|remboursement|erstattung|rimborso) (?:de|von|di) \$", re.I)),
    ("discount", re.compile(r"\b(?:discount|coupon|voucher|promo(?:tion(?:al)?)? code|% off|descuento|cup[oó]n|"
                            r"r[ée]duction|remise|rabatt|gutschein|desconto|cupom|sconto|buono sconto)\w*", re.I)),
    ("store_credit", re.compile(r"\bstore credit\b|\bcredit(?:ed)? (?:to )?your account\b|\bsaldo a favor\b|"
                                r"\bguthaben\b|\bcr[ée]dit(?:o)? (?:na|en|nella|en la|dans la) (?:loja|tienda|boutique|negozio)\b",
                                re.I)),
    # No tool moves an order up a queue or buys faster shipping: such a promise is never backed.
    ("priority", re.compile(r"\bfront of the (?:line|queue)\b|\b(?:priorit(?:y|i[sz]e\w*)|expedit\w*|rush\w*)\b"
                            r"|\b(?:faster|express|upgraded?|overnight) (?:shipping|delivery)\b"
                            r"|\b(?:prioridad\w*|priorit[ée]|priorität|priorità|prioridade|vorrang)"
                            r"|\b(?:env[ií]o urgente|livraison express|expressversand|spedizione espressa|entrega expressa)\b",
                            re.I)),
    ("replacement", re.compile(r"\b(?:we(?:'ll| will|'ve| have|'re| are))\s+(?:\w+\s+){0,2}(?:send|ship)\w*\s+"
                               r"(?:you\s+)?(?:a|an)\s+(?:new|replacement)\b"
                               r"|\b(?:reemplazo|remplacement|ersatz|reposi[çc][ãa]o|sostituzione)\b", re.I)),
]


def _money(raw: str) -> Decimal | None:
    try:
        return Decimal(raw.replace(",", "")).quantize(Decimal("0.01"))
    except InvalidOperation:
        return None


def backed_amounts(case: CaseState, plan: Plan) -> set[Decimal]:
    """Every amount the plan's arguments, the message's own context or the facts hold."""
    found: list[Decimal] = []
    for a in plan.actions:
        found += [v for v in a.args.model_dump().values() if isinstance(v, Decimal)]
    if plan.message is not None:
        found += [abs(v) for v in plan.message.model_dump().values() if isinstance(v, Decimal)]
    if case.order is not None:
        o = case.order.order
        found += [o.total, o.subtotal, o.shipping_total]
        found += [x for ln in o.lines for x in (ln.unit_price, ln.unit_price * ln.quantity)]
    if case.payment is not None:
        p = case.payment
        found += [p.captured, p.refunded, p.refundable, max(Decimal(0), p.captured - p.refunded)]
        found += [x for pay in p.payments for x in (pay.amount, pay.amount_captured, pay.amount_refunded)]
    return {x.quantize(Decimal("0.01")) for x in found if x is not None}


def _promise_backed(kind: str, case: CaseState, plan: Plan) -> bool:
    tools = {a.tool for a in plan.actions}
    refunded = case.payment is not None and case.payment.refunded > 0
    captured = case.payment is not None and case.payment.captured - case.payment.refunded > 0
    return {
        "refund": "refund_payment" in tools or refunded or (captured and bool(tools & {"cancel_order",
                                                                                      "intercept_shipment"})),
        "discount": False,  # no tool gives one
        "priority": False,  # nor moves an order ahead or upgrades its shipping
        "store_credit": "issue_store_credit" in tools,
        "replacement": "reship_order" in tools or "exchange_items" in tools,
    }[kind]


def unbacked_phrases(text: str, case: CaseState, plan: Plan) -> list[str]:
    """Each amount, percentage or promise of the text that the plan and the facts do not back."""
    allowed = backed_amounts(case, plan)
    problems = [f"states an amount the plan and facts do not back: {m.group(0).strip()!r}"
                for m in _AMOUNT.finditer(text) if _money(m.group(1) or m.group(2)) not in allowed]
    problems += [f"states a percentage the plan and facts do not back: {m.group(0).strip()!r}"
                 for m in _PERCENT.finditer(text)]
    for kind, pattern in _PROMISES:
        match = pattern.search(text)
        if match and not _promise_backed(kind, case, plan):
            problems.append(f"promises a {kind.replace('_', ' ')} the plan does not make: {match.group(0)!r}")
    return problems


def message_in_plan(case: CaseState, plan: Plan, action: ProposedAction, policy: Policy) -> Verdict | None:
    """Rule 9's plan-aware block for a CONTACT action, or None when its text says only what is backed."""
    problems = unbacked_phrases(action.args.body, case, plan)  # type: ignore[attr-defined]
    if not problems:
        return None
    return Verdict(outcome="block", rule_id="customer_message", reason="message " + "; ".join(problems),
                   mode=policy.mode_of("customer_message"), action_id=action.action_id)


SYSTEM_FILED = frozenset({"kind", "exception_code"})


def asked(case: CaseState) -> list[Request]:
    """The ticket's requests: what it asks or tells the desk to do, conditionally or not. A threat ("or I file a
    chargeback") asks nothing of the desk; it is in the Reading for the agent to see."""
    return [r for r in case.reading.requests if r.mood is not Mood.threat] if case.reading is not None else []


def confidence_of(case: CaseState) -> tuple[float, str]:
    """How sure the reading of the case is, and who read it: the ticket's grounded Reading (rules or an LLM alike)
    when triage filed the case on it, never surer than triage. A case filed on a system event (a declined payment,
    a carrier or warehouse event) is as sure as that event: the ticket beside it must still be grounded."""
    reading = case.reading
    requests = asked(case)
    if reading is None or case.filed_by in SYSTEM_FILED or not requests:
        return case.confidence, case.filed_by if case.filed_by in SYSTEM_FILED else case.classified_by
    return min(case.confidence, *(r.confidence for r in requests)), reading.read_by


def grounding_doubts(case: CaseState, floor: float) -> list[str]:
    """Why the ticket's Reading is not certain enough for a first touch without a person: it must hold one
    request, on the case's order, with every argument grounded at or above the floor and nothing unknown."""
    reading = case.reading
    if reading is None:
        return []  # a system event, not a ticket: its facts came from the systems of record
    if reading.needs_reading:
        return ["the ticket needs a person to read it"]
    requests = asked(case)
    if len(requests) != 1:
        said = ", ".join(f"{r.intent.value} ({r.mood.value})" for r in requests) or "nothing"
        return [f"the ticket holds {len(requests)} requests, not one: {said}"]
    req = requests[0]
    why = [f"{req.intent.value} leaves {', '.join(req.unknown)} unknown"] if req.unknown else []
    if req.order is None:
        why.append(f"{req.intent.value} is grounded on no order")
    elif req.order.order_id != case.order_id:
        why.append(f"{req.intent.value} is about order {req.order.order_id}, not the case's order {case.order_id}")
    elif req.order.confidence < floor and not _order_from_system(case):
        why.append(f"order {req.order.order_id} was {req.order.how} from the text at {req.order.confidence},"
                   f" below {floor}")
    args = [*req.items, *(a for a in (req.target, req.address, req.payment) if a is not None)]
    why += [f"{type(a).__name__.removesuffix('Arg').lower()} grounded at {a.confidence}, below {floor}"
            for a in args if a.confidence < floor]
    return why


def _order_from_system(case: CaseState) -> bool:
    """The helpdesk or storefront put the order on the signal itself, so the case's order is not a reading."""
    return case.signal is not None and case.signal.order_id is not None and case.signal.order_id == case.order_id


def automation_in_plan(case: CaseState, plan: Plan, policy: Policy) -> list[str]:
    """Why the plan's first touch may not run alone, beyond rule 10's per-action conditions."""
    p = policy.automation
    why = grounding_doubts(case, p.min_confidence)
    req = case.request
    if req is not None and req.order_id is not None and req.order_id != case.order_id:
        why.append(f"the request names order {req.order_id}, not the case's order {case.order_id}")
    if case.order is None:
        why.append("the case is not grounded on an order")
    if plan.scenario is not None and plan.scenario.value not in p.low_risk_scenarios:
        why.append(f"a {plan.scenario.value} message is not on the low-risk list")
    why += [f"claim not backed: {c}" for c in claims.unbacked(case, plan)]
    return why


def automation_reason(case: CaseState, plan: Plan) -> str:
    """Why a first touch may run alone: the verdict says so in full."""
    scenario = plan.scenario.value if plan.scenario else "no message"
    sure, reader = confidence_of(case)
    requests = asked(case)
    filed = f"filed on a system event ({case.filed_by}) at {sure}" if case.filed_by in SYSTEM_FILED else None
    if requests:
        req = requests[0]
        how = req.order.how if req.order else "none"
        read = (f"one request ({req.intent.value}, {req.mood.value}) {'' if filed else f'read by {reader} at {sure}, '}"
                f"grounded on order {case.order_id} ({how}) with nothing unknown")
        read = f"{filed}; {read}" if filed else read
    else:
        read = f"{filed or f'filed by {reader} at {sure}'} on order {case.order_id}, no ticket to read"
    return (f"first touch may run without a human: {read}; every claim of {scenario} backed; {scenario} is on the"
            " low-risk list")
