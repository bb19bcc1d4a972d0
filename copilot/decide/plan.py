"""What the playbooks and guardrails reason over: the case state, proposed actions, the plan, verdicts."""

from __future__ import annotations

from decimal import Decimal
from enum import StrEnum
from typing import Literal, TypeVar

from pydantic import AwareDatetime, BaseModel, Field, SerializeAsAny, model_validator

from copilot.core.models import CaseStatus, Category, Disposition, Signal, Strict
from copilot.core.policy import Mode, Role
from copilot.decide.messages import CONTEXTS, MessageContext, Scenario
from copilot.reading.model import Reading
from tools import registry
from tools import schemas as s
from tools.address import street_key
from tools.base import ToolKind
from tools.contracts.domain import Address

# The kind and input model of every tool, from the registry where each tool is declared once.
TOOL_INPUTS: dict[str, tuple[ToolKind, type[BaseModel]]] = {
    name: (spec.kind, spec.input_model) for name, spec in registry.TOOLS.items()}
CONTACT_TOOLS = frozenset(registry.names(ToolKind.CONTACT))
MONEY_TOOLS = frozenset(registry.names(ToolKind.MONEY))


class Origin(StrEnum):
    """Where an action's argument values came from; anything but `facts` is untrusted (rule 11)."""

    facts = "facts"
    ticket = "ticket"
    llm = "llm"


ArgsT = TypeVar("ArgsT", bound=BaseModel)


class ProposedAction(Strict):
    action_id: str = Field(pattern=r"^[A-Za-z0-9_.\-]+$")
    tool: str
    kind: ToolKind
    args: SerializeAsAny[BaseModel]
    origin: Origin = Origin.facts

    @model_validator(mode="before")
    @classmethod
    def _typed_args(cls, data: object) -> object:
        if not isinstance(data, dict) or data.get("tool") not in TOOL_INPUTS:
            if isinstance(data, dict):
                raise ValueError(f"unknown tool {data.get('tool')!r}")
            return data
        kind, model = TOOL_INPUTS[data["tool"]]
        data = dict(data)
        data.setdefault("kind", kind)
        if ToolKind(data["kind"]) is not kind:
            raise ValueError(f"{data['tool']} is a {kind} tool, not {data['kind']}")
        args = data.get("args")
        if not isinstance(args, model):
            data["args"] = model.model_validate(args.model_dump() if isinstance(args, BaseModel) else args)
        return data

    @property
    def order_id(self) -> str | None:
        return getattr(self.args, "order_id", None)

    def args_as(self, model: type[ArgsT]) -> ArgsT:
        """The arguments as the input model a rule relies on (the validator above made them that model);
        a mismatch means a rule was registered for a tool it does not understand."""
        if not isinstance(self.args, model):
            raise TypeError(f"{self.tool} carries {type(self.args).__name__}, not {model.__name__}")
        return self.args


def action(action_id: str, tool: str, args: BaseModel | dict, origin: Origin = Origin.facts) -> ProposedAction:
    return ProposedAction.model_validate({"action_id": action_id, "tool": tool, "args": args, "origin": origin})


class CustomerRequest(Strict):
    """What the customer asked, read from ticket text into typed fields by rules or an LLM: untrusted."""

    origin: Literal[Origin.ticket, Origin.llm] = Origin.ticket
    intent: Literal["cancel", "change_address", "swap_item", "remove_item", "refund_status", "refund",
                    "damaged", "wrong_item", "missing", "not_received", "payment_help", "other",
                    "exchange", "change_profile_address", "change_payment",
                    # a customer's answer to the one ask (copilot/workflow/replies.py reads it)
                    "accept_substitute", "split", "wait", "confirm_address", "new_address",
                    "payment_updated", "reship"]
    order_id: str | None = None
    new_address: Address | None = None
    line_no: int | None = Field(default=None, ge=1)
    new_sku: str | None = None
    amount: Decimal | None = Field(default=None, gt=0)


class OrderChoice(Strict):
    """One of the customer's orders a ticket that names none could be about (copilot/cases/order_inference.py)."""

    order_id: str
    status: str
    items: list[str]


class AddressCheck(Strict):
    """validate_address's answer for one address (the output does not echo its input)."""

    address: Address
    result: s.ValidateAddressOutput


class OrderFacts(Strict):
    """What READ tools gathered on another of the customer's orders that a request of the ticket acts on."""

    order: s.LookupOrderOutput
    payment: s.LookupPaymentOutput | None = None
    shipments: s.TrackShipmentOutput | None = None
    inventory: list[s.LocateInventoryOutput] = Field(default_factory=list)
    address_checks: list[AddressCheck] = Field(default_factory=list)


class CaseState(Strict):
    """Case meta plus the facts READ tools gathered. `now` is the case's clock: no rule reads another."""

    case_id: int
    category: Category
    now: AwareDatetime
    status: CaseStatus = CaseStatus.triaged
    escalation_level: int = Field(default=0, ge=0)
    classified_by: Literal["rules", "llm", "human"] = "rules"
    confidence: float = Field(default=1.0, ge=0, le=1)
    filed_by: str | None = Field(default=None, description="What triage filed the case on: a system event ('kind', "
                                 "'exception_code'), a ticket's reading ('reading'), an LLM ('llm').")
    signal: Signal | None = None
    ticket_id: str | None = None
    request: CustomerRequest | None = None
    reading: Reading | None = None  # the latest ticket's Reading, grounded in this customer's orders
    order: s.LookupOrderOutput | None = None
    customer: s.LookupCustomerOutput | None = None
    payment: s.LookupPaymentOutput | None = None
    shipments: s.TrackShipmentOutput | None = None
    address_checks: list[AddressCheck] = Field(default_factory=list)
    candidate_orders: list[OrderChoice] = Field(default_factory=list)
    inventory: list[s.LocateInventoryOutput] = Field(default_factory=list)
    fraud: s.AssessFraudSignalsOutput | None = None
    planned_refunds: Decimal = Field(default=Decimal("0"), ge=0)
    related: list[OrderFacts] = Field(default_factory=list, description="Other orders of the same customer the "
                                                                          "ticket's requests act on.")

    def for_order(self, order_id: str | None) -> CaseState:
        """The case as seen from one of the orders it acts on: that order's facts in place of the case's own, so
        every rule judges an action against the order it touches. An order not gathered gives the case itself
        (and rule 8 then blocks an action on it)."""
        if order_id is None or order_id == self.order_id:
            return self
        other = next((o for o in self.related if o.order.order.id == order_id), None)
        if other is None:
            return self
        return self.model_copy(update={"order": other.order, "payment": other.payment, "shipments": other.shipments,
                                       "inventory": other.inventory, "address_checks": other.address_checks,
                                       "planned_refunds": Decimal("0")})

    @property
    def all_orders(self) -> list[OrderFacts]:
        """The case's own order (when it has one) and the related ones, as OrderFacts."""
        own = [OrderFacts(order=self.order, payment=self.payment, shipments=self.shipments, inventory=self.inventory,
                          address_checks=self.address_checks)] if self.order else []
        return own + [o for o in self.related if o.order.order.id != self.order_id]

    @property
    def order_id(self) -> str | None:
        return self.order.order.id if self.order else None

    @property
    def order_value(self) -> Decimal:
        return self.order.order.total if self.order else Decimal("0")

    @property
    def identified_email(self) -> str | None:
        """The customer the inbound signal names; the order must belong to them (rule 8)."""
        return self.signal.customer_email.lower() if self.signal and self.signal.customer_email else None

    @property
    def latest_payment(self) -> s.PaymentSnapshot | None:
        return self.payment.payments[-1] if self.payment and self.payment.payments else None

    @property
    def refundable(self) -> Decimal:
        """Captured minus refunded, minus refunds already proposed earlier in the same plan."""
        if self.payment is None:
            return Decimal("0")
        return max(Decimal("0"), self.payment.captured - self.payment.refunded - self.planned_refunds)

    @property
    def fulfillments(self) -> list[s.FulfillmentSnapshot]:
        return self.order.fulfillments if self.order else []

    def shipment_events(self) -> list[s.TrackingEventOut]:
        return [e for sh in (self.shipments.shipments if self.shipments else []) for e in sh.events]

    @property
    def signed_delivery(self) -> bool:
        """The carrier confirmed a signature at delivery."""
        return any(e.status == "delivered" and "sign" in f"{e.status_detail or ''} {e.message or ''}".lower()
                   for e in self.shipment_events())

    def check_for(self, address: Address) -> s.ValidateAddressOutput | None:
        """The validation of an address for this order's carrier; else (a profile address, a case with no
        order) the one made for another of the customer's orders."""
        for check in [*self.address_checks, *(c for o in self.related for c in o.address_checks)]:
            if check.address == address or check.result.normalized == address:
                return check.result
        return None

    def on_record(self, address: Address) -> bool:
        """The customer already has this address (same building and ZIP): on the profile, in its history, or on
        one of their orders."""
        customer = self.customer
        known = [*([customer.address] if customer and customer.address else []),
                 *(customer.previous_addresses if customer else []),
                 *(o.order.order.shipping_address for o in self.all_orders)]
        key = street_key(address)
        return any(a.zip == address.zip and street_key(a) == key for a in known)

    def unlisted_zip_on_record(self, address: Address, check: s.ValidateAddressOutput) -> bool:
        """The only fault is a ZIP the USPS tables do not list, and the customer already has this very address
        (an older order went there): worth a person's look, not a refusal (rules 3 and the profile's)."""
        return check.issues == ["zip_unknown"] and self.on_record(address)


class Plan(Strict):
    """A playbook's decision. A message, when there is one, carries exactly one ask; a customer decision
    always has one."""

    disposition: Disposition
    actions: list[ProposedAction]
    scenario: Scenario | None = None
    message: SerializeAsAny[MessageContext] | None = None
    ask: str | None = Field(default=None, min_length=1, description="The one decision asked of the customer.")
    reasons: list[str] = Field(min_length=1)
    language: str = Field(default="en", description="The language the message is written in (copilot/decide/languages.py).")

    @model_validator(mode="before")
    @classmethod
    def _typed_message(cls, data: object) -> object:
        if isinstance(data, dict) and isinstance(data.get("message"), dict) and data.get("scenario") in CONTEXTS:
            data = dict(data)
            data["message"] = CONTEXTS[Scenario(data["scenario"])].model_validate(data["message"])
        return data

    @model_validator(mode="after")
    def _consistent(self) -> Plan:
        ids = [a.action_id for a in self.actions]
        if len(ids) != len(set(ids)):
            raise ValueError(f"action ids repeat in the plan: {ids}")
        if (self.scenario is None) != (self.message is None) or (self.message is None) != (self.ask is None):
            raise ValueError("scenario, message and ask come together or not at all")
        if self.scenario is not None and type(self.message) is not CONTEXTS[self.scenario]:
            raise ValueError(f"scenario {self.scenario} needs a {CONTEXTS[self.scenario].__name__} message")
        if self.disposition is Disposition.needs_customer_decision and self.scenario is None:
            raise ValueError("a customer decision needs a message with its one ask")
        return self


Outcome = Literal["allow", "needs_approval", "block"]


class Verdict(Strict):
    outcome: Outcome
    rule_id: str
    reason: str = Field(min_length=1)
    role: Role | None = Field(default=None, description="Who must approve, or who a block escalates to.")
    mode: Mode = Mode.active
    action_id: str | None = None

    @model_validator(mode="after")
    def _role_when_approval(self) -> Verdict:
        if self.outcome == "needs_approval" and self.role not in (Role.agent, Role.lead, Role.finance):
            raise ValueError("needs_approval names the approving role: agent, lead or finance")
        return self
