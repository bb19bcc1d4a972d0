"""Replaying LLM calls: vcrpy cassettes recorded from the real local model server (`make record-cassettes`).

The default record mode is `none`: a missing or stale cassette fails the test instead of reaching for a
network. Requests match on method, path and body, so the host and port of the recording do not matter.
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import vcr
from vcr.cassette import Cassette

from copilot.llm import LLMConfig

CASSETTES = Path(__file__).resolve().parent / "cassettes"
RECORD_MODE = os.environ.get("COPILOT_VCR_RECORD", "none")
LOCAL_LLM_URL = os.environ.get("COPILOT_TEST_LLM_URL", "http://127.0.0.1:8089/v1")
LOCAL_MODEL = "smollm2-135m"
_SECRET_HEADERS = ["authorization", "api-key", "x-api-key", "openai-organization", "openai-project", "cookie",
                   "set-cookie"]


def _normalize_host(request):  # noqa: ANN001, ANN202 - vcrpy hook
    request.uri = "http://llm.local" + request.path + (f"?{request.query}" if request.query else "")
    return request


recorder = vcr.VCR(
    cassette_library_dir=str(CASSETTES),
    record_mode=RECORD_MODE,
    match_on=["method", "path", "body"],
    filter_headers=_SECRET_HEADERS,
    before_record_request=_normalize_host,
    decode_compressed_response=True,
)


def local_config(**overrides: object) -> LLMConfig:
    """The session the cassettes were recorded with; change it and the bodies no longer match."""
    values: dict[str, object] = {"provider": "openai-compatible", "base_url": LOCAL_LLM_URL, "model": LOCAL_MODEL,
                                 "timeout_s": 120.0, "max_attempts": 2, "backoff_s": 0.01,
                                 "response_format": "json_object", **overrides}
    return LLMConfig.model_validate(values)


@contextmanager
def cassette(name: str) -> Iterator[Cassette]:
    """Use one cassette; on replay, every recorded interaction must have been played."""
    path = CASSETTES / f"{name}.yaml"
    if RECORD_MODE == "none" and not path.exists():
        raise AssertionError(f"cassette {path.name} is missing: run `make record-cassettes`")
    if RECORD_MODE == "all":
        path.unlink(missing_ok=True)  # a re-recording starts clean: no interaction of an old prompt lingers
    with recorder.use_cassette(path.name) as cass:
        yield cass
    if RECORD_MODE == "none":
        assert cass.all_played, f"cassette {path.name} is stale: {cass.play_count} of {len(cass)} played"


def wait_ready(url: str = LOCAL_LLM_URL, timeout_s: float = 120.0) -> None:
    """Block until the model server answers /models (used by `make record-cassettes`)."""
    import httpx

    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{url.rstrip('/')}/models", timeout=2).is_success:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    raise SystemExit(f"no model server at {url} after {timeout_s:.0f}s")


if __name__ == "__main__":
    wait_ready(sys.argv[1] if len(sys.argv) > 1 else LOCAL_LLM_URL)
