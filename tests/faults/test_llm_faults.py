"""A slow or failing LLM server never holds a case: with the model stalling (a socket that never answers)
or answering 500, every case of a seeded desk still reaches its pause on the deterministic path within
its timeouts, every call is recorded with its failure, and no message is worded by the model."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator

import pytest

from copilot.core.settings import Settings
from copilot.llm import LLMConfig
from copilot.workflow.engine import open_engine
from tests.graph.conftest import NOW, drain, rows, seed_desk

PAUSED = {"awaiting_approval", "escalated", "awaiting_customer", "verifying", "closed", "routed_away"}


async def _serve(handler) -> AsyncIterator[tuple[str, list[int]]]:  # noqa: ANN001
    hits: list[int] = []

    async def counted(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        hits.append(1)
        await handler(reader, writer)

    server = await asyncio.start_server(counted, "127.0.0.1", 0)
    try:
        yield f"http://127.0.0.1:{server.sockets[0].getsockname()[1]}/v1", hits
    finally:
        server.close()


async def _stall(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    await reader.read(65536)
    await asyncio.sleep(60)  # never answers: an overloaded model server


async def _fail(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    await reader.read(65536)
    body = b'{"error": {"message": "internal error", "type": "server_error"}}'
    writer.write(b"HTTP/1.1 500 Internal Server Error\r\ncontent-type: application/json\r\n"
                 b"content-length: %d\r\nconnection: close\r\n\r\n%s" % (len(body), body))
    await writer.drain()
    writer.close()


# Room for a loaded 2-core machine (other suites, other cases of this one in the same event loop): a timer due
# at 1 s may fire late, but nowhere near the 60 s the stalled socket would hold a call.
LOOP_SLACK_S = 3.0


@pytest.mark.faults
@pytest.mark.parametrize(("handler", "outcome", "timeout_s"), [(_stall, "timeout", 1.0), (_fail, "error", 20.0)],
                         ids=["stalls", "fails"])
async def test_a_broken_model_server_leaves_no_case_stuck(database_url, handler, outcome, timeout_s):
    """`timeout_s` is short where the server stalls (each attempt must end by it) and generous where the server
    answers 500 at once, so that a slow event loop never turns an answered error into a timeout."""
    await seed_desk(database_url, seed=7, n_orders=120, n_customers=30, n_exceptions=24)
    async for url, hits in _serve(handler):
        config = LLMConfig(provider="openai-compatible", base_url=url, model="m", timeout_s=timeout_s,
                           max_attempts=2, backoff_s=0.01, response_format="json_object")
        started = time.perf_counter()
        async with open_engine(database_url, Settings(), clock=lambda: NOW, pool_size=6, llm=config) as engine:
            await asyncio.wait_for(drain(engine, concurrency=4), timeout=600)
            elapsed = time.perf_counter() - started
            states = await rows(engine, "SELECT status, count(*) AS n FROM cases GROUP BY 1")
            calls = await rows(engine, "SELECT purpose, outcome, attempts, latency_ms FROM llm_calls")
            written = await rows(engine, "SELECT DISTINCT written_by FROM messages")
            failed = await rows(engine, "SELECT count(*) AS n FROM case_jobs WHERE error IS NOT NULL"
                                " OR done_at IS NULL")
        assert hits, "the graph never asked the model, so this proves nothing"
        assert {s["status"] for s in states} <= PAUSED
        assert failed[0]["n"] == 0
        # After three failed calls in a row the breaker holds the rest back (not sent, no attempts).
        assert calls and {c["outcome"] for c in calls} == {outcome, "breaker_open"}
        assert all(c["attempts"] == 2 for c in calls if c["outcome"] == outcome)  # retried once, then gave up
        assert all(c["attempts"] == 0 for c in calls if c["outcome"] == "breaker_open")
        assert {w["written_by"] for w in written} <= {"template"}
        # Each call gives up after its two attempts: nothing waits on the stalled socket (60 s).
        assert max(c["latency_ms"] for c in calls) < (2 * config.timeout_s + LOOP_SLACK_S) * 1000
        print(f"\n{outcome}: {len(calls)} LLM calls failed and fell back; the desk drained in {elapsed:.1f} s")
