"""Start-up: bad configuration stops with one clear line; two processes share one embedded server."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path


def _copilot(*args: str, env: dict[str, str], timeout: float = 60) -> subprocess.CompletedProcess[str]:
    full_env = {k: v for k, v in os.environ.items() if not k.startswith("COPILOT_")} | env
    return subprocess.run([sys.executable, "-m", "cli", *args], capture_output=True, text=True,
                          env=full_env, timeout=timeout)


def test_unreachable_database_url_is_one_line_not_a_traceback():
    result = _copilot("db", "migrate", env={"COPILOT_DATABASE_URL": "postgresql://nobody@127.0.0.1:9/none"})
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("copilot: cannot reach COPILOT_DATABASE_URL")
    assert "Traceback" not in result.stderr


def test_data_folder_that_cannot_be_written_is_one_line(tmp_path: Path):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    result = _copilot("db", "migrate", env={"COPILOT_DATA_DIR": str(blocker / "data")})
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "is not writable" in lines[0] and "COPILOT_DATA_DIR" in lines[0]


def test_two_processes_on_one_data_folder_share_the_server(tmp_path: Path):
    env = {"COPILOT_DATA_DIR": str(tmp_path / "data")}
    script = (
        "import sys; from copilot.core.settings import Settings; from copilot.workflow.runtime import prepare_database;"
        "import psycopg; url = prepare_database(Settings());"
        "print(psycopg.connect(url).execute('select pg_postmaster_start_time()').fetchone()[0])"
    )
    full_env = {k: v for k, v in os.environ.items() if not k.startswith("COPILOT_")} | env
    first = subprocess.Popen([sys.executable, "-c", script + ";import time; time.sleep(4)"], env=full_env,
                             stdout=subprocess.PIPE, text=True)
    try:
        first_line = first.stdout.readline().strip()  # type: ignore[union-attr]
        second = subprocess.run([sys.executable, "-c", script], env=full_env, capture_output=True, text=True,
                                timeout=60)
        assert second.returncode == 0, second.stderr
        assert second.stdout.strip() == first_line
    finally:
        first.wait(timeout=60)
