"""A stand-in model server for tests that must kill a model server mid-run: a real HTTP server process on
127.0.0.1 that speaks the OpenAI chat API (`GET /v1/models`, `POST /v1/chat/completions`) and answers with
responses recorded from the real local model (SmolLM2-135M on llama.cpp) in tests/cassettes.

It is not a model. A request whose body was recorded gets its recorded answer; any other request gets a
recorded answer to the same system prompt (the same purpose: reading a ticket, rewording a message,
summarising a case), in turn, so the desk's checks judge real model output that may not fit the case, as
they would a weak model's. A prompt of no recorded purpose answers 500. CI has no llama.cpp build, so this
is how a test gets a model server process it can SIGKILL; later calls then meet real connection refusals.

Run: python -m tests.llm_replay_server [PORT] [--die-on-completion]; prints `listening on PORT` once it
accepts connections. With --die-on-completion it kills itself with SIGILL on its first chat completion, as
llama.cpp's server does on a CPU that reports AMX but cannot run it (fault injection for serve-local's test).
"""

from __future__ import annotations

import itertools
import json
import os
import signal
import sys
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import yaml

CASSETTES = Path(__file__).resolve().parent / "cassettes"
MODEL = "smollm2-135m"


def _key(body: dict[str, Any]) -> str:
    return json.dumps(body, sort_keys=True)


def _system(body: dict[str, Any]) -> str:
    messages = body.get("messages") or [{}]
    return str(messages[0].get("content", "")) if messages[0].get("role") == "system" else ""


class Recordings:
    """Every successful chat completion in the cassettes, by exact body and by system prompt."""

    def __init__(self, folder: Path = CASSETTES) -> None:
        self.exact: dict[str, bytes] = {}
        by_system: dict[str, list[bytes]] = {}
        for path in sorted(folder.glob("*.yaml")):
            for item in yaml.safe_load(path.read_text())["interactions"]:
                request, response = item["request"], item["response"]
                if not request["uri"].endswith("/chat/completions") or response["status"]["code"] != 200:
                    continue
                body, answer = json.loads(request["body"]), response["body"]["string"].encode()
                self.exact[_key(body)] = answer
                by_system.setdefault(_system(body), []).append(answer)
        self.turns: dict[str, Iterator[bytes]] = {s: itertools.cycle(a) for s, a in by_system.items()}

    def answer(self, body: dict[str, Any]) -> bytes | None:
        found = self.exact.get(_key(body))
        if found is not None:
            return found
        turn = self.turns.get(_system(body))
        return next(turn) if turn is not None else None


class Handler(BaseHTTPRequestHandler):
    recordings: Recordings
    die_on_completion = False

    def _send(self, status: int, payload: bytes) -> None:
        self.send_response(status)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def do_GET(self) -> None:  # noqa: N802 - http.server's naming
        if self.path.rstrip("/").endswith("/models"):
            self._send(200, json.dumps({"object": "list", "data": [{"id": MODEL, "object": "model"}]}).encode())
        else:
            self._send(404, b'{"error": {"message": "not found"}}')

    def do_POST(self) -> None:  # noqa: N802
        body = json.loads(self.rfile.read(int(self.headers.get("content-length", 0))) or b"{}")
        if self.die_on_completion:
            os.kill(os.getpid(), signal.SIGILL)
        print(json.dumps({"response_format": (body.get("response_format") or {}).get("type")}), flush=True)
        answer = self.recordings.answer(body) if self.path.endswith("/chat/completions") else None
        if answer is None:
            self._send(500, b'{"error": {"message": "no recorded answer for this prompt", "type": "server_error"}}')
        else:
            self._send(200, answer)

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - quiet: the test reads stdout
        return


def main(port: int = 0, die_on_completion: bool = False) -> None:
    Handler.recordings, Handler.die_on_completion = Recordings(), die_on_completion
    server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
    print(f"listening on {server.server_address[1]}", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    numbers = [a for a in sys.argv[1:] if a.isdigit()]
    main(int(numbers[0]) if numbers else 0, "--die-on-completion" in sys.argv)
