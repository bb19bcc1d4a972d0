"""The case workflow as a LangGraph StateGraph. Node bodies live in copilot/workflow/nodes.py."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from functools import partial
from typing import Literal

from langgraph.graph import END, START, StateGraph
from langgraph.graph.state import CompiledStateGraph
from langgraph.types import Checkpointer

from copilot.workflow import nodes
from copilot.workflow.nodes import NodeDeps
from copilot.workflow.state import CaseGraphState


def after_classify(state: CaseGraphState) -> Literal["gather_facts", "close"]:
    return "close" if state.get("out_of_scope") else "gather_facts"


def after_guardrails(state: CaseGraphState) -> Literal["auto_approve", "await_approval", "escalate"]:
    route = state["route"]
    if route not in ("auto_approve", "await_approval", "escalate"):
        raise ValueError(f"check_guardrails routed to {route}")
    return route


def after_decision(state: CaseGraphState) -> Literal["execute", "check_guardrails", "close", "await_approval",
                                                    "classify", "gather_facts"]:
    """await_approval chose from the typed decision (copilot/workflow/nodes.py): approve executes, edit re-checks,
    reject re-plans on facts read again or closes, a re-plan for a new signal reads the facts (and the latest
    ticket, when the signal was one) again, a stale decision waits again."""
    route = state["route"]
    if route not in ("execute", "check_guardrails", "close", "await_approval", "classify", "gather_facts"):
        raise ValueError(f"await_approval routed to {route}")
    return route


def after_execute(state: CaseGraphState) -> Literal["send", "escalate"]:
    return "escalate" if state.get("execution_failed") else "send"


def after_send(state: CaseGraphState) -> Literal["await_customer", "verify"]:
    return "await_customer" if state.get("awaits_customer") else "verify"


def after_reply(state: CaseGraphState) -> Literal["plan", "await_customer", "await_approval", "__end__"]:
    """A chosen option is re-planned on facts read with it; one unclear reply asks again; two hand over to a
    person (the reply step escalated the case), who works it from the approval pause (re-plan, edit, close)."""
    match state.get("route"):
        case "replan":
            return "plan"
        case "ask_again":
            return "await_customer"
        case "handed_over":
            return "await_approval"
        case _:
            return "__end__"


def after_verify(state: CaseGraphState) -> Literal["close", "verify", "gather_facts", "__end__"]:
    """Done closes; not yet moved waits for the next re-read; past the window the case reopens and re-plans."""
    match state.get("route"):
        case "close":
            return "close"
        case "recheck":
            return "verify"
        case "reopened":
            return "gather_facts"
        case _:
            return "__end__"


def build_graph(deps: NodeDeps, checkpointer: Checkpointer = None) -> CompiledStateGraph:
    graph = StateGraph(CaseGraphState)

    def node(name: str, fn: Callable[..., Awaitable[CaseGraphState]]) -> None:
        graph.add_node(name, partial(fn, deps=deps))

    node("classify", nodes.classify)
    node("gather_facts", nodes.gather_facts)
    node("plan", nodes.plan)
    node("check_guardrails", nodes.check_guardrails)
    node("auto_approve", nodes.auto_approve)
    node("await_approval", nodes.await_approval)
    node("escalate", nodes.escalate)
    node("execute", nodes.execute)
    node("send", nodes.send)
    node("await_customer", nodes.await_customer)
    node("verify", nodes.verify)
    node("close", nodes.close)

    # Intake (copilot/intake/) built and triaged the case before its first job: the graph starts at classify.
    graph.add_edge(START, "classify")
    graph.add_conditional_edges("classify", after_classify)
    graph.add_edge("gather_facts", "plan")
    # plan drafts the message too, so the draft exists before the guardrails run: rule 9 checks, and the
    # approver sees, the exact text.
    graph.add_edge("plan", "check_guardrails")
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
