"""A circuit breaker per model server, shared by every case in the process.

Without it a dead model server costs each call its full retries (about 1.7 s, twice a case) before the
deterministic path takes over. After `failures` calls in a row fail, calls stop for `cooldown_s`; then one
trial call is let through: a success closes the breaker, a failure opens it for another cool-down.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Literal

from copilot.core.models import Strict

State = Literal["closed", "open", "half_open"]


class BreakerState(Strict):
    state: State = "closed"
    server: str | None = None
    consecutive_failures: int = 0
    failures_total: int = 0
    opened_total: int = 0
    short_circuited_total: int = 0
    retry_in_s: float | None = None
    last_error: str | None = None


class Breaker:
    def __init__(self, server: str, failures: int = 3, cooldown_s: float = 30.0,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.server, self.failures, self.cooldown_s, self.clock = server, failures, cooldown_s, clock
        self._lock = threading.Lock()
        self._state: State = "closed"
        self._opened_at = 0.0
        self._trial_out = False
        self._counts = BreakerState(server=server)

    def allow(self) -> bool:
        """Whether a call may go to the server now; a refused call is counted as short-circuited."""
        with self._lock:
            if self._state == "open" and self.clock() - self._opened_at >= self.cooldown_s:
                self._state, self._trial_out = "half_open", False
            if self._state == "closed" or (self._state == "half_open" and not self._trial_out):
                self._trial_out = self._state == "half_open"
                return True
            self._counts.short_circuited_total += 1
            return False

    def success(self) -> None:
        with self._lock:
            self._state, self._trial_out = "closed", False
            self._counts.consecutive_failures = 0

    def failure(self, error: str) -> None:
        with self._lock:
            self._counts.consecutive_failures += 1
            self._counts.failures_total += 1
            self._counts.last_error = error[:300]
            if self._state == "half_open" or self._counts.consecutive_failures >= self.failures:
                if self._state != "open":
                    self._counts.opened_total += 1
                self._state, self._opened_at, self._trial_out = "open", self.clock(), False

    def snapshot(self) -> BreakerState:
        with self._lock:
            left = self.cooldown_s - (self.clock() - self._opened_at) if self._state == "open" else None
            return self._counts.model_copy(update={"state": self._state,
                                                   "retry_in_s": None if left is None else round(max(left, 0.0), 1)})


_breakers: dict[tuple[str, str], Breaker] = {}
_registry_lock = threading.Lock()


def breaker_for(base_url: str | None, model: str, failures: int, cooldown_s: float) -> Breaker:
    key = (base_url or "openai", model)
    with _registry_lock:
        found = _breakers.get(key)
        if found is None or (found.failures, found.cooldown_s) != (failures, cooldown_s):
            found = _breakers[key] = Breaker(f"{key[0]} {model}", failures, cooldown_s)
        return found


def breaker_state() -> BreakerState:
    """The worst breaker of this process (open before half open before closed), for /healthz and /metrics."""
    rank = {"open": 2, "half_open": 1, "closed": 0}
    with _registry_lock:
        states = [b.snapshot() for b in _breakers.values()]
    if not states:
        return BreakerState()
    return max(states, key=lambda s: (rank[s.state], s.failures_total))


def all_states() -> list[BreakerState]:
    with _registry_lock:
        return [b.snapshot() for b in _breakers.values()]


def reset_breakers() -> None:
    with _registry_lock:
        _breakers.clear()
