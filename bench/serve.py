"""The real service on loopback for the HTTP benchmarks: uvicorn in its own process, no worker inside."""

from __future__ import annotations

import asyncio
import json
import math
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from urllib.parse import urlencode, urlsplit

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
    code = ("import uvicorn; from api.app import create_app; from copilot.core.settings import Settings;"
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


Request = tuple[str, str, dict]  # method, path, and "params", "json", "headers" as httpx names them


def _encode(host: str, method: str, path: str, kwargs: dict) -> bytes:
    body = json.dumps(kwargs["json"]).encode() if "json" in kwargs else b""
    if kwargs.get("params"):
        path += "?" + urlencode(kwargs["params"])
    headers = {"Host": host, "Content-Length": str(len(body)), **kwargs.get("headers", {})}
    if "json" in kwargs:
        headers["Content-Type"] = "application/json"
    head = f"{method} {path} HTTP/1.1\r\n" + "".join(f"{k}: {v}\r\n" for k, v in headers.items()) + "\r\n"
    return head.encode() + body


async def _response(reader: asyncio.StreamReader) -> int:
    """Read one HTTP/1.1 response (sized or chunked) off a kept-alive connection; its status code."""
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    fields = {k.strip().lower(): v.strip() for k, _, v in (line.partition(":") for line in lines[1:] if line)}
    if fields.get("transfer-encoding") == "chunked":
        while size := int((await reader.readuntil(b"\r\n")).split(b";")[0], 16):
            await reader.readexactly(size + 2)
        await reader.readuntil(b"\r\n")
    else:
        await reader.readexactly(int(fields.get("content-length", "0")))
    return int(lines[0].split(" ", 2)[1])


async def measure(base: str, requests: list[Request], clients: int) -> tuple[list[float], float, dict]:
    """Send the requests from `clients` concurrent kept-alive connections; per-request latencies, wall time,
    statuses. A bare asyncio HTTP/1.1 client on purpose: the load generator shares the 2 cores with the
    service and PostgreSQL, and httpx spent 0.6 s of CPU per second of load here, which showed up as the
    service's tail latency."""
    parts = urlsplit(base)
    host = f"{parts.hostname}:{parts.port}"
    pending = list(reversed(requests))
    latencies: list[float] = []
    statuses: dict[int | str, int] = {}

    async def one_client() -> None:
        reader, writer = await asyncio.open_connection(parts.hostname, parts.port)
        try:
            while pending:
                method, path, kwargs = pending.pop()
                started = time.perf_counter()
                writer.write(_encode(host, method, path, kwargs))
                try:
                    code: int | str = await asyncio.wait_for(_response(reader), timeout=30)
                except TimeoutError:
                    code = "timeout"
                latencies.append(time.perf_counter() - started)
                statuses[code] = statuses.get(code, 0) + 1
                if code == "timeout":
                    return
        finally:
            writer.close()

    started = time.perf_counter()
    await asyncio.gather(*(one_client() for _ in range(clients)))
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
