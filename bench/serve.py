"""The real service on loopback for the HTTP benchmarks: uvicorn in its own process, no worker inside."""

from __future__ import annotations

import asyncio
import math
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager

import httpx

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def served(url: str, *, pool_size: int = 10, with_worker: bool = False) -> Iterator[str]:
    """Start `create_app` under uvicorn on a free loopback port; yields the base URL."""
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("COPILOT_")}
    env |= {"COPILOT_DATABASE_URL": url, "COPILOT_POOL_MAX_SIZE": str(pool_size), "PYTHONPATH": ROOT}
    code = ("import uvicorn; from api.app import create_app; from copilot.settings import Settings;"
            f"uvicorn.run(create_app({url!r}, Settings(), with_worker={with_worker}), host='127.0.0.1',"
            f" port={port}, log_level='warning', access_log=False)")
    proc = subprocess.Popen([sys.executable, "-c", code], env=env, cwd=ROOT)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(base + "/healthz", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"the service did not start (exit code {proc.poll()})")
            time.sleep(0.2)
        yield base
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()


Request = tuple[str, str, dict]  # method, path, httpx keyword arguments


async def measure(base: str, requests: list[Request], clients: int) -> tuple[list[float], float, dict]:
    """Send the requests from `clients` concurrent connections; per-request latencies, wall time, statuses."""
    pending = list(reversed(requests))
    latencies: list[float] = []
    statuses: dict[int | str, int] = {}

    async def one_client(client: httpx.AsyncClient) -> None:
        while pending:
            method, path, kwargs = pending.pop()
            started = time.perf_counter()
            try:
                code: int | str = (await client.request(method, path, **kwargs)).status_code
            except httpx.TimeoutException:
                code = "timeout"
            latencies.append(time.perf_counter() - started)
            statuses[code] = statuses.get(code, 0) + 1

    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    async with httpx.AsyncClient(base_url=base, limits=limits, timeout=30) as client:
        started = time.perf_counter()
        await asyncio.gather(*(one_client(client) for _ in range(clients)))
        return latencies, time.perf_counter() - started, statuses


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    index = min(len(ordered) - 1, max(0, math.ceil(p / 100 * len(ordered)) - 1))  # nearest rank
    return ordered[index]


def row(name: str, latencies_s: list[float], elapsed_s: float, target_ms: float | None = None) -> str:
    p50, p95 = percentile(latencies_s, 50) * 1000, percentile(latencies_s, 95) * 1000
    verdict = "" if target_ms is None else ("  PASS" if p95 <= target_ms else "  MISS")
    target = "" if target_ms is None else f"<= {target_ms:.0f}"
    return (f"{name:<44} {len(latencies_s):>6} {len(latencies_s) / elapsed_s:>8.0f} {p50:>7.1f} {p95:>7.1f}"
            f" {percentile(latencies_s, 99) * 1000:>7.1f} {target:>7}{verdict}")


HEADER = f"{'measurement':<44} {'n':>6} {'req/s':>8} {'p50 ms':>7} {'p95 ms':>7} {'p99 ms':>7} {'target':>7}"
