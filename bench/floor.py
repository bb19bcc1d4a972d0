"""The floor under the triage bench: what LangGraph and its Postgres checkpointer cost alone.

Six nodes with trivial bodies, the last one an approval interrupt, AsyncPostgresSaver on a pool, durability
"exit", run by worker processes like ours (`concurrency` cases at once each). A case here does nothing a
real case does (no signal, no facts, no plan, no job row), so cases/s on this graph is the most the same
machine can give with this engine; the triage bench prints ours as a fraction of it.

Run as a worker: `python -m bench.floor URL FIRST COUNT STRIDE CONCURRENCY RUN_ID` handles thread numbers
FIRST, FIRST+STRIDE, ... below COUNT and exits."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import time
from typing import Any, TypedDict

from langgraph.checkpoint.postgres.aio import AsyncPostgresSaver
from langgraph.graph import START, StateGraph
from langgraph.graph.state import CompiledStateGraph
from langgraph.types import interrupt
from psycopg import AsyncConnection
from psycopg.rows import DictRow, dict_row
from psycopg_pool import AsyncConnectionPool

from copilot.workflow import eventloop

NODES = ("intake", "classify", "gather_facts", "plan", "check_guardrails")


class FloorState(TypedDict, total=False):
    case_id: int
    steps: list[str]
    decision: Any


def _step(name: str) -> Any:
    async def body(state: FloorState) -> FloorState:
        return {"steps": [*state.get("steps", []), name]}
    return body


async def _await_approval(state: FloorState) -> FloorState:
    return {"decision": interrupt({"case_id": state["case_id"], "plan_version": 1})}


def build_floor_graph(checkpointer: AsyncPostgresSaver) -> CompiledStateGraph:
    graph = StateGraph(FloorState)
    previous = START
    for name in NODES:
        graph.add_node(name, _step(name))
        graph.add_edge(previous, name)
        previous = name
    graph.add_node("await_approval", _await_approval)
    graph.add_edge(previous, "await_approval")
    return graph.compile(checkpointer=checkpointer)


def floor_pool(url: str, concurrency: int) -> AsyncConnectionPool[AsyncConnection[DictRow]]:
    return AsyncConnectionPool(url, min_size=concurrency, max_size=concurrency + 2, open=False,
                               connection_class=AsyncConnection[DictRow],
                               kwargs={"autocommit": True, "row_factory": dict_row})


async def work(url: str, numbers: list[int], concurrency: int, run_id: str) -> None:
    pool = floor_pool(url, concurrency)
    await pool.open(wait=True, timeout=30)
    try:
        checkpointer = AsyncPostgresSaver(pool)
        graph = build_floor_graph(checkpointer)
        queue: asyncio.Queue[int] = asyncio.Queue()
        for n in numbers:
            queue.put_nowait(n)

        done: list[float] = []

        async def one_task() -> None:
            while not queue.empty():
                n = queue.get_nowait()
                config = {"configurable": {"thread_id": f"floor-{run_id}-{n}"}}
                await graph.ainvoke({"case_id": n}, config, durability="exit")
                done.append(time.time())

        await asyncio.gather(*(one_task() for _ in range(concurrency)))
        print(f"{min(done)} {max(done)}", flush=True)  # the parent's steady-state window
    finally:
        await pool.close()


async def setup(url: str) -> None:
    async with await AsyncConnection.connect(url, autocommit=True) as conn:
        await AsyncPostgresSaver(conn).setup()


def run_floor(url: str, cases: int, workers: int, concurrency: int) -> tuple[float, float]:
    """Seconds for `workers` processes to take `cases` threads to their interrupt, timed from their start
    like the triage bench times ours (process start-up counts against both), and the steady-state span
    from the first case done to the last."""
    asyncio.run(setup(url))
    run_id = f"{os.getpid()}-{time.time_ns()}"
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([root, os.environ.get("PYTHONPATH", "")])}
    started = time.perf_counter()
    procs = [subprocess.Popen([sys.executable, "-m", "bench.floor", url, str(k), str(cases), str(workers),
                               str(concurrency), run_id], env=env, cwd=root, stdout=subprocess.PIPE, text=True)
             for k in range(workers)]
    outs = [p.communicate(timeout=600)[0] for p in procs]
    elapsed = time.perf_counter() - started
    if any(p.returncode for p in procs):
        raise RuntimeError(f"a floor worker failed: exit codes {[p.returncode for p in procs]}")
    windows = [tuple(map(float, out.split())) for out in outs]
    return elapsed, max(w[1] for w in windows) - min(w[0] for w in windows)


def main(argv: list[str]) -> None:
    url, first, count, stride, concurrency, run_id = argv
    numbers = list(range(int(first), int(count), int(stride)))
    eventloop.run(work(url, numbers, int(concurrency), run_id))  # the loop `copilot worker` runs on


if __name__ == "__main__":
    main(sys.argv[1:])
