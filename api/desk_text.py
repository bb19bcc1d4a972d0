"""The desk in plain words: labels instead of identifiers, a one-paragraph summary, one conversation in order.

Pure functions over the case detail the API returns; the templates call them, so nothing here reads the database.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from copilot.desk.ownership import OWNER_LABEL
from copilot.desk.queries import CaseDetail, TimelineEvent

WORDS = {
    "threepl_exception": "warehouse (3PL) exception", "threepl": "warehouse (3PL) contact", "psp": "payment provider",
    "awaiting_approval": "awaiting approval", "awaiting_customer": "waiting for the customer",
    "routed_away": "routed away (out of scope)",
    "fixable_now": "fixable now", "needs_customer_decision": "needs the customer's decision",
    "must_cancel": "must cancel", "escalate": "escalate to an owner", "sla_scheduler": "SLA clock",
    "verification": "verification re-read", "avs": "AVS", "cvv": "CVV", "verifying": "verifying",
    "stripe": "Stripe", "shopify": "Shopify", "easypost": "EasyPost", "zendesk": "Zendesk", "gorgias": "Gorgias",
    "freshdesk": "Freshdesk", "email": "email", "sandbox": "the store",
    "sla": "SLA", "vip": "VIP", "llm": "language model", "pre_fulfillment_holds": "pre-fulfillment holds",
    "escalate_case": "hand to an owner", "assemble_dispute_evidence": "assemble the dispute evidence pack",
    "send_customer_message": "send the customer message", "request_payment_update": "ask for a new payment method",
    "P1": "P1", "P2": "P2", "P3": "P3", "P4": "P4", "ops_lead": "the ops lead",
}
TICKET_KINDS = {"ticket", "ticket_reply"}
IDENTIFIER = re.compile(r"[a-z]+(_[a-z0-9]+)*_[a-z]+|[a-z]+")  # snake_case words, not ids such as dp_1282


def label(value: object) -> str:
    """`lost_in_transit` -> "lost in transit"; known words get their desk name."""
    if value is None:
        return "—"
    text = str(value)
    if text in WORDS:
        return WORDS[text]
    return text.replace("_", " ").replace("-", " ").strip()


SNAKE = re.compile(r"(?<![\w@.#/-])[a-z]+(?:_[a-z]+)+(?![\w@])")  # `lost_in_transit`; not emails, ids or paths


def plain(text: object) -> str:
    """Free text that may carry identifiers (a rule's reason, a priority reason): each snake_case word in words."""
    return SNAKE.sub(lambda m: label(m[0]), str(text))


def title(value: object) -> str:
    text = label(value)
    return text[:1].upper() + text[1:]


def owner_label(owner: str | None) -> str:
    return OWNER_LABEL.get(owner or "", label(owner)) if owner else "the desk"


def status_label(status: str, owner: str | None = None) -> str:
    if status == "escalated":
        return f"Escalated to {owner_label(owner)}"
    return title(status)


def money(value: object) -> str:
    try:
        return f"{float(str(value)):,.2f}"
    except ValueError:
        return str(value)


def _signal_line(signal: dict[str, Any]) -> str:
    if signal.get("kind") in TICKET_KINDS:
        return f"a customer {'reply' if signal['kind'] == 'ticket_reply' else 'ticket'} via {label(signal.get('source'))}"
    details = [f"{label(k)} {label(signal[k])}" for k in ("decline_code", "dispute_reason", "tracking_status",
                                                          "status_detail", "exception_code", "risk_level")
               if signal.get(k)]
    said = f"{label(signal.get('source'))} reported {label(signal.get('kind'))}"
    return said + (f" ({', '.join(details)})" if details else "")


def what_happened(d: CaseDetail) -> str:
    first = d.signals[0].payload if d.signals and isinstance(d.signals[0].payload, dict) else {}
    who = (d.order.customer or {}).get("first_name") if d.order and d.order.customer else None
    order = f"order {d.case.order_id}" if d.case.order_id else "an order we could not identify yet"
    if first.get("kind") in TICKET_KINDS and first.get("text"):
        text = " ".join(str(first["text"]).split())
        quote = text if len(text) <= 140 else text[:137].rsplit(" ", 1)[0] + "…"
        return f"{who or 'The customer'} wrote about {order}: “{quote}”"
    return f"{title(d.case.category)} on {order}: {_signal_line(first)}" if first else \
        f"{title(d.case.category)} on {order}."


def _action_phrase(a: Any) -> str:
    args = a.args if isinstance(a.args, dict) else {}
    amount = f" of {money(args['amount'])}" if args.get("amount") else ""
    if a.tool == "assemble_dispute_evidence" and args.get("submit"):
        return "assemble the dispute evidence pack and submit it to the bank (through Stripe, when connected)"
    return f"{label(a.tool)}{amount}"


def what_is_proposed(d: CaseDetail) -> str:
    if d.plan is None:
        return "No plan yet: the copilot is still reading the case."
    steps = [_action_phrase(a) for a in d.plan.actions if a.tool != "escalate_case"]
    done = d.case.status in ("closed", "routed_away")  # a closed case's plan is history, not a proposal
    if not steps:
        return "The plan had no action of its own." if done else "The copilot proposes no action of its own."
    listed = ", ".join(steps[:-1]) + " and " + steps[-1] if len(steps) > 1 else steps[0]
    return f"The plan was to {listed}." if done else f"The copilot proposes to {listed}."


def why_you(d: CaseDetail) -> str:
    c = d.case
    if c.status == "closed":
        return f"Closed: {d.close_reason or 'done'}."
    if d.blocked:
        return f"A rule blocks the plan ({d.blocked[0].reason}): edit it, re-plan, or reject it."
    if c.status == "escalated":
        reason = d.escalation.reason if d.escalation and d.escalation.reason else "no reason recorded"
        return f"It came to {owner_label(c.owner)} because {reason.rstrip('.')}."
    if c.status == "awaiting_approval" and d.plan and d.plan.required_role:
        reasons = [v.reason for a in d.plan.actions for v in a.verdicts
                   if v.outcome == "needs_approval" and v.role == d.plan.required_role]
        return f"It needs a {d.plan.required_role} to approve because {reasons[0].rstrip('.')}." if reasons else \
            f"It needs a {d.plan.required_role} to approve."
    if c.status == "awaiting_approval":
        return "Any desk agent may approve it."
    if c.status == "awaiting_customer":
        return "The message went out; the case waits for the customer's answer."
    if c.status == "verifying":
        return "The actions ran; the copilot re-reads the order until it has moved."
    return f"The case is {label(c.status)}; the copilot is working on it."


def summary(d: CaseDetail) -> str:
    return plain(" ".join([what_happened(d).rstrip() + ("" if what_happened(d).endswith((".", "”")) else "."),
                           what_is_proposed(d), why_you(d)]))


def distinct_reasons(reason: str) -> str:
    """A route reason joins every action's verdicts ("automation: a; b; automation: b"): each reason once."""
    seen: set[str] = set()
    kept = []
    for part in reason.split("; "):
        head, _, rest = part.partition(": ")
        key = rest if rest and head.replace("_", "").isalpha() and head.islower() else part
        if key not in seen:
            seen.add(key)
            kept.append(part)
    return "; ".join(kept)


DECISIONS = {"approve": "approved", "edit": "draft edited", "reject": "rejected", "replan": "re-plan asked",
             "reply": "customer replied", "verify": "checked again"}
DECISION = re.compile(r"(approve|edit|reject|replan|reply|verify) by ([a-z_]+)")
SCENARIO_WORDS = {"dispute_ack": "dispute acknowledgement", "which_order": "which order is it about",
                  "changes_summary": "summary of the changes", "claim_review": "claim under review"}


def scenario_label(scenario: object) -> str:
    return SCENARIO_WORDS.get(str(scenario), label(scenario))


def reason_words(reason: str) -> str:
    """A recorded reason as a person says it: each rule's reason once, the automation rule's name as what it
    means ("not automatic:"), and a decision ("approve by lead") as what happened ("approved by a lead")."""
    text = re.sub(r"(^|; )automation: ", r"\1not automatic: ", distinct_reasons(reason))
    return DECISION.sub(lambda m: f"{DECISIONS[m[1]]} by {'an' if m[2][0] in 'aeiou' else 'a'} {label(m[2])}", text)


def _status_text(data: dict[str, Any]) -> str:
    why = reason_words(str(data["reason"])) if data.get("reason") else ""
    if data.get("from") == data.get("to"):
        said = why[:1].upper() + why[1:] if why else "Recorded a decision"
        return said + (f" ({data['note']})" if data.get("note") else "")
    return f"Moved from {label(data.get('from'))} to {label(data.get('to'))}" + (f": {why}" if why else "")


def _joined_text(data: dict[str, Any]) -> str:
    """A signal joined the case: what it was, and how intake matched it to this case."""
    kind, source = str(data.get("kind")), label(data.get("source"))
    what = (f"The customer's {'reply' if kind == 'ticket_reply' else 'ticket'} via {source}" if kind in TICKET_KINDS
            else f"{source[:1].upper() + source[1:]}: {label(kind)}")
    notes = "; ".join(str(n) for n in data.get("notes") or [])
    how = data.get("linked_by") or "intake"
    return f"{what} joined the case (matched by: {how})" + (f"; {notes}" if notes else "")


def _opened_text(data: dict[str, Any]) -> str:
    order = f"for order {data['order_id']}" if data.get("order_id") else "without an order yet"
    return f"Case opened {order} (matched by: {data.get('linked_by') or 'intake'})"


EVENT_TEXTS: dict[str, Any] = {
    "status_changed": _status_text, "signal_attached": _joined_text, "case_opened": _opened_text,
    "order_linked": lambda d: f"Linked to order {d.get('order_id')}: {d.get('how')}",
    "assigned": lambda d: f"Assigned to {d.get('assignee') or 'nobody'}",
    "note_added": lambda d: "Added a note",
    "customer_replied": lambda d: f"The customer chose {label(d.get('choice'))}" + (
        f": {d['why']}" if d.get("why") else ""),
    "replan_requested": lambda d: f"Plan v{d.get('replaces_version')} set aside for a new plan: {d.get('because')}",
    "job_failed": lambda d: f"A background step failed and needs attention: {d.get('error')}",
    "job_retried": lambda d: "A failed background step was queued again",
    "reopened": lambda d: f"Reopened: {d.get('reason')}",
    "llm_ticket_read": lambda d: "The language model read the ticket",
}


def event_text(kind: str, data: Any) -> str:
    """One line a person can read for an audit event."""
    data = data if isinstance(data, dict) else {}
    if kind in EVENT_TEXTS:
        return str(EVENT_TEXTS[kind](data))
    if kind in ("tool_started", "tool_finished", "tool_failed"):
        what = {"tool_started": "Running", "tool_finished": "Done", "tool_failed": "Failed"}[kind]
        return f"{what}: {label(data.get('tool'))}" + (f" ({data.get('error')})" if data.get("error") else "")
    if kind == "escalated":
        return f"Escalated to {owner_label(data.get('owner'))}: {data.get('reason') or 'no reason given'}"
    if kind == "plan_proposed":
        steps = ", ".join(label(str(a).split("(")[0]) for a in data.get("actions", [])) or "no action"
        return f"Proposed plan v{data.get('plan_version')} ({label(data.get('disposition'))}): {steps}"
    if kind == "triaged":
        return f"Triaged as {label(data.get('category'))}, {label(data.get('disposition'))}" + (
            f", priority {data['priority']}" if data.get("priority") else "")
    if kind == "edit_blocked":
        rules = "; ".join(f"{label(b.get('rule_id'))}: {b.get('reason')}" for b in data.get("blocks", []))
        return f"The edit by {data.get('editor')} is blocked ({rules}); correct it and save again"
    if kind == "edit_checked":
        return f"The edit by {data.get('editor')} passed the guardrails (plan v{data.get('plan_version')})"
    if kind == "closed_by_person":
        return f"Closed as {label(data.get('outcome'))}: {data.get('reason')} (the system of record " \
               f"{data.get('system_of_record')})"
    if kind == "handed_back":
        return f"Handed back to the desk: {data.get('note')}"
    if kind == "taken":
        return f"Took the case for {owner_label(data.get('owner'))} (as {label(data.get('role'))})"
    if kind in ("sla_at_risk", "sla_breached"):
        return f"{title(data.get('clock'))} SLA {'at risk' if kind == 'sla_at_risk' else 'breached'}" + (
            f", due {str(data['due'])[:16].replace('T', ' ')}" if data.get("due") else "")
    if kind in CONNECTOR_EVENTS:
        return connector_text(kind, data)
    if kind == "address_verified":
        return f"EasyPost verified the new address for {data.get('order_id')} as {data.get('as_verified')}"
    if kind == "return_label":
        if data.get("status") == "recorded_in_shadow":
            return f"Shadow mode: would have bought an EasyPost return label for {data.get('order_id')}; not bought"
        return f"Return label bought from EasyPost for {data.get('order_id')}: {data.get('carrier')} " \
               f"{data.get('tracking_code')} ({money(data.get('rate'))})"
    # An event with no sentence of its own: its words, never its ids or keys (those are under "raw").
    scalars = [f"{label(k)}: {shown(v)}" for k, v in data.items() if isinstance(v, str | int | float) and v != ""
               and k not in ("id", "key") and not k.endswith("_id")]
    return title(kind) + (f" ({'; '.join(scalars[:4])})" if scalars else "")


CONNECTOR_EVENTS = ("connector_shadowed", "connector_sent", "connector_recovered")
SYSTEM_NAMES = {"shopify": "Shopify", "stripe": "Stripe", "easypost": "EasyPost", "zendesk": "Zendesk",
                "gorgias": "Gorgias", "freshdesk": "Freshdesk", "email": "email", "woocommerce": "WooCommerce",
                "magento": "Magento"}


def connector_text(kind: str, data: dict[str, Any]) -> str:
    """What the store's own system was asked (shadow: what it would have been asked), with the contract's verdict;
    the exact request is under the event's raw toggle."""
    system = SYSTEM_NAMES.get(str(data.get("system")), title(data.get("system")))
    if kind == "connector_recovered":
        return f"{system}: the {data.get('operation') or data.get('step')} was already done there (read back after" \
               " an interrupted attempt); not sent again"
    where = f"{data.get('operation')} ({data.get('method')} {data.get('url')})"
    if not data.get("contract_checked"):
        verdict = "not checked against the contract"
    elif data.get("contract_errors"):
        verdict = f"breaks the contract: {data['contract_errors'][0]}"
    else:
        verdict = "matches the contract"
    if kind == "connector_shadowed":
        return f"Shadow mode: would have sent {system} {where}; {verdict}; not sent"
    return f"Sent to {system}: {where}, answered {data.get('status')}; {verdict}"


def actor_label(actor: str) -> str:
    known = {"copilot": "Copilot", "tool": "Copilot", "sla_scheduler": "SLA clock", "verification": "Verification",
             "intake": "Intake", "case_builder": "Case builder", "reconciler": "Reconciler"}
    return known.get(actor, title(actor) if "_" in actor and " " not in actor else actor)


def conversation(d: CaseDetail) -> list[dict[str, Any]]:
    """The customer's messages, ours, and the system's events as one thread in time order."""
    items: list[dict[str, Any]] = []
    for s in d.signals:
        p = s.payload if isinstance(s.payload, dict) else {}
        if s.kind in TICKET_KINDS:
            items.append({"at": s.occurred_at, "who": "customer", "by": p.get("customer_name") or "Customer",
                          "text": " ".join(str(t) for t in (p.get("subject"), p.get("text")) if t) or "(no text)"})
        else:
            items.append({"at": s.occurred_at, "who": "system", "by": title(s.source), "text": _signal_line(p)})
    for m in d.sent_messages:
        items.append({"at": m.sent_at or d.case.created_at, "who": "us", "by": f"Us ({scenario_label(m.scenario)})",
                      "text": m.body})
    for e in d.timeline:
        items.append(_event_item(e))
    items.sort(key=lambda i: (i["at"], {"customer": 0, "system": 1, "event": 2, "us": 3}[i["who"]]))
    return items


def _event_item(e: TimelineEvent) -> dict[str, Any]:
    return {"at": e.at, "who": "event", "by": actor_label(e.actor), "text": plain(event_text(e.kind, e.data)),
            "raw": e.data, "kind": e.kind}


def when(at: datetime) -> str:
    return at.strftime("%b %d %H:%M")


def shown(value: Any) -> str:
    """A structured argument in words: lists joined, mappings as "key value" pairs, never JSON."""
    if isinstance(value, dict):
        return ", ".join(f"{label(k)} {shown(v)}" for k, v in value.items() if v not in (None, "", [], {}))
    if isinstance(value, list):
        return ", ".join(shown(v) for v in value)
    if isinstance(value, bool):  # before str(): an agent reads "Submit yes", not Python's "True"
        return "yes" if value else "no"
    return label(value) if isinstance(value, str) and IDENTIFIER.fullmatch(value) else str(value)


def verdict_label(outcome: str | None) -> str:
    return {"allow": "allowed", "needs_approval": "needs approval", "block": "blocked"}.get(outcome or "",
                                                                                          "not checked")


def key_facts(facts: Any) -> list[tuple[str, str]]:
    """The few facts an agent reads first, in words; everything else stays behind the "raw" toggle."""
    if not isinstance(facts, dict):
        return []
    found: list[tuple[str, str]] = []
    request = facts.get("request") or {}
    if request.get("intent"):
        found.append(("Customer asks", label(request["intent"])))
    signal = facts.get("signal") or {}
    if signal:
        found.append(("Raised by", _signal_line(signal)))
    for s in ((facts.get("shipments") or {}).get("shipments") or [])[:2]:
        found.append(("Parcel", f"{label(s.get('status'))} with {s.get('carrier') or 'the carrier'}"))
    fraud = facts.get("fraud") or {}
    if fraud.get("risk_level"):
        found.append(("Fraud check", f"risk {label(fraud['risk_level'])}"))
    for check in (facts.get("address_checks") or [])[:1]:
        problems = check.get("problems") or check.get("issues") or []
        found.append(("Address", "valid" if check.get("valid") else "needs attention: " + shown(problems)))
    customer = facts.get("customer") or {}
    if customer.get("orders_count") is not None or customer.get("lifetime_value") is not None:
        found.append(("Customer", f"{customer.get('orders_count', '?')} orders, lifetime "
                                  f"{money(customer.get('lifetime_value', 0))}" + (" · VIP" if customer.get("vip") else "")))
    return found


def due_class(case: Any, now: datetime) -> str:
    """Red once the nearest deadline has passed, whatever the SLA state says (a deadline is not an SLA)."""
    if case.next_due_at is not None and case.next_due_at <= now:
        return "breached overdue"
    return str(case.sla_state.value)


def pct(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.0%}"
