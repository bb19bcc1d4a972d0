"""The eval case (one JSON line of a dataset) and what a run reports about it."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import AwareDatetime, Field

from copilot.core.models import Category, Disposition, Priority, Signal, Strict
from tools.connectors.sandbox.world import World

Approval = Literal["auto", "approval", "blocked", "escalate", "routed_away"]


class ExpectedAction(Strict):
    """A tool the plan must propose; only the arguments listed here are compared."""

    tool: str = Field(min_length=1)
    args: dict[str, Any] = Field(default_factory=dict)


class MessageExpect(Strict):
    max_words: int = Field(default=90, gt=0)
    asks: int | None = Field(default=1, ge=0, description="None: no message is expected at all.")
    must_mention: list[str] = Field(default_factory=list)
    must_not_mention: list[str] = Field(default_factory=list)


class Expect(Strict):
    category: Category
    disposition: Disposition | None = None
    priority: Priority | None = None
    actions: list[ExpectedAction] = Field(default_factory=list)
    forbidden_actions: list[str] = Field(default_factory=list)
    approval: Approval
    message: MessageExpect | None = None


class EvalCase(Strict):
    id: str = Field(min_length=1)
    tags: list[str] = Field(default_factory=list)
    note: str | None = None
    signals: list[Signal] = Field(min_length=1)
    world: World | str = Field(description="An inline world, or the name of evals/datasets/worlds/<name>.json.")
    now: AwareDatetime
    expect: Expect


class ActualAction(Strict):
    action_id: str
    tool: str
    args: dict[str, Any]
    outcome: str = Field(description="The most restrictive active verdict: allow, needs_approval or block.")
    status: str


class Actual(Strict):
    category: str | None = None
    disposition: str | None = None
    priority: str | None = None
    status: str | None = None
    approval: str = "none"
    actions: list[ActualAction] = Field(default_factory=list)
    message: str | None = None
    error: str | None = None


class CaseScore(Strict):
    category_ok: bool
    disposition_ok: bool | None
    priority_ok: bool | None
    approval_ok: bool
    matched_actions: int
    expected_actions: int
    proposed_actions: int
    violations: list[str]
    false_automation: bool
    message_ok: bool | None
    message_problems: list[str]
    claims_ok: bool | None = Field(default=None, description="None: no draft; else every statement is backed.")
    claim_problems: list[str] = Field(default_factory=list)

    @property
    def passed(self) -> bool:
        return (self.category_ok and self.disposition_ok is not False and self.priority_ok is not False
                and self.approval_ok and self.matched_actions == self.expected_actions and not self.violations
                and not self.false_automation and self.message_ok is not False and self.claims_ok is not False)


class CaseResult(Strict):
    id: str
    tags: list[str]
    expected: Expect
    actual: Actual
    score: CaseScore
    passed: bool
    failures: list[str]
    latency_ms: float
    llm_tokens: int
    attempt: int = 0
    llm_calls: int = 0
    llm_failed: int = Field(default=0, description="Calls the server did not answer (error or timeout).")
    llm_short_circuited: int = Field(default=0, description="Calls not sent: the circuit breaker was open.")


class Metrics(Strict):
    n_cases: int
    category_macro_f1: float
    disposition_accuracy: float
    priority_accuracy: float
    action_precision: float
    action_recall: float
    approval_accuracy: float
    guardrail_violations: int
    false_automations: int
    message_pass_rate: float
    claims_supported: float = Field(default=1.0, description="Share of drafts whose every statement the facts back.")
    latency_ms_p50: float
    latency_ms_p95: float
    llm_tokens_per_case: float
    llm_calls: int = 0
    llm_error_rate: float = Field(default=0.0, description="Share of LLM calls that got no answer: an error, a"
                                  " timeout, or not sent because the circuit breaker was open.")
    llm_short_circuited: int = Field(default=0, description="LLM calls held back by the open circuit breaker.")
    pass_rate: float
    pass_k: float | None = None


class GateResult(Strict):
    passed: bool
    failures: list[str]
    broken_cases: list[str]


class Report(Strict):
    suite: str
    started_at: datetime
    llm: str
    repeat: int
    metrics: Metrics
    confusion: dict[str, dict[str, int]]
    cases: list[CaseResult]
    baseline_diff: dict[str, Any] | None = None
    gate: GateResult | None = None
