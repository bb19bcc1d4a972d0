"""What an LLM call may use (provider, model, limits) and what each call leaves behind (`LLMCall`)."""

from __future__ import annotations

from collections.abc import Sequence
from enum import StrEnum
from typing import Literal

from psycopg import AsyncConnection
from psycopg.rows import DictRow
from pydantic import Field, SecretStr

from copilot.core.errors import ConfigError
from copilot.core.models import Strict
from copilot.core.settings import Settings

Provider = Literal["none", "openai", "openai-compatible"]
ResponseFormat = Literal["auto", "json_schema", "json_object"]
LOCAL_BASE_URL = "http://127.0.0.1:8089/v1"
LOCAL_MODEL = "smollm2-135m"


class LLMConfig(Strict):
    provider: Provider = "none"
    base_url: str | None = None
    model: str = "gpt-4o-mini"
    api_key: SecretStr | None = None
    timeout_s: float = Field(default=20.0, gt=0)
    response_format: ResponseFormat = "auto"
    max_attempts: int = Field(default=3, ge=1, le=6)
    backoff_s: float = Field(default=0.5, ge=0)
    case_token_budget: int = Field(default=6000, ge=0)
    temperature: float = 0.0
    seed: int | None = 7
    breaker_failures: int = Field(default=3, ge=1)
    breaker_cooldown_s: float = Field(default=30.0, ge=0)

    @classmethod
    def from_settings(cls, settings: Settings, **overrides: object) -> LLMConfig:
        values: dict[str, object] = {
            "provider": settings.llm,
            "base_url": settings.llm_base_url,
            "model": settings.llm_model,
            "api_key": settings.llm_api_key,
            "timeout_s": settings.llm_timeout_s,
        }
        # Optional knobs: read when the settings model carries them, defaults otherwise.
        for name in ("response_format", "case_token_budget", "max_attempts", "breaker_failures",
                     "breaker_cooldown_s"):
            if hasattr(settings, f"llm_{name}"):
                values[name] = getattr(settings, f"llm_{name}")
        values.update(overrides)
        return cls.model_validate(values).checked()

    @classmethod
    def named(cls, name: str, settings: Settings) -> LLMConfig:
        """The `--llm` switch: `none`, `local` (the llama.cpp server of `copilot llm serve-local`), or
        `configured` (whatever COPILOT_LLM* say)."""
        if name == "none":
            return cls()
        if name == "local":
            return cls(provider="openai-compatible", base_url=settings.llm_base_url or LOCAL_BASE_URL,
                       model=LOCAL_MODEL, response_format="json_object", timeout_s=max(settings.llm_timeout_s, 60.0))
        if name == "configured":
            return cls.from_settings(settings)
        raise ConfigError(f"--llm must be none, local or configured, not {name!r}")

    def checked(self) -> LLMConfig:
        if self.provider == "openai-compatible" and not self.base_url:
            raise ConfigError("COPILOT_LLM=openai-compatible needs COPILOT_LLM_BASE_URL (e.g. http://127.0.0.1:8089/v1)")
        if self.provider == "openai" and self.api_key is None:
            raise ConfigError("COPILOT_LLM=openai needs COPILOT_LLM_API_KEY")
        return self

    @property
    def enabled(self) -> bool:
        return self.provider != "none"


class Purpose(StrEnum):
    read_ticket = "read_ticket"
    read_requests = "read_requests"
    rewrite_message = "rewrite_message"
    summarize_case = "summarize_case"


class Outcome(StrEnum):
    ok = "ok"
    check_failed = "check_failed"
    invalid_output = "invalid_output"
    timeout = "timeout"
    error = "error"
    budget_exceeded = "budget_exceeded"
    breaker_open = "breaker_open"  # not sent: the server failed repeatedly and is cooling down


class LLMCall(Strict):
    """One call as the case remembers it: what ran, what it cost, how it ended."""

    case_id: int | None
    purpose: Purpose
    provider: Provider
    model: str
    response_format: str | None = None
    prompt_tokens: int = 0
    completion_tokens: int = 0
    latency_ms: int = 0
    attempts: int = 0
    outcome: Outcome
    detail: str | None = None

    @property
    def total_tokens(self) -> int:
        return self.prompt_tokens + self.completion_tokens


async def record_calls(conn: AsyncConnection[DictRow], calls: Sequence[LLMCall]) -> list[int]:
    """Persist calls to `llm_calls`; returns their ids in order."""
    ids: list[int] = []
    for call in calls:
        cur = await conn.execute(
            "INSERT INTO llm_calls (case_id, purpose, provider, model, response_format, prompt_tokens,"
            " completion_tokens, latency_ms, attempts, outcome, detail)"
            " VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s) RETURNING id",
            (call.case_id, call.purpose.value, call.provider, call.model, call.response_format,
             call.prompt_tokens, call.completion_tokens, call.latency_ms, call.attempts,
             call.outcome.value, call.detail),
        )
        row = await cur.fetchone()
        ids.append(row["id"] if isinstance(row, dict) else row[0])  # type: ignore[index]
    return ids


async def tokens_used(conn: AsyncConnection[DictRow], case_id: int) -> int:
    """Tokens a case has spent so far, so a budget holds across restarts and workers."""
    cur = await conn.execute(
        "SELECT coalesce(sum(prompt_tokens + completion_tokens), 0) AS n FROM llm_calls WHERE case_id = %s",
        (case_id,),
    )
    row = await cur.fetchone()
    return int(row["n"] if isinstance(row, dict) else row[0])  # type: ignore[index]
