"""The child process of `copilot llm serve-local`: llama-cpp-python's OpenAI-compatible server, with llama.cpp's
extra buffer types (weight repacking, and the AMX tiles of ggml-cpu) switched off when
COPILOT_LLAMA_EXTRA_BUFTS=0. On a VM whose CPU reports AMX but cannot run it, those kill the server with
SIGILL on its first completion; without them the CPU backend uses only plain AVX/AVX2 kernels.

Run: python -m copilot.llm.local_server <llama_cpp.server arguments>
"""

from __future__ import annotations

import os
from typing import Any


def main() -> None:
    import llama_cpp.llama_cpp as low  # imported here: the local-llm extra is optional

    if os.environ.get("COPILOT_LLAMA_EXTRA_BUFTS", "1") == "0":
        defaults = low.llama_model_default_params

        def portable() -> Any:  # noqa: ANN401 - a ctypes struct
            params = defaults()
            params.use_extra_bufts = False
            return params

        # Llama() reads the defaults through this module attribute when it loads the model.
        low.llama_model_default_params = portable
    from llama_cpp.server.__main__ import main as serve

    serve()


if __name__ == "__main__":
    main()
