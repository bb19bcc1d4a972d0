"""The guardrail policy file: every threshold a rule uses, validated, each rule with its own mode."""

from __future__ import annotations

from decimal import Decimal
from enum import StrEnum
from pathlib import Path
from typing import Literal

from pydantic import Field, ValidationError, model_validator

from copilot.core.errors import ConfigError
from copilot.core.models import Category, Strict
from copilot.core.roles import Role

DEFAULT_POLICY_PATH = Path(__file__).with_name("policy.json")


class Mode(StrEnum):
    active = "active"
    monitor = "monitor"


Money = Decimal


class RuleConfig(Strict):
    mode: Mode = Mode.active


class PaymentRetryPolicy(RuleConfig):
    soft_declines: list[str] = Field(min_length=1)
    hard_declines: list[str] = Field(min_length=1)
    max_retries_per_window: int = Field(ge=0)
    window_hours: int = Field(gt=0)
    min_gap_minutes: int = Field(ge=0)

    @model_validator(mode="after")
    def _disjoint(self) -> PaymentRetryPolicy:
        both = set(self.soft_declines) & set(self.hard_declines)
        if both:
            raise ValueError(f"decline codes listed as both soft and hard: {sorted(both)}")
        return self


class FraudReleasePolicy(RuleConfig):
    release_risk_levels: list[Literal["low", "medium", "high"]] = Field(min_length=1)
    passing_avs: list[str] = Field(min_length=1)
    passing_cvv: list[str] = Field(min_length=1)
    max_order_value: Money = Field(gt=0)
    approver: Role
    escalate_to: Role


class AddressChangePolicy(RuleConfig):
    po_box_carriers: list[str]


class CancelEditPolicy(RuleConfig):
    editable_statuses: list[str] = Field(min_length=1)


class InterceptPolicy(RuleConfig):
    approver: Role
    max_per_order: int = Field(ge=0)


class RefundPolicy(RuleConfig):
    agent_limit: Money = Field(ge=0)
    finance_limit: Money = Field(ge=0)
    lead_role: Role
    finance_role: Role

    @model_validator(mode="after")
    def _ordered(self) -> RefundPolicy:
        if self.finance_limit < self.agent_limit:
            raise ValueError("refund.finance_limit must be at least refund.agent_limit")
        return self


class ConcessionPolicy(RuleConfig):
    """Prior claims are counted over the 90 days lookup_customer reports (claims_90d)."""

    low_value_limit: Money = Field(ge=0)
    investigate_claim_kinds: list[str]
    investigate_role: Role
    max_prior_claims: int = Field(ge=0)
    approver: Role
    escalate_to: Role


class IdentityPolicy(RuleConfig):
    escalate_to: Role


class MessagePolicy(RuleConfig):
    max_words: int = Field(gt=0)
    asks: int = Field(ge=1)
    ask_phrases: list[str] = Field(min_length=1)
    internal_words: list[str] = Field(min_length=1)


class AutomationPolicy(RuleConfig):
    categories: list[Category]
    value_limit: Money = Field(ge=0)
    min_confidence: float = Field(ge=0, le=1)
    approver: Role
    # Messages a first touch may send alone: status updates and the one ask to confirm or update (DESIGN §1).
    low_risk_scenarios: list[str] = Field(default_factory=lambda: [
        "payment_update", "address_confirmation", "substitute_offer", "split_offer", "delay_notice",
        "delivery_update", "refund_status", "reship_offer"])


class UntrustedTextPolicy(RuleConfig):
    escalate_to: Role


class ExchangePolicy(RuleConfig):
    """Exchanges of delivered items; a price difference above `lead_above` (either way) needs the lead."""

    exchangeable_statuses: list[str] = Field(default_factory=lambda: ["delivered"], min_length=1)
    lead_above: Money = Field(default=Decimal("100.00"), ge=0)
    lead_role: Role = Role.lead


class ProfileAddressPolicy(RuleConfig):
    """A profile edit needs the customer who wrote in to be the profile's owner; else it escalates."""

    escalate_to: Role = Role.lead


class PaymentChangePolicy(RuleConfig):
    """Paying an order with another saved method: only while it is unpaid-for in the warehouse's eyes."""

    changeable_statuses: list[str] = Field(default_factory=lambda: ["pending"], min_length=1)
    approver: Role = Role.agent


class SlaMarks(Strict):
    """The SLA clocks' marks (DESIGN §4): a case is flagged at risk once this share of a clock's budget
    (created → due) is spent; it escalates at the due time."""

    at_risk_fraction: float = Field(gt=0, lt=1)


class Policy(Strict):
    """One section per rule; the section name is the rule id. `sla` holds the SLA marks."""

    version: int = Field(ge=1)
    payment_retry: PaymentRetryPolicy
    fraud_release: FraudReleasePolicy
    address_change: AddressChangePolicy
    cancel_edit: CancelEditPolicy
    intercept: InterceptPolicy
    refund: RefundPolicy
    concession: ConcessionPolicy
    identity: IdentityPolicy
    customer_message: MessagePolicy
    automation: AutomationPolicy
    untrusted_text: UntrustedTextPolicy
    exchange: ExchangePolicy = Field(default_factory=ExchangePolicy)
    profile_address: ProfileAddressPolicy = Field(default_factory=ProfileAddressPolicy)
    payment_change: PaymentChangePolicy = Field(default_factory=PaymentChangePolicy)
    sla: SlaMarks

    def mode_of(self, rule_id: str) -> Mode:
        section = getattr(self, rule_id, None)
        if not isinstance(section, RuleConfig):
            raise ConfigError(f"no policy section for rule {rule_id!r}")
        return section.mode


def parse_policy(text: str | bytes, source: str = "policy") -> Policy:
    try:
        return Policy.model_validate_json(text)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "(root)"
        raise ConfigError(f"{source} is not a valid policy: {where}: {first['msg']}", errors=exc.error_count()) from exc


def load_policy(path: Path | None = None) -> Policy:
    """The policy at `path`, or the packaged defaults when no path is given."""
    path = path or DEFAULT_POLICY_PATH
    try:
        text = path.read_bytes()
    except OSError as exc:
        raise ConfigError(f"cannot read policy file {path}: {exc.strerror}") from exc
    return parse_policy(text, source=str(path))
