"""What every playbook uses: the customer's name, the message action, plan assembly."""

from __future__ import annotations

import re

from copilot.cases.order_inference import keys_of, product_named, words
from copilot.core.errors import InvalidInput
from copilot.core.models import Disposition
from copilot.decide.claims import one_line  # noqa: F401 - the playbooks' name for it
from copilot.decide.languages import LANGUAGES
from copilot.decide.messages import MessageContext, Scenario, has_template, render
from copilot.decide.plan import CaseState, Origin, Plan, ProposedAction, action
from copilot.reading.model import Intent
from tools.schemas import LineSnapshot, OrderSnapshot

CARRIERS = {"ups": "UPS", "usps": "USPS", "fedex": "FedEx", "dhl": "DHL"}


def first_name(case: CaseState) -> str:
    if case.customer and case.customer.name.strip():
        return case.customer.name.split()[0]
    if case.signal and case.signal.customer_name and case.signal.customer_name.strip():
        return case.signal.customer_name.split()[0]
    return "there"


def order_of(case: CaseState) -> OrderSnapshot:
    if case.order is None:
        raise InvalidInput(f"case {case.case_id} has no order facts; a {case.category} playbook needs them")
    return case.order.order


def context(case: CaseState, model: type[MessageContext], **fields: object) -> MessageContext:
    return model(first_name=first_name(case), order_id=order_of(case).id, **fields)


def language_for(case: CaseState, scenario: Scenario) -> tuple[str, list[str]]:
    """The language the message is written in: the ticket's when a template of the scenario exists in it; else
    English, with a note that tells the agent why (the customer wrote in another language)."""
    wrote = case.reading.language if case.reading is not None else "en"
    if wrote == "en" or has_template(scenario, wrote):
        return wrote, []
    name = LANGUAGES.get(wrote, f"'{wrote}'")
    return "en", [f"the customer wrote in {name}; there is no {name} {scenario.value} template, so the draft is in"
                  " English: check it suits them before it goes"]


def message_action(case: CaseState, scenario: Scenario, ctx: MessageContext, language: str = "en") -> ProposedAction:
    body = render(scenario, ctx, language)
    if scenario is Scenario.payment_update:
        return action("msg", "request_payment_update", {"order_id": ctx.order_id, "ticket_id": case.ticket_id,
                                                        "body": body})
    return action("msg", "send_customer_message", {"order_id": ctx.order_id, "ticket_id": case.ticket_id,
                                                   "scenario": scenario.value, "body": body})


def escalate(owner: str, reason: str) -> ProposedAction:
    return action("escalate", "escalate_case", {"owner": owner, "reason": reason})


def plan(case: CaseState, disposition: Disposition, actions: list[ProposedAction], reasons: list[str],
         scenario: Scenario | None = None, ctx: MessageContext | None = None, ask: str | None = None) -> Plan:
    """A plan; with a message, its send action goes last so it follows the work it reports."""
    language = "en"
    if scenario is not None and ctx is not None:
        language, notes = language_for(case, scenario)
        actions = [*actions, message_action(case, scenario, ctx, language)]
        reasons = [*reasons, *notes]
    return Plan(disposition=disposition, actions=actions, scenario=scenario, message=ctx, ask=ask, reasons=reasons,
                language=language)


def line_for(case: CaseState, sku: str | None = None, line_no: int | None = None) -> LineSnapshot:
    lines = order_of(case).lines
    for ln in lines:
        if (sku is not None and ln.sku == sku) or (line_no is not None and ln.line_no == line_no):
            return ln
    return lines[0]


_COMPLAINT = re.compile(r"\b(damag\w*|broke\w*|smash\w*|shatter\w*|crush\w*|crack\w*|dent\w*|torn|ripped|leak\w*|"
                        r"stain\w*|defective|faulty|missing|wrong|never (?:arrived|came)|not (?:arrived|received)|"
                        r"didn'?t (?:arrive|come))\b", re.I)
_SENTENCES = re.compile(r"(?<=[.!?])\s+|\n+")
_ITEM_COMPLAINTS = (Intent.damaged_missing_wrong, Intent.return_refund, Intent.exchange)


def named_lines(case: CaseState) -> list[LineSnapshot]:
    """The order's lines the ticket names: those the Reading grounded on the case's order (by name in six
    languages, variant words or SKU, from the sentences of the request); without a Reading that grounded any,
    the lines named by full name or head noun, preferring a sentence that complains ("the mug arrived smashed",
    not "the blanket was fine")."""
    return _grounded_lines(case) or _lines_in_text(case)


def _grounded_lines(case: CaseState) -> list[LineSnapshot]:
    reading = case.reading
    if reading is None:
        return []
    mine = [r for r in reading.requests if r.order is not None and r.order.order_id == case.order_id and r.items]
    acting = [r for r in mine if r.intent in _ITEM_COMPLAINTS] or mine
    wanted = {item.line_no for r in acting[:1] for item in r.items}
    found = [ln for ln in order_of(case).lines if ln.line_no in wanted]
    return sorted({ln.name: ln for ln in reversed(found)}.values(), key=lambda ln: ln.line_no)


def _lines_in_text(case: CaseState) -> list[LineSnapshot]:
    text = f"{case.signal.subject or ''}\n{case.signal.text or ''}" if case.signal else ""
    complaints = " ".join(s for s in _SENTENCES.split(text) if _COMPLAINT.search(s))
    for source in (complaints, text):
        keys = keys_of(source)
        # A full name ("Office Chair") outranks a head noun another line shares ("chair").
        full = [ln for ln in order_of(case).lines if "".join(words(ln.name)) in keys]
        found = full or [ln for ln in order_of(case).lines if product_named(ln.name, keys)]
        if found:
            # Lines of the same name are one thing named once: the first of them, as the customer wrote one.
            return sorted({ln.name: ln for ln in reversed(found)}.values(), key=lambda ln: ln.line_no)
    return []


def args_origin(case: CaseState) -> Origin:
    return case.request.origin if case.request else Origin.ticket
