"""Secrets at start-up: an empty one is refused with one line naming its variable; the public development
defaults only serve loopback; docker-compose.yml refuses to start without every secret."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

from copilot.core.settings import SECRETS, Settings, secret_problem

COMPOSE = Path(__file__).resolve().parents[2] / "docker-compose.yml"


def _run(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("COPILOT_")}
    return subprocess.run([sys.executable, "-m", "cli", "run", *args], env=clean | env, capture_output=True,
                          text=True, timeout=120)


def test_an_empty_webhook_secret_stops_start_up_with_one_line_naming_it():
    done = _run({"COPILOT_STRIPE_WEBHOOK_SECRET": "", "COPILOT_DATABASE_URL": "postgresql://nowhere.invalid/x"})
    assert done.returncode == 2
    assert done.stderr.strip() == ("copilot: COPILOT_STRIPE_WEBHOOK_SECRET is empty; set it to the secret configured"
                                   " at the sender")


def test_development_defaults_are_refused_off_loopback():
    done = _run({"COPILOT_DATABASE_URL": "postgresql://nowhere.invalid/x"}, "--host", "0.0.0.0")
    assert done.returncode == 2
    assert done.stderr.strip().startswith("copilot: COPILOT_SHOPIFY_WEBHOOK_SECRET is the public development default"
                                          " and the service listens on 0.0.0.0")
    assert secret_problem(Settings(), "127.0.0.1") is None
    real = Settings(**{name: f"real-{name}" for name in SECRETS})
    assert secret_problem(real, "0.0.0.0") is None
    assert secret_problem(Settings(llm="openai", llm_api_key=" "), "127.0.0.1") == (
        "COPILOT_LLM_API_KEY is empty; unset it or set the provider's key")


def test_docker_compose_requires_every_secret():
    text = COMPOSE.read_text()
    for name in SECRETS:
        variable = f"COPILOT_{name.upper()}"
        assert re.search(rf"{variable}: \$\{{{variable}:\?[^}}]+\}}", text), f"{variable} may be left empty"
    assert ":-}" not in text.replace("${COPILOT_LLM_API_KEY:-}", "").replace("${COPILOT_LLM_BASE_URL:-}", "")
