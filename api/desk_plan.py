"""The plan table in words: each action's arguments under plain labels, what its guardrails said, and a chip
that tells where the action stands now (a rule's "needs approval" is history once the action has run)."""

from __future__ import annotations

from typing import Any

from api.desk_text import owner_label, plain, scenario_label, shown, title
from copilot.desk.queries import CaseDetail

ARG_LABELS = {"order_id": "Order", "dispute_id": "Dispute", "ticket_id": "Ticket", "scenario": "Message",
              "owner": "To", "reason": "Why", "line_nos": "Order lines", "address": "New address",
              "amount": "Amount", "payment_id": "Payment", "tracking_number": "Tracking", "items": "Items"}
RULE_WORDS = {"automation": "Not automatic", "untrusted_text": "Customer's own words", "fraud_release": "Fraud hold",
              "cancel_edit": "Cancel or edit", "identity": "Whose order"}
ROLE_WORDS = {"lead": "a lead approves", "finance": "finance approves", "admin": "an admin approves"}
FINAL = ("closed", "routed_away")


def arg_label(key: str) -> str:
    return ARG_LABELS.get(key, title(key))


def arg_value(key: str, value: Any) -> str:
    if key == "scenario":
        return scenario_label(value)
    if key == "owner" and isinstance(value, str):
        return owner_label(value)
    return shown(value)


def arguments(args: Any) -> list[tuple[str, str]]:
    """(label, value) pairs; the message body is the draft below, so it is named, not repeated."""
    if not isinstance(args, dict):
        return []
    pairs = [(arg_label(k), arg_value(k, v)) for k, v in args.items() if v not in (None, "", [], {}) and k != "body"]
    if args.get("body"):
        pairs.append(("Text", "the draft below"))
    return pairs


def verdict_line(rule_id: str, role: str | None, reason: str) -> str:
    """"Needs a person: VIP customer"; a role other than any agent's is said as who approves."""
    who = f" ({ROLE_WORDS[role]})" if role in ROLE_WORDS else ""
    return f"{RULE_WORDS.get(rule_id, title(rule_id))}{who}: {plain(reason)}"


def _ran(d: CaseDetail, a: Any) -> bool:
    """Whether this plan version's action finished, by its call key (`<case>:v<version>-<action>`); the hand-off
    of an escalation runs under the key `escalation`."""
    prefix = f"{d.case.id}:v{d.case.plan_version}-"
    keys = {prefix + a.action_id} | ({prefix + "escalation"} if a.tool == "escalate_case" else set())
    return any(e.kind == "tool_finished" and isinstance(e.data, dict) and e.data.get("key") in keys
               for e in d.timeline)


def action_state(a: Any, d: CaseDetail) -> tuple[str, str]:
    """(css class, words) for an action's chip: done once it ran, "not run" on a finished case, otherwise what
    the guardrails said of it."""
    if a.status == "done" or _ran(d, a):
        return "done", "done"
    if a.status == "failed":
        return "block", "failed"
    if d.case.status in FINAL:
        return "none", "not run"
    return a.outcome or "none", {"allow": "allowed", "needs_approval": "needs approval",
                                 "block": "blocked"}.get(a.outcome or "", "not checked")
