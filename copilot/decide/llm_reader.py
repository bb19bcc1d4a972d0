"""The LLM reader: the model fills the same requests the deterministic reader does, by structured output.

Nothing the model says is trusted: `copilot.reading.checked.checked` grounds every argument it read in the customer's
orders, the catalog and the profile, and records where the model and the records (or the rules) disagree.
"""

from __future__ import annotations

import json

from pydantic import ValidationError

from copilot.core import pii
from copilot.llm.client import LLM
from copilot.llm.config import Outcome, Purpose
from copilot.llm.prompts import ReadRequestsPrompt, render
from copilot.reading.checked import ModelOption, ModelReading, ModelRequest
from copilot.reading.model import Intent, Mood

MAX_TEXT_CHARS = 3000


def _example(text: str, answer: ModelReading) -> tuple[ReadRequestsPrompt, str]:
    return ReadRequestsPrompt(text=text, intents=[]), json.dumps(answer.model_dump(mode="json"))


EXAMPLES = [
    _example("Please swap the hiking boots on #W1234567 for a size 10, and where is my other order?", ModelReading(
        language="en", requests=[
            ModelRequest(intent=Intent.change_items, mood=Mood.instruction, order_id="#W1234567",
                         items=["hiking boots"], target=[ModelOption(option="size", value="10")]),
            ModelRequest(intent=Intent.where_is_order, mood=Mood.question)])),
    _example("Should I cancel the lamp order? It still hasn't shipped.", ModelReading(
        language="en", requests=[ModelRequest(intent=Intent.cancel, mood=Mood.question, items=["lamp"])])),
]


async def read_requests(llm: LLM, subject: str, text: str) -> ModelReading | None:
    """The model's reading of the customer's new text (PII masked), or None when it is off or unusable."""
    if not llm.enabled or not (subject + text).strip():
        return None
    vault = pii.Vault()
    masked = pii.mask(f"{subject}\n{text}".strip()[:MAX_TEXT_CHARS], vault)[0]
    prompt = ReadRequestsPrompt(text=masked, intents=[i.value for i in Intent])
    data = await llm.complete_object(Purpose.read_requests, render("read_requests", prompt, EXAMPLES),
                                     max_tokens=300, schema_model=ModelReading)
    if data is None:
        return None
    try:
        return ModelReading.model_validate(json.loads(pii.restore(json.dumps(data), vault)))
    except (ValidationError, ValueError) as exc:
        llm.amend_last(Outcome.invalid_output, f"not a reading: {str(exc).splitlines()[0][:200]}")
        return None
