"""langgraph.json opens the case graph in LangGraph Studio / `langgraph dev`: its "graphs" entry names an
importable factory that builds the same graph the worker runs."""

from __future__ import annotations

import importlib.util
import inspect
import json
from pathlib import Path
from types import ModuleType

from langgraph.graph.state import CompiledStateGraph

from copilot.workflow.state import CaseGraphState

ROOT = Path(__file__).resolve().parents[2]
NODES = {"classify", "gather_facts", "plan", "check_guardrails", "auto_approve",
         "await_approval", "escalate", "execute", "send", "await_customer", "verify", "close"}


def _load(entry: str) -> tuple[ModuleType, object]:
    """What `langgraph dev` does with a "graphs" entry: import the file, take the named object."""
    path, _, name = entry.partition(":")
    spec = importlib.util.spec_from_file_location("langgraph_json_entry", ROOT / path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module, getattr(module, name)


async def test_the_graph_named_in_langgraph_json_is_the_case_graph(database_url, monkeypatch):
    config = json.loads((ROOT / "langgraph.json").read_text())
    assert list(config["graphs"]) == ["case"] and config["dependencies"] == ["."]
    module, factory = _load(config["graphs"]["case"])
    assert inspect.iscoroutinefunction(factory)
    monkeypatch.setenv("COPILOT_DATABASE_URL", database_url)
    try:
        graph = await factory({"configurable": {}})  # type: ignore[operator]
        again = await factory(None)  # type: ignore[operator]
    finally:
        await module.close()
    assert isinstance(graph, CompiledStateGraph) and isinstance(again, CompiledStateGraph)
    assert set(graph.nodes) - {"__start__"} == NODES
    assert graph.builder.state_schema is CaseGraphState
    drawn = graph.get_graph()
    assert {(e.source, e.target) for e in drawn.edges} >= {
        ("__start__", "classify"), ("plan", "check_guardrails"), ("check_guardrails", "await_approval"), ("await_approval", "execute"),
        ("execute", "send")}
