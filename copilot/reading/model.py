"""The typed Reading of a ticket: what the customer newly wrote, who they say they are, and each thing they ask.

Everything here is read from untrusted text (rule 11). Arguments carry the evidence they were read from
(character offsets into `Reading.text`) and a confidence; what the text does not give is listed as unknown.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Literal

from pydantic import Field

from copilot.core.models import Category, Strict
from tools.connectors.sandbox.world import Address


class Intent(StrEnum):
    cancel = "cancel"
    change_items = "change_items"
    change_address = "change_address"
    change_payment = "change_payment"
    exchange = "exchange"
    return_refund = "return_refund"
    where_is_order = "where_is_order"
    damaged_missing_wrong = "damaged_missing_wrong"
    payment_problem = "payment_problem"
    dispute = "dispute"
    compensation = "compensation"
    question = "question"
    other = "other"


class Mood(StrEnum):
    instruction = "instruction"
    question = "question"
    condition = "condition"
    threat = "threat"
    hypothetical = "hypothetical"


# Intents that ask the desk to change something; only an instruction of one of them may become an action.
ACTING_INTENTS = frozenset({Intent.cancel, Intent.change_items, Intent.change_address, Intent.change_payment,
                            Intent.exchange, Intent.return_refund, Intent.compensation})
SUPPORTED_LANGUAGES = ("en", "es", "fr", "de", "pt", "it")


class Evidence(Strict):
    """Where in `Reading.text` a finding was read: [start, end) and the words there."""

    start: int = Field(ge=0)
    end: int = Field(ge=0)
    quote: str


class Grounded(Strict):
    evidence: list[Evidence] = Field(default_factory=list)
    confidence: float = Field(ge=0, le=1)


class OrderArg(Grounded):
    order_id: str
    how: Literal["named", "identification", "inferred", "only_order", "case"]


class ItemArg(Grounded):
    """One line of the customer's own order that the text names."""

    line_no: int = Field(ge=1)
    sku: str
    name: str
    matched_by: Literal["name", "variant", "sku"]


class TargetArg(Grounded):
    """Requested variant options, and the one catalog variant of the same product that has them (if any)."""

    options: dict[str, str]
    sku: str | None = None
    available: bool | None = None


class AddressArg(Grounded):
    raw: str
    address: Address | None
    valid: bool
    problems: list[str] = Field(default_factory=list)
    profile: bool = False  # the customer's account address rather than an order's


class PaymentArg(Grounded):
    payment_method_id: str
    label: str


class Request(Strict):
    intent: Intent
    mood: Mood
    category: Category = Field(description="The desk category this request alone would be filed under.")
    evidence: list[Evidence]
    confidence: float = Field(ge=0, le=1)
    order: OrderArg | None = None
    items: list[ItemArg] = Field(default_factory=list)
    target: TargetArg | None = None
    address: AddressArg | None = None
    payment: PaymentArg | None = None
    topic: str | None = Field(default=None, description="What a question asks about: status, price, policy...")
    unknown: list[str] = Field(default_factory=list)

    @property
    def acts(self) -> bool:
        """Asks the desk to do something now (not a question, a condition, a threat or a what-if)."""
        return self.mood is Mood.instruction and self.intent in ACTING_INTENTS


class Identification(Strict):
    """Details the customer gives to say who they are; never requests."""

    name: str | None = None
    email: str | None = None
    zip: str | None = None
    order_ids: list[str] = Field(default_factory=list)
    evidence: list[Evidence] = Field(default_factory=list)


class OutOfScope(Strict):
    topic: str
    evidence: list[Evidence]
    confidence: float = Field(ge=0, le=1)


class Reading(Strict):
    """A ticket read: the new text and what it holds. `needs_reading` sends the case to a person."""

    text: str = Field(description="The customer's new text: subject and body without quotes, forwards, signatures.")
    removed: list[Literal["quoted", "forwarded", "signature"]] = Field(default_factory=list)
    language: str
    language_confidence: float = Field(ge=0, le=1)
    identification: Identification = Field(default_factory=Identification)
    requests: list[Request] = Field(default_factory=list)
    out_of_scope: OutOfScope | None = None
    needs_reading: bool = False
    needs_reading_reasons: list[str] = Field(default_factory=list)
    candidates: list[str] = Field(default_factory=list, description="Readings a person chooses among.")
    read_by: Literal["rules", "llm"] = "rules"
    disagreements: list[str] = Field(default_factory=list)

    @property
    def confidence(self) -> float:
        if self.needs_reading or not self.requests:
            return 0.0 if self.out_of_scope is None else self.out_of_scope.confidence
        return min(r.confidence for r in self.requests)

    @property
    def acting(self) -> list[Request]:
        return [r for r in self.requests if r.acts]
