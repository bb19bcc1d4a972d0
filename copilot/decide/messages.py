"""Customer messages: one template per scenario with a typed context, and rule 9's checker."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal
from enum import StrEnum
from functools import lru_cache
from pathlib import Path
from typing import Literal

from jinja2 import Environment, FileSystemLoader, StrictUndefined, TemplateError
from pydantic import Field

from copilot.core.errors import InvalidInput
from copilot.core.models import Strict
from copilot.core.policy import Policy
from copilot.decide.languages import LANGUAGES, day, day_months, hello, items, relative_days

TEMPLATE_DIR = Path(__file__).resolve().parents[2] / "prompts" / "messages"


class Scenario(StrEnum):
    payment_update = "payment_update"
    payment_retry = "payment_retry"
    order_verification = "order_verification"
    address_confirmation = "address_confirmation"
    address_updated = "address_updated"
    substitute_offer = "substitute_offer"
    split_offer = "split_offer"
    delay_notice = "delay_notice"
    delivery_update = "delivery_update"
    refund_status = "refund_status"
    cancel_confirmation = "cancel_confirmation"
    intercept_notice = "intercept_notice"
    change_confirmation = "change_confirmation"
    change_details = "change_details"
    reship_offer = "reship_offer"
    reship_notice = "reship_notice"
    claim_review = "claim_review"
    dispute_ack = "dispute_ack"
    exchange_confirmation = "exchange_confirmation"
    exchange_details = "exchange_details"
    profile_address_updated = "profile_address_updated"
    which_order = "which_order"
    payment_method_changed = "payment_method_changed"
    payment_method_choice = "payment_method_choice"
    changes_summary = "changes_summary"


class MessageContext(Strict):
    first_name: str = Field(min_length=1)
    order_id: str = Field(min_length=1)


class PaymentUpdate(MessageContext):
    last4: str | None = Field(default=None, pattern=r"^\d{4}$")


class PaymentRetry(MessageContext):
    last4: str | None = Field(default=None, pattern=r"^\d{4}$")


class OrderVerification(MessageContext):
    pass


class AddressProblem(StrEnum):
    """Why an address is asked for; each names the fact that backs it (copilot/decide/claims.py)."""

    missing_unit = "missing_unit"          # the validator found the unit missing
    po_box = "po_box"                      # the validator found a PO box
    invalid = "invalid"                    # the validator rejected the address
    carrier_undeliverable = "carrier_undeliverable"  # a carrier event: address not found / returned to sender
    unreadable_request = "unreadable_request"  # the customer asked for a change we could not read or apply


ADDRESS_PROBLEMS = {
    AddressProblem.missing_unit: "the address seems to be missing an apartment or suite number",
    AddressProblem.po_box: "our carrier can't deliver to a PO box",
    AddressProblem.invalid: "the carrier couldn't confirm the shipping address",
    AddressProblem.carrier_undeliverable: "the carrier couldn't deliver to the address we have",
    AddressProblem.unreadable_request: "we couldn't apply the address change as written",
}


class AddressConfirmation(MessageContext):
    address: str = Field(min_length=1)
    problem: str = Field(min_length=1)
    cause: AddressProblem


class AddressUpdated(MessageContext):
    address: str = Field(min_length=1)


class SubstituteOffer(MessageContext):
    item_name: str = Field(min_length=1)
    substitute_name: str = Field(min_length=1)
    price_difference: Decimal = Decimal("0")
    item_sku: str = Field(min_length=1)
    substitute_sku: str = Field(min_length=1)


class SplitOffer(MessageContext):
    waiting_item: str = Field(min_length=1)
    ready_count: int = Field(ge=1)
    expected_on: date | None = None
    waiting_sku: str = Field(min_length=1)


class DelayCause(StrEnum):
    """What a delay notice blames; each names the fact that backs it (copilot/decide/claims.py)."""

    out_of_stock = "out_of_stock"            # the SKU has nothing available in any warehouse
    other_warehouse = "other_warehouse"      # the SKU is available only outside the order's warehouse
    cutoff_missed = "cutoff_missed"          # the warehouse reported a missed cutoff, or the cutoff passed unshipped
    backlog = "backlog"                      # the warehouse reported a backlog
    warehouse_problem = "warehouse_problem"  # a 3PL exception on the order
    not_shipped = "not_shipped"              # the order has not left the warehouse


DELAY_REASONS = {
    DelayCause.cutoff_missed: "it missed the carrier pickup",
    DelayCause.backlog: "our warehouse is working through a backlog",
    DelayCause.other_warehouse: "one item is coming from another of our warehouses",
    DelayCause.not_shipped: "it hasn't left our warehouse yet",
}


class DelayNotice(MessageContext):
    reason: str = Field(min_length=1)
    new_date: date | None = None
    cause: DelayCause
    sku: str | None = Field(default=None, description="The item a stock cause is about.")
    stock_item: str | None = Field(default=None, description="That item as the order names it (translated templates).")


class DeliveryUpdate(MessageContext):
    carrier: str = Field(min_length=1)
    status: str = Field(min_length=1)
    next_step: str = Field(min_length=1)
    event: str = Field(min_length=1, description="The carrier tracking status the update reports.")


class RefundStatus(MessageContext):
    amount: Decimal = Field(ge=0)
    issued: bool
    business_days: int = Field(ge=1)


class CancelConfirmation(MessageContext):
    refund_amount: Decimal | None = None


class InterceptNotice(MessageContext):
    carrier: str = Field(min_length=1)
    left_warehouse: bool
    refund_amount: Decimal | None = Field(default=None, gt=0)


class ChangeConfirmation(MessageContext):
    change: str = Field(min_length=1)


class ChangeDetails(MessageContext):
    pass


class ReshipNotice(MessageContext):
    item_name: str = Field(min_length=1, description="Every reshipped line's name, joined.")


class ReshipOffer(MessageContext):
    item_name: str = Field(min_length=1)
    problem: str = Field(min_length=1)


class ClaimReview(MessageContext):
    item_name: str = Field(min_length=1)


class DisputeAck(MessageContext):
    pass


class ExchangeConfirmation(MessageContext):
    exchange: str = Field(min_length=1)
    difference: Decimal = Field(description="New minus old price: above zero is charged, below zero refunded.")


class ExchangeDetails(MessageContext):
    item_name: str = Field(min_length=1)


class ProfileAddressUpdated(MessageContext):
    address: str = Field(min_length=1)


class PaymentMethodChanged(MessageContext):
    method: str = Field(min_length=1, description="How the new method is named: never beyond the last four digits.")
    amount: Decimal = Field(gt=0)


class PaymentMethodChoice(MessageContext):
    """The ask when the ticket wants another method but does not say which of the saved ones."""

    choices: list[str] = Field(min_length=1)


class ChangeKind(StrEnum):
    cancel = "cancel"
    return_items = "return_items"
    change_item = "change_item"
    exchange = "exchange"
    ship_to = "ship_to"
    profile_address = "profile_address"
    pay_with = "pay_with"


class ListedChange(Strict):
    """One line of a changes summary: the words the customer reads and what they say, so the claim check can
    match each to the action that makes it (kind, order, items, new SKUs, amount, address or method)."""

    kind: ChangeKind
    text: str = Field(min_length=1)
    order_id: str | None = None
    items: list[str] = Field(default_factory=list, description="Names of the order lines it names.")
    skus: list[str] = Field(default_factory=list, description="The SKUs the lines become (change or exchange).")
    amount: Decimal | None = Field(default=None, description="Money back (a return) or the price difference.")
    target: str | None = Field(default=None, description="The new address's first line, or the payment method id.")

    def __str__(self) -> str:
        return self.text


class Answer(Strict):
    """One answer to a question, drafted from a gathered fact it names (an order's status, tracking, total)."""

    kind: Literal["status", "total"]
    text: str = Field(min_length=1)
    order_id: str = Field(min_length=1)
    status: str | None = None
    tracking: str | None = None
    amount: Decimal | None = None

    def __str__(self) -> str:
        return self.text


class ChangesSummary(MessageContext):
    """Every change one plan makes across the customer's orders, and answers drafted from the facts."""

    changes: list[ListedChange] = Field(min_length=1)
    more: int = Field(default=0, ge=0, description="Changes left out of the list to keep the message short.")
    answers: list[Answer] = Field(default_factory=list)


class WhichOrder(MessageContext):
    """The ask when a ticket names no order and fits several: the choices, each "#id (items)"."""

    # The one thing this message does not know yet; no template reads it, so narrowing the base is safe.
    order_id: str | None = None  # type: ignore[assignment]
    choices: list[str] = Field(min_length=2)


# Context fields that say which fact a claim rests on (copilot/decide/claims.py), not wording, or that only the translated
# templates read (the English wording holds them already, e.g. in a delay's `reason`): a rewording never needs them.
CLAIM_ONLY_FIELDS = frozenset({"cause", "sku", "item_sku", "substitute_sku", "waiting_sku", "event", "left_warehouse",
                               "stock_item"})

CONTEXTS: dict[Scenario, type[MessageContext]] = {
    Scenario.payment_update: PaymentUpdate,
    Scenario.payment_retry: PaymentRetry,
    Scenario.order_verification: OrderVerification,
    Scenario.address_confirmation: AddressConfirmation,
    Scenario.address_updated: AddressUpdated,
    Scenario.substitute_offer: SubstituteOffer,
    Scenario.split_offer: SplitOffer,
    Scenario.delay_notice: DelayNotice,
    Scenario.delivery_update: DeliveryUpdate,
    Scenario.refund_status: RefundStatus,
    Scenario.cancel_confirmation: CancelConfirmation,
    Scenario.intercept_notice: InterceptNotice,
    Scenario.change_confirmation: ChangeConfirmation,
    Scenario.change_details: ChangeDetails,
    Scenario.reship_offer: ReshipOffer,
    Scenario.reship_notice: ReshipNotice,
    Scenario.claim_review: ClaimReview,
    Scenario.dispute_ack: DisputeAck,
    Scenario.exchange_confirmation: ExchangeConfirmation,
    Scenario.exchange_details: ExchangeDetails,
    Scenario.profile_address_updated: ProfileAddressUpdated,
    Scenario.which_order: WhichOrder,
    Scenario.payment_method_changed: PaymentMethodChanged,
    Scenario.payment_method_choice: PaymentMethodChoice,
    Scenario.changes_summary: ChangesSummary,
}


def _money(value: Decimal) -> str:
    return f"${value:,.2f}"


def join_names(names: list[str]) -> str:
    """ "A", "A and B", "A, B and C": how a message names several items."""
    unique = list(dict.fromkeys(names))
    return unique[0] if len(unique) == 1 else f"{', '.join(unique[:-1])} and {unique[-1]}"


def _folder(language: str) -> Path:
    return TEMPLATE_DIR if language == "en" else TEMPLATE_DIR / language


@lru_cache(maxsize=len(LANGUAGES))
def environment(language: str = "en") -> Environment:
    env = Environment(loader=FileSystemLoader(_folder(language)), undefined=StrictUndefined, autoescape=False,
                      trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=False)
    env.filters["day"] = lambda value: day(value, language)
    env.filters["hello"] = lambda first_name: hello(first_name, language)
    env.filters["items"] = lambda joined: items(joined, language)
    env.filters["money"] = _money
    return env


def has_template(scenario: Scenario, language: str) -> bool:
    """A template of this scenario is written in this language."""
    return language in LANGUAGES and (_folder(language) / f"{scenario.value}.j2").is_file()


def render(scenario: Scenario, context: MessageContext, language: str = "en") -> str:
    """The message text in `language` (one of those with a template of the scenario); the context must be the
    scenario's own model so no field goes unchecked."""
    expected = CONTEXTS[scenario]
    if type(context) is not expected:
        raise InvalidInput(f"scenario {scenario} takes a {expected.__name__} context, not {type(context).__name__}")
    if not has_template(scenario, language):
        raise InvalidInput(f"scenario {scenario} has no template in {language!r}")
    try:
        text = environment(language).get_template(f"{scenario.value}.j2").render(**dict(context))
    except TemplateError as exc:
        raise InvalidInput(f"template {language}/{scenario.value}.j2 failed: {exc}") from exc
    return re.sub(r"\n{3,}", "\n\n", re.sub(r"[ \t]+", " ", text)).strip()


# ---- rule 9's checker ---------------------------------------------------------------------------------


class MessageFacts(Strict):
    """What the data supports: dates a message may name, ids it may quote, the card's last four."""

    allowed_dates: list[date] = Field(default_factory=list)
    known_tokens: list[str] = Field(default_factory=list)
    last4: list[str] = Field(default_factory=list)


_MONTHS = ("january", "february", "march", "april", "may", "june", "july", "august", "september", "october",
           "november", "december")
_MONTH_RE = "|".join([m[:3] + (m[3:] and f"(?:{m[3:]})?") for m in _MONTHS] + ["sept"])
_DATE_WORDS = re.compile(rf"\b({_MONTH_RE})\.?\s+(\d{{1,2}})(?:st|nd|rd|th)?\b", re.IGNORECASE)
_ISO_DATE = re.compile(r"\b(\d{4})-(\d{2})-(\d{2})\b")
_SLASH_DATE = re.compile(r"\b(\d{1,2})/(\d{1,2})(?:/(\d{2,4}))?\b")
_RELATIVE = re.compile(r"\b(tonight|tomorrow|monday|tuesday|wednesday|thursday|friday|saturday|sunday)\b",
                       re.IGNORECASE)
_PLACEHOLDER = re.compile(r"\{\{|\}\}|\{%|%\}|\$\{|\{[A-Za-z_][\w.]*\}|\[[A-Z_ ]{2,}\]|<[a-z_]+>|"
                          r"\b(None|null|undefined|TBD|TODO|XXX+)\b")
_CARD_LIKE = re.compile(r"(?<![\w#])\d(?:[ -]?\d){11,18}(?!\w)")
_CARD_WORDS = re.compile(r"\b(cvv|cvc|security code|card number|expir\w*\s+\d{1,2}/\d{2,4})\b", re.IGNORECASE)
# "the card ending in 4242" as the six languages say it; the digits must be the card's last four.
_ENDING = re.compile(r"\b(?:ending (?:in )?|terminada en |se terminant par |mit der Endung |endet auf |terminado em |"
                     r"che termina (?:con|in) )(\d+)\b", re.IGNORECASE)
_SENTENCE = re.compile(r"(?<=[.!?])\s+|\n+")


def count_asks(text: str, policy: Policy) -> int:
    phrases = [p.lower() for p in policy.customer_message.ask_phrases]
    sentences = [s.strip() for s in _SENTENCE.split(text) if s.strip()]
    return sum(1 for s in sentences if s.endswith("?") or any(p in s.lower() for p in phrases))


def _month_day(match: re.Match[str]) -> tuple[int, int]:
    prefix = match.group(1).lower()[:3]
    return (9 if prefix == "sep" else [m[:3] for m in _MONTHS].index(prefix) + 1), int(match.group(2))


def _date_problems(text: str, facts: MessageFacts) -> list[str]:
    allowed = {(d.month, d.day) for d in facts.allowed_dates}
    named = [(_month_day(m), m.group(0)) for m in _DATE_WORDS.finditer(text)]
    named += [((int(m.group(2)), int(m.group(3))), m.group(0)) for m in _ISO_DATE.finditer(text)]
    named += [((int(m.group(1)), int(m.group(2))), m.group(0)) for m in _SLASH_DATE.finditer(text)]
    named += day_months(text)
    problems = [f"names a date the data does not support: {raw!r}" for key, raw in named if key not in allowed]
    problems += [f"promises a relative date: {m.group(0)!r}" for m in _RELATIVE.finditer(text)]
    problems += [f"promises a relative date: {word!r}" for word in relative_days(text)]
    return problems


def _payment_problems(text: str, facts: MessageFacts) -> list[str]:
    known = [re.sub(r"\D", "", t) for t in facts.known_tokens]
    problems = [f"shows payment details beyond the last four: {m.group(0)!r}" for m in _CARD_LIKE.finditer(text)
                if not any(re.sub(r"\D", "", m.group(0)) in k for k in known)]
    problems += [f"mentions payment credentials: {m.group(0)!r}" for m in _CARD_WORDS.finditer(text)]
    for m in _ENDING.finditer(text):
        if m.group(1) not in facts.last4:
            problems.append(f"quotes card digits that are not the card's last four: {m.group(1)!r}")
    return problems


def check_message(text: str, facts: MessageFacts, policy: Policy) -> list[str]:
    """Every way `text` breaks rule 9; an empty list means the message may be sent."""
    rules = policy.customer_message
    problems: list[str] = []
    asks = count_asks(text, policy)
    if asks != rules.asks:
        problems.append(f"has {asks} asks; a message carries exactly {rules.asks}")
    words = len(text.split())
    if words > rules.max_words:
        problems.append(f"has {words} words; the limit is {rules.max_words}")
    problems += [f"has an unfilled placeholder: {m.group(0)!r}" for m in _PLACEHOLDER.finditer(text)]
    lowered = text.lower()
    problems += [f"uses the internal word {w!r}" for w in rules.internal_words
                 if re.search(rf"(?<![\w-]){re.escape(w.lower())}(?![\w-])", lowered)]
    return problems + _date_problems(text, facts) + _payment_problems(text, facts)
