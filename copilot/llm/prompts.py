"""Prompts are Jinja2 templates in prompts/llm/ with a typed context, rendered with StrictUndefined."""

from __future__ import annotations

import json
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined

from copilot.core.models import Strict

PROMPTS_DIR = Path(__file__).resolve().parents[2] / "prompts" / "llm"


class ReadTicketPrompt(Strict):
    subject: str
    text: str
    customer_name: str
    shipping_address: str
    categories: list[str]


class ReadRequestsPrompt(Strict):
    text: str
    intents: list[str]


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


def _message(name: str, role: str, context: Strict) -> dict[str, str]:
    return {"role": role, "content": _env().get_template(f"{name}.{role}.j2").render(**context.model_dump()).strip()}


def render(name: str, context: Strict, examples: Sequence[tuple[Strict, str]] = ()) -> list[dict[str, str]]:
    """Chat messages for a prompt: `<name>.system.j2`, worked examples as earlier turns, then `<name>.user.j2`.

    Small models copy a single inline example; two as real chat turns teach the shape instead.
    """
    messages = [_message(name, "system", context)]
    for example, answer in examples:
        messages += [_message(name, "user", example), {"role": "assistant", "content": answer}]
    return [*messages, _message(name, "user", context)]


def _ticket_example(subject: str, text: str, answer: dict[str, object]) -> tuple[Strict, str]:
    prompt = ReadTicketPrompt(subject=subject, text=text, customer_name="(unknown)", shipping_address="(unknown)",
                              categories=[])
    return prompt, json.dumps(answer)


READ_TICKET_EXAMPLES = [
    _ticket_example("Wrong size", "Please cancel order #3141, wrong size.", {
        "intent": "change_request", "order_refs": ["#3141"], "requested_change": "cancel the order",
        "new_address": None, "amount": None, "tone": "neutral", "language": "en"}),
    _ticket_example("Broken", "My lamp from #2718 arrived broken!! I paid $40 for this.", {
        "intent": "concession_request", "order_refs": ["#2718"], "requested_change": "replace or refund the lamp",
        "new_address": None, "amount": 40, "tone": "angry", "language": "en"}),
]


def template_names() -> list[str]:
    return sorted(p.name for p in PROMPTS_DIR.glob("*.j2"))
