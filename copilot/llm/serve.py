"""`copilot llm serve-local` keeps a model server running: it says ready only after one completion works,
falls back to portable CPU kernels when the server dies on that completion, and restarts a server that dies.
The server is any command that serves the OpenAI chat API at `base_url` (llama.cpp's, in practice)."""

from __future__ import annotations

import signal
import subprocess
import time
from collections.abc import Callable, Sequence
from types import FrameType

import httpx

from copilot.core.models import Strict


def probe_messages() -> list[dict[str, str]]:
    """One of the desk's own prompts (a small case to summarize): ready means the server answers what the desk
    will ask, through the same template."""
    from copilot.llm.prompts import SummaryPrompt, render
    from copilot.llm.uses import MAX_SUMMARY_WORDS

    prompt = SummaryPrompt(category="payment_failure", status="awaiting_customer", priority="P2", order_id="#1042",
                           facts=["PSP decline: insufficient_funds (soft)", "order value $84.50"],
                           events=["payment update requested by email"], max_words=MAX_SUMMARY_WORDS)
    return render("summarize_case", prompt)


class Stopped(Exception):
    """SIGINT or SIGTERM arrived while starting."""


class Attempt(Strict):
    extra_bufts: bool  # llama.cpp's extra buffer types (repacked weights, AMX): faster where the CPU runs them


def _exit_reason(code: int) -> str:
    if code < 0:
        try:
            return f"killed by {signal.Signals(-code).name}"
        except ValueError:
            return f"killed by signal {-code}"
    return f"exited with status {code}"


def probe(base_url: str, model: str, child: subprocess.Popen[bytes], timeout_s: float) -> str | None:
    """None once /models answers and one chat completion comes back; else why not."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if child.poll() is not None:
            return _exit_reason(child.returncode)
        try:
            httpx.get(f"{base_url}/models", timeout=2).raise_for_status()
            answer = httpx.post(f"{base_url}/chat/completions", timeout=max(deadline - time.monotonic(), 1),
                                json={"model": model, "messages": probe_messages(), "max_tokens": 16,
                                      "temperature": 0})
            answer.raise_for_status()
            if answer.json()["choices"][0]["message"]["content"] is not None:
                return None
        except (httpx.HTTPError, ValueError, KeyError, IndexError):
            time.sleep(0.5)
            continue
    return _exit_reason(child.returncode) if child.poll() is not None else f"no completion in {timeout_s:.0f} s"


class Supervisor:
    """Runs `command(attempt)` and keeps it serving; `say` prints one line for the operator."""

    def __init__(self, command: Callable[[Attempt], tuple[Sequence[str], dict[str, str]]], base_url: str,
                 model: str, *, say: Callable[[str], None] = print, ready_timeout_s: float = 180.0,
                 max_quick_deaths: int = 5) -> None:
        self.command, self.base_url, self.model, self.say = command, base_url.rstrip("/"), model, say
        self.ready_timeout_s, self.max_quick_deaths = ready_timeout_s, max_quick_deaths
        self.child: subprocess.Popen[bytes] | None = None
        self.stopping = False

    def _spawn(self, attempt: Attempt) -> subprocess.Popen[bytes]:
        argv, env = self.command(attempt)
        self.child = subprocess.Popen(list(argv), env=env)
        return self.child

    def start(self) -> Attempt:
        """The first attempt whose server answers a completion; raises RuntimeError when none does."""
        reasons = []
        for attempt in (Attempt(extra_bufts=True), Attempt(extra_bufts=False)):
            child = self._spawn(attempt)
            why = probe(self.base_url, self.model, child, self.ready_timeout_s)
            if self.stopping:
                raise Stopped
            if why is None:
                self.say(f"ready: {self.base_url} answered a completion (pid {child.pid}, llama.cpp extra buffer"
                         f" types {'on' if attempt.extra_bufts else 'off'})")
                return attempt
            self._kill(child)
            reasons.append(f"extra buffer types {'on' if attempt.extra_bufts else 'off'}: {why}")
            self.say(f"the model server failed its first completion ({reasons[-1]})")
        raise RuntimeError("the model server never answered a completion: " + "; ".join(reasons))

    def run(self) -> int:
        """Serve until SIGINT/SIGTERM, restarting the server when it dies; the exit status for the CLI."""
        previous = {s: signal.signal(s, self._on_signal) for s in (signal.SIGINT, signal.SIGTERM)}
        try:
            return self.watch(self.start())
        except Stopped:
            return 0
        except RuntimeError as exc:
            self.say(str(exc))
            return 1
        finally:
            for s, handler in previous.items():
                signal.signal(s, handler)
            self.stop()

    def watch(self, attempt: Attempt) -> int:
        """Wait on the server; start it again when it dies, until stop() or too many deaths in a minute."""
        deaths: list[float] = []
        while not self.stopping:
            assert self.child is not None
            code = self.child.wait()
            if self.stopping:
                break
            deaths = [t for t in deaths if time.monotonic() - t < 60] + [time.monotonic()]
            if len(deaths) > self.max_quick_deaths:
                self.say(f"the model server died {len(deaths)} times in a minute; giving up")
                return 1
            self.say(f"the model server {_exit_reason(code)}; restarting it")
            why = probe(self.base_url, self.model, self._spawn(attempt), self.ready_timeout_s)
            if not self.stopping:
                self.say(f"ready again (pid {self.child.pid})" if why is None else f"the restart failed: {why}")
        return 0

    def stop(self) -> None:
        self.stopping = True
        if self.child is not None:
            self._kill(self.child)

    def _on_signal(self, signum: int, frame: FrameType | None) -> None:
        self.stopping = True
        if self.child is not None and self.child.poll() is None:
            self.child.terminate()  # the waits above return; stop() reaps it

    @staticmethod
    def _kill(child: subprocess.Popen[bytes]) -> None:
        if child.poll() is None:
            child.terminate()
            try:
                child.wait(timeout=10)
            except subprocess.TimeoutExpired:
                child.kill()
                child.wait()

