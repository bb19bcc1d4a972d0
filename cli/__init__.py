"""The `copilot` command line: the top of the copilot package. It may import the API and the evals; no
other module of copilot imports it (import-linter checks both, see pyproject.toml)."""

from cli.main import app, main

__all__ = ["app", "main"]
