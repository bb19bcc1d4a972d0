"""Prompts are Jinja2 templates in prompts/llm/ with a typed context, rendered with StrictUndefined."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined

from copilot.models import Strict

PROMPTS_DIR = Path(__file__).resolve().parents[2] / "prompts" / "llm"


class ReadTicketPrompt(Strict):
    subject: str
    text: str
    customer_name: str
    shipping_address: str
    categories: list[str]


class RewritePrompt(Strict):
    template_text: str
    facts: list[str]
    max_words: int


class SummaryPrompt(Strict):
    category: str
    status: str
    priority: str
    order_id: str
    facts: list[str]
    events: list[str]
    max_words: int


@lru_cache
def _env() -> Environment:
    return Environment(
        loader=FileSystemLoader(PROMPTS_DIR), undefined=StrictUndefined, autoescape=False,
        trim_blocks=True, lstrip_blocks=True,
    )


def render(name: str, context: Strict) -> list[dict[str, str]]:
    """Chat messages for a prompt: `<name>.system.j2` and `<name>.user.j2`."""
    values = context.model_dump()
    return [
        {"role": role, "content": _env().get_template(f"{name}.{role}.j2").render(**values).strip()}
        for role in ("system", "user")
    ]


def template_names() -> list[str]:
    return sorted(p.name for p in PROMPTS_DIR.glob("*.j2"))
