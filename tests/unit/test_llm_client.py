"""The LLM session without a model: provider switch, budget, timeouts, retries, call records, prompts."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from types import SimpleNamespace

import psycopg
import pytest
from psycopg.rows import dict_row

from copilot.core.errors import ConfigError
from copilot.core.settings import Settings
from copilot.decide.llm_reader import EXAMPLES as READ_REQUESTS_EXAMPLES
from copilot.llm import (
    LLM,
    CaseBrief,
    LLMCall,
    LLMConfig,
    Outcome,
    Purpose,
    TicketFacts,
    check_passed,
    read_ticket,
    record_calls,
    rewrite_message,
    strict_schema,
    summarize_case,
    tokens_used,
)
from copilot.llm.prompts import (
    PROMPTS_DIR,
    READ_TICKET_EXAMPLES,
    ReadRequestsPrompt,
    ReadTicketPrompt,
    RewritePrompt,
    SummaryPrompt,
    render,
    template_names,
)
from copilot.reading.checked import ModelReading


async def _serve(handler) -> AsyncIterator[str]:  # noqa: ANN001
    server = await asyncio.start_server(handler, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    try:
        yield f"http://127.0.0.1:{port}/v1"
    finally:
        server.close()


@pytest.fixture
async def stalling_server() -> AsyncIterator[str]:
    """A real socket that accepts a request and never answers, like an overloaded model server."""
    async def handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.read(65536)
        await asyncio.sleep(30)
    async for url in _serve(handler):
        yield url


@pytest.fixture
async def failing_server() -> AsyncIterator[tuple[str, list[int]]]:
    """A real HTTP server that answers every request 503, counting them."""
    hits: list[int] = []

    async def handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.read(65536)
        hits.append(1)
        body = b'{"error": {"message": "model is loading"}}'
        writer.write(b"HTTP/1.1 503 Service Unavailable\r\ncontent-type: application/json\r\n"
                     b"content-length: %d\r\nconnection: close\r\n\r\n%s" % (len(body), body))
        await writer.drain()
        writer.close()
    async for url in _serve(handler):
        yield url, hits


def local(url: str, **kw: object) -> LLMConfig:
    values = {"provider": "openai-compatible", "base_url": url, "model": "m", "timeout_s": 0.3,
              "max_attempts": 2, "backoff_s": 0.01, **kw}
    return LLMConfig.model_validate(values)


def test_config_from_settings_defaults_to_no_llm_and_rejects_incomplete_providers():
    assert LLMConfig.from_settings(Settings(_env_file=None)).provider == "none"
    with pytest.raises(ConfigError, match="COPILOT_LLM_BASE_URL"):
        LLMConfig.from_settings(Settings(_env_file=None, llm="openai-compatible"))
    with pytest.raises(ConfigError, match="COPILOT_LLM_API_KEY"):
        LLMConfig.from_settings(Settings(_env_file=None, llm="openai"))


def test_llm_switch_names_none_local_and_configured():
    settings = Settings(_env_file=None, llm="openai", llm_api_key="sk-test", llm_model="gpt-4o-mini")
    assert LLMConfig.named("none", settings).enabled is False
    local_cfg = LLMConfig.named("local", settings)
    assert (local_cfg.provider, local_cfg.base_url, local_cfg.model, local_cfg.response_format) == (
        "openai-compatible", "http://127.0.0.1:8089/v1", "smollm2-135m", "json_object")
    assert LLMConfig.named("configured", settings).provider == "openai"
    with pytest.raises(ConfigError, match="none, local or configured"):
        LLMConfig.named("gpt5", settings)


async def test_provider_none_uses_the_deterministic_fallbacks_and_makes_no_call():
    llm = LLM(LLMConfig())
    brief = CaseBrief(category="payment_failure", status="triaged", priority="P2", order_id="#1042",
                      facts=["soft decline insufficient_funds"])
    assert await read_ticket(llm, "cancel #1042 please") is None
    assert await rewrite_message(llm, "Hi Ana, ...", {}, lambda t: []) == ("Hi Ana, ...", "template")
    assert await summarize_case(llm, brief) == "payment failure on order #1042 (P2, triaged): soft decline insufficient_funds."
    assert llm.calls == []


async def test_a_server_that_never_answers_times_out_retries_and_falls_back(stalling_server: str):
    llm = LLM(local(stalling_server), case_id=None)
    started = time.perf_counter()
    text, source = await rewrite_message(llm, "Template text.", {"order": "#1042"}, lambda t: [])
    assert (text, source) == ("Template text.", "template")
    [call] = llm.calls
    assert (call.outcome, call.attempts) == (Outcome.timeout, 2)
    assert call.latency_ms >= 550 and time.perf_counter() - started < 5


async def test_5xx_is_retried_with_backoff_then_recorded_as_an_error(failing_server: tuple[str, list[int]]):
    url, hits = failing_server
    llm = LLM(local(url, max_attempts=3, response_format="json_object"))
    assert await read_ticket(llm, "where is my order #1042") is None
    [call] = llm.calls
    assert len(hits) == 3 and call.attempts == 3
    assert call.outcome == Outcome.error and "503" in (call.detail or "")


async def test_over_budget_case_refuses_before_spending(failing_server: tuple[str, list[int]]):
    url, hits = failing_server
    llm = LLM(local(url, case_token_budget=1000), used_tokens=950)
    assert await summarize_case(llm, CaseBrief(category="chargeback", status="new")) == "chargeback on order none (unset, new)."
    assert hits == [] and [c.outcome for c in llm.calls] == [Outcome.budget_exceeded]


@pytest.fixture
async def aconn(database_url: str) -> AsyncIterator[psycopg.AsyncConnection]:
    conn = await psycopg.AsyncConnection.connect(database_url, autocommit=True, row_factory=dict_row)
    yield conn
    await conn.close()


async def test_calls_persist_per_case_and_the_budget_holds_across_sessions(aconn: psycopg.AsyncConnection,
                                                                           failing_server: tuple[str, list[int]]):
    cur = await aconn.execute("INSERT INTO cases (order_id) VALUES ('#LLM-1') RETURNING id")
    case_id = (await cur.fetchone())["id"]
    spent = LLMCall(case_id=case_id, purpose=Purpose.read_ticket, provider="openai-compatible", model="m",
                    prompt_tokens=700, completion_tokens=120, latency_ms=81, attempts=1, outcome=Outcome.ok)
    ids = await record_calls(aconn, [spent, spent.model_copy(update={"outcome": Outcome.check_failed,
                                                                      "detail": "has 2 asks"})])
    rows = await (await aconn.execute("SELECT * FROM llm_calls WHERE case_id = %s ORDER BY id", (case_id,))).fetchall()
    assert [r["id"] for r in rows] == ids and [r["outcome"] for r in rows] == ["ok", "check_failed"]
    assert rows[1]["detail"] == "has 2 asks" and rows[0]["latency_ms"] == 81
    used = await tokens_used(aconn, case_id)
    assert used == 1640
    url, hits = failing_server
    later = LLM(local(url, case_token_budget=1700), case_id=case_id, used_tokens=used)
    assert await read_ticket(later, "cancel my order") is None
    assert hits == [] and later.calls[0].outcome == Outcome.budget_exceeded


async def test_llm_calls_table_refuses_an_unknown_outcome(aconn: psycopg.AsyncConnection):
    with pytest.raises(psycopg.errors.CheckViolation):
        await aconn.execute("INSERT INTO llm_calls (purpose, provider, model, outcome) VALUES ('x','y','z','great')")


def test_every_prompt_template_renders_with_its_typed_context():
    rendered = {
        "read_ticket": render("read_ticket", ReadTicketPrompt(subject="s", text="t", customer_name="n",
                                                              shipping_address="a", categories=["c1", "c2"])),
        "rewrite_message": render("rewrite_message", RewritePrompt(template_text="Hi", facts=["order: #1"],
                                                                   max_words=90)),
        "summarize_case": render("summarize_case", SummaryPrompt(category="c", status="s", priority="P1",
                                                                 order_id="#1", facts=["f"], events=["e"],
                                                                 max_words=60)),
        "read_requests": render("read_requests", ReadRequestsPrompt(text="cancel it", intents=["cancel", "other"])),
    }
    assert {f"{n}.{r}.j2" for n in rendered for r in ("system", "user")} == set(template_names())
    assert "cancel, other" in rendered["read_requests"][0]["content"]
    assert "<message>\ncancel it" in rendered["read_requests"][1]["content"]
    for _, answer in READ_REQUESTS_EXAMPLES:
        ModelReading.model_validate_json(answer)  # the reader's worked examples are valid answers too
    for messages in rendered.values():
        assert [m["role"] for m in messages] == ["system", "user"] and all(m["content"] for m in messages)
    assert "c1, c2" in rendered["read_ticket"][0]["content"] and "<ticket>" in rendered["read_ticket"][1]["content"]
    with_examples = render("read_ticket", ReadTicketPrompt(subject="s", text="my ticket", customer_name="n",
                                                           shipping_address="a", categories=["c"]),
                           READ_TICKET_EXAMPLES)
    assert [m["role"] for m in with_examples] == ["system", "user", "assistant", "user", "assistant", "user"]
    for answer in with_examples[2::2]:
        TicketFacts.model_validate_json(answer["content"])  # the worked examples are valid answers
    assert "my ticket" in with_examples[-1]["content"]
    assert (PROMPTS_DIR / "read_ticket.user.j2").exists()


def test_a_template_variable_missing_from_the_context_fails_loudly():
    from jinja2 import UndefinedError

    from copilot.llm.prompts import _env
    with pytest.raises(UndefinedError):
        _env().get_template("read_ticket.user.j2").render(subject="only this")


def test_structured_schema_is_inlined_and_requires_every_field():
    schema = strict_schema(TicketFacts)
    assert "$defs" not in str(schema) and "$ref" not in str(schema)
    assert schema["required"] == list(TicketFacts.model_fields) and schema["additionalProperties"] is False
    assert "refund_request" in schema["properties"]["intent"]["enum"]


@pytest.mark.parametrize("result,expected", [
    ([], (True, [])),
    (["has 2 asks"], (False, ["has 2 asks"])),
    (True, (True, [])),
    ((False, ["too long"]), (False, ["too long"])),
    (SimpleNamespace(passed=False, reasons=["x"]), (False, ["x"])),
    (SimpleNamespace(decision="allow", reasons=[]), (True, [])),
    (SimpleNamespace(decision="block", violations=["internal word"]), (False, ["internal word"])),
])
def test_any_message_check_shape_reads_as_pass_or_fail_with_reasons(result: object, expected: tuple):
    assert check_passed(result) == expected


def test_a_check_returning_something_else_is_a_clear_error():
    with pytest.raises(TypeError, match="not pass/fail"):
        check_passed(42)
