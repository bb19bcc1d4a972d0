"""One LLM session per case: provider switch, structured output, timeout, retries, budget, call records.

Nothing here raises into the caller for a model problem: a failed, slow, over-budget or malformed call
returns None and leaves an `LLMCall` saying why, so the deterministic path carries on.
"""

from __future__ import annotations

import json
import time
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel
from tenacity import AsyncRetrying, retry_if_exception_type, stop_after_attempt, wait_exponential

from copilot.llm.breaker import Breaker, breaker_for
from copilot.llm.config import LLMCall, LLMConfig, Outcome, Purpose

if TYPE_CHECKING:
    import openai

# The SDK is imported where a call is made, not with this module: a worker on the deterministic path never
# loads it (about 0.7 s of CPU at every worker's start, in bench/bench_triage.py's "from start" figure).


def _transient() -> tuple[type[Exception], ...]:
    import openai

    return (openai.APITimeoutError, openai.APIConnectionError, openai.RateLimitError, openai.InternalServerError)


def _shape_rejected() -> tuple[type[Exception], ...]:
    """Servers that do not speak one structured-output form answer 400 (or FastAPI's 422) to the request shape."""
    import openai

    return (openai.BadRequestError, openai.UnprocessableEntityError)

# What each (base URL, model) was found to accept, so only the first call of a process pays the fallback.
_learned_formats: dict[tuple[str | None, str], str] = {}


def forget_learned_formats() -> None:
    _learned_formats.clear()


def strict_schema(model: type[BaseModel]) -> dict[str, Any]:
    """The model's JSON schema with $refs inlined and every property required.

    llama.cpp turns the schema into a grammar and handles plain schemas best; OpenAI's strict mode wants
    every property listed as required (optional ones are nullable instead).
    """
    schema = model.model_json_schema()
    defs = schema.pop("$defs", {})

    def inline(node: Any) -> Any:
        if isinstance(node, dict):
            if "$ref" in node:
                return inline(defs[node["$ref"].rsplit("/", 1)[-1]])
            out = {k: inline(v) for k, v in node.items() if k not in ("title", "default", "description")}
            if out.get("type") == "object" and "properties" in out:
                out["required"] = list(out["properties"])
                out["additionalProperties"] = False
            return out
        if isinstance(node, list):
            return [inline(v) for v in node]
        return node

    return inline(schema)


class LLM:
    """A session bound to one case (or none); `calls` records every call made through it."""

    def __init__(self, config: LLMConfig, case_id: int | None = None, used_tokens: int = 0) -> None:
        self.config = config
        self.case_id = case_id
        self.used_tokens = used_tokens
        self.calls: list[LLMCall] = []
        self._client: openai.AsyncOpenAI | None = None

    @property
    def enabled(self) -> bool:
        return self.config.enabled

    @property
    def remaining_tokens(self) -> int:
        return max(0, self.config.case_token_budget - self.used_tokens)

    def client(self) -> openai.AsyncOpenAI:
        import openai

        if self._client is None:
            key = self.config.api_key.get_secret_value() if self.config.api_key else "not-needed"
            # Retries are ours (tenacity, with backoff and a record of attempts), not the SDK's.
            self._client = openai.AsyncOpenAI(
                api_key=key, base_url=self.config.base_url, timeout=self.config.timeout_s, max_retries=0
            )
        return self._client

    async def aclose(self) -> None:
        if self._client is not None:
            await self._client.close()
            self._client = None

    async def __aenter__(self) -> LLM:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    def _format_for(self, schema_model: type[BaseModel] | None) -> str | None:
        if schema_model is None:
            return None
        if self.config.response_format != "auto":
            return self.config.response_format
        return _learned_formats.get((self.config.base_url, self.config.model), "json_schema")

    def _response_format(self, form: str, schema_model: type[BaseModel]) -> dict[str, Any]:
        schema = strict_schema(schema_model)
        if form == "json_object":
            return {"type": "json_object", "schema": schema}
        return {"type": "json_schema",
                "json_schema": {"name": schema_model.__name__, "schema": schema, "strict": False}}

    def _over_budget(self, messages: list[dict[str, str]], max_tokens: int) -> bool:
        # A rough count (about 4 characters a token) is enough to refuse before spending.
        estimate = sum(len(m["content"]) for m in messages) // 4 + max_tokens
        return self.used_tokens + estimate > self.config.case_token_budget

    def record(self, purpose: Purpose, outcome: Outcome, **fields: Any) -> LLMCall:
        call = LLMCall(case_id=self.case_id, purpose=purpose, provider=self.config.provider,
                       model=self.config.model, outcome=outcome, **fields)
        self.calls.append(call)
        return call

    def amend_last(self, outcome: Outcome, detail: str | None) -> None:
        """Mark the last call as failed after the fact (bad output, failed message check)."""
        self.calls[-1] = self.calls[-1].model_copy(update={"outcome": outcome, "detail": detail})

    async def complete_object(self, purpose: Purpose, messages: list[dict[str, str]], *, max_tokens: int,
                              schema_model: type[BaseModel]) -> dict[str, Any] | None:
        """A structured completion's JSON object; None when there was no answer, or when the answer is not an
        object (then recorded on the call as invalid output)."""
        reply = await self.complete(purpose, messages, max_tokens=max_tokens, schema_model=schema_model)
        if reply is None:
            return None
        data = parse_json_object(reply)
        if data is None:
            self.amend_last(Outcome.invalid_output, "reply is not a JSON object")
        return data

    async def complete(self, purpose: Purpose, messages: list[dict[str, str]], *, max_tokens: int,
                       schema_model: type[BaseModel] | None = None) -> str | None:
        """The model's reply text, or None (with the reason recorded) when there is none to use."""
        if not self.enabled:
            return None
        import openai

        form = self._format_for(schema_model)
        if self._over_budget(messages, max_tokens):
            self.record(purpose, Outcome.budget_exceeded, response_format=form,
                        detail=f"used {self.used_tokens} of {self.config.case_token_budget} tokens")
            return None
        breaker = self.breaker()
        if not breaker.allow():
            state = breaker.snapshot()
            self.record(purpose, Outcome.breaker_open, response_format=form,
                        detail=f"breaker open after {state.consecutive_failures} failed calls; retry in"
                               f" {state.retry_in_s}s: {state.last_error}")
            return None
        started = time.perf_counter()
        attempts = 0
        try:
            async for attempt in self._retrying():
                with attempt:
                    attempts += 1
                    response, form = await self._create(messages, max_tokens, schema_model, form)
        except openai.APITimeoutError:
            detail = f"no answer within {self.config.timeout_s}s"
            breaker.failure(detail)
            self._record_failure(purpose, Outcome.timeout, form, started, attempts, detail)
            return None
        except openai.OpenAIError as exc:
            if _server_failed(exc):
                breaker.failure(_describe(exc))
            self._record_failure(purpose, Outcome.error, form, started, attempts, _describe(exc))
            return None
        breaker.success()
        usage = response.usage
        prompt, completion = (usage.prompt_tokens, usage.completion_tokens) if usage else (0, 0)
        self.used_tokens += prompt + completion
        text = response.choices[0].message.content if response.choices else None
        self.record(purpose, Outcome.ok if text else Outcome.invalid_output, response_format=form,
                    prompt_tokens=prompt, completion_tokens=completion, latency_ms=_ms_since(started),
                    attempts=attempts, detail=None if text else "empty reply")
        return text or None

    def breaker(self) -> Breaker:
        return breaker_for(self.config.base_url, self.config.model, self.config.breaker_failures,
                           self.config.breaker_cooldown_s)

    def _retrying(self) -> AsyncRetrying:
        backoff = self.config.backoff_s
        return AsyncRetrying(
            stop=stop_after_attempt(self.config.max_attempts),
            wait=wait_exponential(multiplier=backoff, min=backoff, max=max(backoff * 8, backoff)),
            retry=retry_if_exception_type(_transient()),
            reraise=True,
        )

    async def _create(self, messages: list[dict[str, str]], max_tokens: int,
                      schema_model: type[BaseModel] | None, form: str | None) -> tuple[Any, str | None]:
        import openai

        kwargs: dict[str, Any] = {"model": self.config.model, "messages": messages, "max_tokens": max_tokens,
                                  "temperature": self.config.temperature}
        if self.config.seed is not None:
            kwargs["seed"] = self.config.seed
        if schema_model is None or form is None:
            return await self.client().chat.completions.create(**kwargs), None
        try:
            response = await self.client().chat.completions.create(
                **kwargs | {"response_format": self._response_format(form, schema_model)})
            return response, form
        except openai.APIStatusError as exc:
            if self.config.response_format != "auto" or not _rejects_shape(exc):
                raise
        # The server refused this structured-output form: try the other one once, and remember.
        other = "json_object" if form == "json_schema" else "json_schema"
        response = await self.client().chat.completions.create(
            **kwargs | {"response_format": self._response_format(other, schema_model)})
        _learned_formats[(self.config.base_url, self.config.model)] = other
        return response, other

    def _record_failure(self, purpose: Purpose, outcome: Outcome, form: str | None, started: float,
                        attempts: int, detail: str) -> None:
        self.record(purpose, outcome, response_format=form, latency_ms=_ms_since(started),
                    attempts=attempts, detail=detail[:500])


def parse_json_object(text: str) -> dict[str, Any] | None:
    """The JSON object in a reply; small models sometimes wrap it in prose or a code fence."""
    start, end = text.find("{"), text.rfind("}")
    if start < 0 or end <= start:
        return None
    try:
        value = json.loads(text[start:end + 1])
    except json.JSONDecodeError:
        return None
    return value if isinstance(value, dict) else None


def _rejects_shape(exc: openai.APIStatusError) -> bool:
    # llama-cpp-python's server fails its own request validation with a 500 that names the field.
    import openai

    return isinstance(exc, _shape_rejected()) or (
        isinstance(exc, openai.InternalServerError) and "response_format" in str(exc.message))


def _server_failed(exc: openai.OpenAIError) -> bool:
    """The server is down or broken (no answer, 5xx, rate limit), as opposed to refusing this one request."""
    import openai

    return isinstance(exc, _transient()) or not isinstance(exc, openai.APIStatusError)


def _describe(exc: openai.OpenAIError) -> str:
    status = getattr(exc, "status_code", None)
    message = getattr(exc, "message", None) or str(exc)
    return f"{type(exc).__name__}{f' {status}' if status else ''}: {message}"


def _ms_since(started: float) -> int:
    return int((time.perf_counter() - started) * 1000)
