"""The case workflow as a LangGraph StateGraph. Node bodies live in copilot/nodes.py."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from functools import partial
from typing import Literal

from langgraph.graph import END, START, StateGraph
from langgraph.graph.state import CompiledStateGraph
from langgraph.types import Checkpointer

from copilot import nodes
from copilot.nodes import CaseGraphState, NodeDeps

# Routes the nodes set, to the node that follows (typed, so the graph's edges are checked).
_AFTER_GUARDRAILS: dict[str, Literal["auto_approve", "await_approval", "escalate"]] = {
    "auto_approve": "auto_approve", "await_approval": "await_approval", "escalate": "escalate"}
_AFTER_REPLY: dict[str, Literal["plan", "await_customer", "escalate", "await_approval"]] = {
    "replan": "plan", "ask_again": "await_customer", "escalate": "escalate", "handed_over": "await_approval"}
_AFTER_VERIFY: dict[str, Literal["close", "verify", "gather_facts"]] = {
    "close": "close", "recheck": "verify", "reopened": "gather_facts"}


def after_classify(state: CaseGraphState) -> Literal["gather_facts", "close"]:
    return "close" if state.get("out_of_scope") else "gather_facts"


def after_guardrails(state: CaseGraphState) -> Literal["auto_approve", "await_approval", "escalate"]:
    return _AFTER_GUARDRAILS[state["route"]]


def after_decision(state: CaseGraphState) -> Literal["execute", "check_guardrails", "plan", "close", "await_approval",
                                                    "classify", "gather_facts"]:
    """A re-plan for a new signal reads the facts again (and the latest ticket, when the signal was one)."""
    decision = state["decision"]["action"]
    if decision == "replan":
        return "classify" if state["decision"].get("reread_ticket") else "gather_facts"
    if decision == "stale":
        return "await_approval"
    if decision == "approve":
        return "execute"
    if decision == "edit":
        return "check_guardrails"
    # A rejected plan is planned again on facts read again: the reason may be that they changed.
    return "close" if state["decision"].get("close") else "gather_facts"


def after_execute(state: CaseGraphState) -> Literal["send", "escalate"]:
    return "escalate" if state.get("execution_failed") else "send"


def after_send(state: CaseGraphState) -> Literal["await_customer", "verify"]:
    return "await_customer" if state.get("awaits_customer") else "verify"


def after_reply(state: CaseGraphState) -> Literal["plan", "await_customer", "escalate", "await_approval", "__end__"]:
    """A chosen option is re-planned on facts read with it; one unclear reply asks again; two hand over to a
    person, who works the case from the approval pause (re-plan, edit, close)."""
    return _AFTER_REPLY.get(state.get("route") or "", "__end__")


def after_verify(state: CaseGraphState) -> Literal["close", "verify", "gather_facts", "__end__"]:
    """Done closes; not yet moved waits for the next re-read; past the window the case reopens and re-plans."""
    return _AFTER_VERIFY.get(state.get("route") or "", "__end__")


def build_graph(deps: NodeDeps, checkpointer: Checkpointer = None) -> CompiledStateGraph:
    graph = StateGraph(CaseGraphState)

    def node(name: str, fn: Callable[..., Awaitable[CaseGraphState]]) -> None:
        graph.add_node(name, partial(fn, deps=deps))

    node("intake", nodes.intake)
    node("classify", nodes.classify)
    node("gather_facts", nodes.gather_facts)
    node("plan", nodes.plan)
    node("draft_message", nodes.draft_message)
    node("check_guardrails", nodes.check_guardrails)
    node("auto_approve", nodes.auto_approve)
    node("await_approval", nodes.await_approval)
    node("escalate", nodes.escalate)
    node("execute", nodes.execute)
    node("send", nodes.send)
    node("await_customer", nodes.await_customer)
    node("verify", nodes.verify)
    node("close", nodes.close)

    graph.add_edge(START, "intake")
    graph.add_edge("intake", "classify")
    graph.add_conditional_edges("classify", after_classify)
    graph.add_edge("gather_facts", "plan")
    # The draft exists before the guardrails run: rule 9 checks, and the approver sees, the exact text.
    graph.add_edge("plan", "draft_message")
    graph.add_edge("draft_message", "check_guardrails")
    graph.add_conditional_edges("check_guardrails", after_guardrails)
    graph.add_edge("auto_approve", "await_approval")
    graph.add_conditional_edges("await_approval", after_decision)
    graph.add_conditional_edges("execute", after_execute)
    graph.add_conditional_edges("send", after_send)
    graph.add_conditional_edges("await_customer", after_reply)
    graph.add_conditional_edges("verify", after_verify)
    # An escalated case waits for its owner at the same pause as an approval: approve, edit, re-plan, close.
    graph.add_edge("escalate", "await_approval")
    graph.add_edge("close", END)
    return graph.compile(checkpointer=checkpointer)
