"""The engine: one pool, one checkpointer and one compiled graph per process, and the job runner."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime

from langgraph.checkpoint.postgres.aio import AsyncPostgresSaver
from langgraph.types import Command

from copilot.cases.resume import dump_resume
from copilot.cases.store import Job
from copilot.core import db
from copilot.core.db import Pool
from copilot.core.policy import Policy, load_policy
from copilot.core.settings import Settings
from copilot.llm import LLMConfig
from copilot.workflow.graph import build_graph
from copilot.workflow.nodes import NodeDeps

# Checkpoints are written when a run pauses (interrupt) or ends. Safe because every node is
# re-runnable: side effects carry idempotency keys recorded in the same transaction as the effect,
# and a job stays unfinished in case_jobs until its run returns, so a crash re-runs it from the last pause.
DURABILITY = "exit"


def thread_config(case_id: int) -> dict[str, dict[str, str]]:
    return {"configurable": {"thread_id": f"case-{case_id}"}}


def real_clock() -> datetime:
    return datetime.now(UTC)


@dataclass
class Engine:
    pool: Pool
    deps: NodeDeps
    graph: object

    async def run_job(self, job: Job) -> None:
        config = thread_config(job.case_id)
        if job.resume is None:
            await self.graph.ainvoke({"case_id": job.case_id}, config, durability=DURABILITY)  # type: ignore[attr-defined]
        else:  # as JSON: the checkpoint keeps the pending resume, and holds no class path (copilot/cases/resume.py)
            await self.graph.ainvoke(Command(resume=dump_resume(job.resume)), config,  # type: ignore[attr-defined]
                                     durability=DURABILITY)

    async def state_of(self, case_id: int) -> dict[str, object]:
        snapshot = await self.graph.aget_state(thread_config(case_id))  # type: ignore[attr-defined]
        return dict(snapshot.values)


@asynccontextmanager
async def open_engine(url: str, settings: Settings, *, clock: Callable[[], datetime] = real_clock,
                      policy: Policy | None = None, pool: Pool | None = None,
                      pool_size: int | None = None, llm: LLMConfig | None = None) -> AsyncIterator[Engine]:
    own_pool = pool is None
    if pool is None:
        pool = db.make_pool(url, max_size=pool_size or settings.pool_max_size)
        await pool.open(wait=True, timeout=10)
    try:
        checkpointer = AsyncPostgresSaver(pool)
        await checkpointer.setup()
        deps = NodeDeps(pool=pool, clock=clock, policy=policy or load_policy(settings.policy_path),
                        settings=settings, llm=llm or LLMConfig.from_settings(settings))
        yield Engine(pool=pool, deps=deps, graph=build_graph(deps, checkpointer))
    finally:
        if own_pool:
            await pool.close()
