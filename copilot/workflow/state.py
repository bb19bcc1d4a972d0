"""The case graph's state. It is checkpointed as JSON (durability "exit"), so models are kept as their JSON
dumps and read back through the typed accessors below: a checkpoint holds no class path, so a module that
moves, or LangGraph's strict msgpack mode, leaves every paused thread readable."""

from __future__ import annotations

from typing import Any, Literal, TypedDict

from copilot.cases.resume import Approve, Edit, Reject, Replan, parse_resume
from copilot.decide.plan import CaseState, Plan

JsonObject = dict[str, Any]  # a model's JSON dump; read it through the accessors below
Decision = Approve | Edit | Reject | Replan

# What a node chose for the branch that follows it (read by the edge functions in copilot/workflow/graph.py).
Route = Literal[
    "auto_approve", "await_approval", "escalate",                          # after check_guardrails
    "execute", "check_guardrails", "classify", "gather_facts", "close",   # after await_approval
    "replan", "ask_again", "handed_over",                                  # after await_customer
    "recheck", "reopened",                                                 # after verify
]


class ReplyMemo(TypedDict, total=False):
    """What the last customer reply was read as; `unclear` counts replies in a row that chose nothing."""

    signal_id: int | None
    choice: str | None
    why: str
    unclear: int


class CaseGraphState(TypedDict, total=False):
    case_id: int
    out_of_scope: bool
    ticket_facts: JsonObject           # the LLM's reconciled reading of the ticket, {} without one
    llm_reading: JsonObject            # the LLM's Reading (copilot/reading/checked.py), {} without one
    facts: JsonObject                  # CaseState
    plan: JsonObject                   # Plan
    message: str
    message_source: str                # "template" or what the LLM step reports
    plan_version: int
    verdicts: list[JsonObject]         # Verdict, each
    route: Route
    decision: JsonObject               # the Resume a decision pause took (approve/edit/reject/replan), {} after
    execution_failed: str
    awaits_customer: bool
    reply: ReplyMemo
    verified: bool
    close_reason: str
    rejected_actions: list[JsonObject]  # {"tool", "args"} of the plan a person rejected
    rejected_because: str


def case_state(state: CaseGraphState) -> CaseState:
    return CaseState.model_validate(state["facts"])


def plan_of(state: CaseGraphState) -> Plan:
    return Plan.model_validate(state["plan"])


def decision_of(state: CaseGraphState) -> Decision | None:
    """The decision this run acts on; None when there is none (or a checkpoint holds a pre-union marker)."""
    raw = state.get("decision") or {}
    if raw.get("action") not in ("approve", "edit", "reject", "replan"):
        return None
    resume = parse_resume(raw)
    return resume if isinstance(resume, Approve | Edit | Reject | Replan) else None
