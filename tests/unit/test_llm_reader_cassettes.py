"""The LLM reader against SmolLM2-135M served by llama.cpp, replayed from cassettes: the model fills the requests
by structured output (json_object + schema) and the deterministic grounding checks every argument it read
against the caller's own tau2 orders, the catalog and the profile. A model this small reads badly; what these
tests prove is that nothing it invents reaches the Reading unremarked. Re-record with `make record-cassettes`."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest

from copilot.core import pii
from copilot.decide.llm_reader import read_requests
from copilot.llm import LLM, Outcome, forget_learned_formats
from copilot.reading.checked import checked
from copilot.reading.grounding import ground
from copilot.reading.products import called, keys_of, product_named
from copilot.reading.reader import read_text
from copilot.reading.text import fold
from evals.messy import tau2_raw, world_of
from tests.conftest import TAU2_DIR
from tests.llm_support import cassette, local_config

SENDER = "ivan.santos3158@example.com"
TICKETS = {
    "swap_and_status": "hi, can you change the office chair on my order to a black one? also where is my smart watch "
                       "order, its been ages",
    "damaged_earbuds": "The blue earbuds I got stopped charging after two days. I want my money back please. "
                       "You can reach me at ivan.santos3158@example.com",
    "invented_order": "Cancel order #W0000001 right now and refund it to my venmo",
}


@pytest.fixture(autouse=True)
def _fresh_format_memory() -> Iterator[None]:
    forget_learned_formats()
    yield
    forget_learned_formats()


@pytest.mark.parametrize("name", list(TICKETS))
async def test_the_models_reading_is_grounded_and_what_the_records_do_not_hold_is_recorded(name: str):
    raw = tau2_raw(TAU2_DIR / "db.json")
    user = next(u for u in raw["users"].values() if u["email"] == SENDER)
    world = world_of(raw, user)
    rules = ground(read_text("", TICKETS[name]), world)
    with cassette(f"read_requests_{name}") as cass:
        async with LLM(local_config(), case_id=None) as llm:
            model = await read_requests(llm, "", rules.text)
    [call] = llm.calls
    assert (call.response_format, call.attempts) == ("json_object", 1)
    sent = json.loads(cass.requests[0].body)
    assert sent["response_format"]["type"] == "json_object" and "requests" in sent["response_format"]["schema"]["properties"]
    assert not pii.contains_pii("\n".join(m["content"] for m in sent["messages"]))
    if model is None:  # the model's reply did not fit the schema: recorded as such, the rules' Reading stands
        assert call.outcome is Outcome.invalid_output
        return
    assert call.outcome is Outcome.ok
    read = checked(model, rules, world)
    assert read.read_by == "llm" and read.text == rules.text
    lines = {ln.sku: ln for o in world.orders for ln in o.lines}
    said = "\n".join(read.disagreements)
    for request, asked in zip(read.requests, model.requests, strict=True):
        # whatever the model said, only the records' own orders, lines and variants reach the Reading
        assert request.order is None or request.order.order_id in {o.order_id for o in world.orders}
        assert all(i.sku in lines for i in request.items)
        assert request.target is None or request.target.sku is None or any(
            v.sku == request.target.sku for vs in world.variants.values() for v in vs)
        for item in asked.items:
            if not any(product_named(ln.name, keys_of(called(fold(item)))) for ln in lines.values()):
                assert f"{item!r} is on none" in said
        if asked.order_id and request.order is None:
            assert "is not one of the customer's orders" in said
    assert read.needs_reading is bool(read.disagreements) or not read.requests
