"""`copilot llm serve-local`'s supervisor with a real server process: tests/llm_replay_server.py (answers of
the real local model recorded in tests/cassettes; CI has no llama.cpp build). With extra buffer types on,
the server there kills itself with SIGILL on its first completion, as llama.cpp did on a CPU reporting AMX:
the supervisor does not say ready, starts it without them, and says ready only after a completion came back.
A server killed later is started again; stop() leaves no server process behind."""

from __future__ import annotations

import os
import signal
import socket
import sys
import threading
import time
from pathlib import Path

import httpx
import psutil

from copilot.llm.serve import Attempt, Supervisor, probe_messages

REPO = Path(__file__).resolve().parents[2]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_ready_only_after_a_completion_portable_after_a_crash_and_restarted_when_killed():
    port = _free_port()
    base = f"http://127.0.0.1:{port}/v1"
    tried: list[bool] = []

    def command(attempt: Attempt) -> tuple[list[str], dict[str, str]]:
        tried.append(attempt.extra_bufts)
        crash = ["--die-on-completion"] if attempt.extra_bufts else []
        return [sys.executable, "-m", "tests.llm_replay_server", str(port), *crash], {**os.environ,
                                                                                    "PYTHONPATH": str(REPO)}

    said: list[str] = []
    supervisor = Supervisor(command, base, "smollm2-135m", say=said.append, ready_timeout_s=60)
    attempt = supervisor.start()
    assert (attempt.extra_bufts, tried) == (False, [True, False])
    assert said[0] == "the model server failed its first completion (extra buffer types on: killed by SIGILL)"
    assert said[1].startswith(f"ready: {base} answered a completion") and said[1].endswith("types off)")
    answer = httpx.post(f"{base}/chat/completions", json={"model": "smollm2-135m", "messages": probe_messages()}, timeout=10)
    assert answer.json()["choices"][0]["message"]["content"]

    watcher = threading.Thread(target=supervisor.watch, args=(attempt,))
    watcher.start()
    assert supervisor.child is not None
    first = supervisor.child.pid
    os.kill(first, signal.SIGKILL)
    deadline = time.monotonic() + 60
    while not any(line.startswith("ready again") for line in said) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert "the model server killed by SIGKILL; restarting it" in said
    assert supervisor.child.pid != first and f"ready again (pid {supervisor.child.pid})" in said
    assert httpx.get(f"{base}/models", timeout=5).status_code == 200

    second = supervisor.child.pid
    supervisor.stop()
    watcher.join(timeout=30)
    assert not watcher.is_alive() and tried == [True, False, False]
    assert not psutil.pid_exists(second) or psutil.Process(second).status() == psutil.STATUS_ZOMBIE
