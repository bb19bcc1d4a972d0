"""The case graph for LangGraph Studio and `langgraph dev`, named in langgraph.json. The LangGraph server
brings its own checkpointer; the nodes use the configured database (COPILOT_DATABASE_URL, else the embedded
server) through one pool per process."""

from __future__ import annotations

from typing import Any

from langchain_core.runnables import RunnableConfig
from langgraph.graph.state import CompiledStateGraph

from copilot.core import db
from copilot.core.policy import load_policy
from copilot.core.settings import Settings
from copilot.llm import LLMConfig
from copilot.workflow.engine import real_clock
from copilot.workflow.graph import build_graph
from copilot.workflow.nodes import NodeDeps

_DEPS: dict[str, NodeDeps] = {}


async def graph(config: RunnableConfig | None = None) -> CompiledStateGraph[Any, Any, Any, Any]:
    """The compiled case graph (no checkpointer: the server supplies one)."""
    settings = Settings()
    url = db.resolve_database_url(settings)
    if url not in _DEPS:
        pool = db.make_pool(url, max_size=settings.pool_max_size)
        await pool.open(wait=True, timeout=10)
        _DEPS[url] = NodeDeps(pool=pool, clock=real_clock, policy=load_policy(settings.policy_path),
                              settings=settings, llm=LLMConfig.from_settings(settings))
    return build_graph(_DEPS[url])


async def close() -> None:
    """Close the pools opened for the server (its shutdown, or a test's end)."""
    while _DEPS:
        _, deps = _DEPS.popitem()
        await deps.pool.close()
