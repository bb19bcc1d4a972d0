"""Configuration from the environment (prefix COPILOT_); see the README's configuration table."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

import platformdirs
from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


def default_data_dir() -> Path:
    return Path(platformdirs.user_data_dir("recovery-desk-copilot"))


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="COPILOT_", env_file=".env", extra="ignore")

    database_url: str | None = Field(
        default=None, description="External Postgres; when unset an embedded PostgreSQL is started."
    )
    data_dir: Path = Field(default_factory=default_data_dir)
    host: str = "127.0.0.1"
    port: int = 8000
    pool_max_size: int = 10
    queue_stats_ttl_s: float = Field(default=5.0, ge=0, description="How long one computation of the queue "
                                     "numbers serves every desk page and GET /api/queues.")
    vendor_order_ttl_s: float = Field(default=20.0, ge=0, le=300, description="How long the case page reuses a "
                                      "connected store's answer about an order (0: read it on every load); the "
                                      "copilot's own writes to the order end the reuse at once.")

    shopify_webhook_secret: SecretStr = SecretStr("dev-shopify-secret")
    stripe_webhook_secret: SecretStr = SecretStr("dev-stripe-secret")
    easypost_webhook_secret: SecretStr = SecretStr("dev-easypost-secret")
    zendesk_webhook_secret: SecretStr = SecretStr("dev-zendesk-secret")
    gorgias_webhook_secret: SecretStr = SecretStr("dev-gorgias-secret")
    freshdesk_webhook_secret: SecretStr = SecretStr("dev-freshdesk-secret")
    woocommerce_webhook_secret: SecretStr = SecretStr("dev-woocommerce-secret")
    adobe_commerce_webhook_public_key: str | None = Field(
        default=None, description="PEM public key from Stores > Configuration > Adobe Services > Webhooks; "
        "unset refuses every Adobe Commerce webhook.")
    intake_api_key: SecretStr = SecretStr("dev-intake-key")

    llm: Literal["none", "openai", "openai-compatible"] = "none"
    llm_base_url: str | None = None
    llm_model: str = "gpt-4o-mini"
    llm_api_key: SecretStr | None = None
    llm_timeout_s: float = 20.0
    llm_response_format: Literal["auto", "json_schema", "json_object"] = "auto"
    llm_case_token_budget: int = 6000
    llm_breaker_failures: int = Field(default=3, ge=1, description="LLM calls failing in a row that open the breaker.")
    llm_breaker_cooldown_s: float = Field(default=30.0, ge=0, description="How long an open breaker stops LLM calls.")

    policy_path: Path | None = None
    seed: int = 7
    seed_on_start: bool = True
    worker_on_start: bool = True
    job_lease_s: float = Field(default=60.0, gt=0, description="How long a claimed job is a worker's before "
                               "another worker may take it over (a crashed worker's jobs wait this long).")

    max_body_bytes: int = Field(default=2_000_000, ge=1024, description="Largest request body accepted (413 "
                                "above it), checked from Content-Length and while the body streams in.")
    health_worker_stale_s: float = Field(default=30.0, gt=0, description="A worker whose loop has not turned for "
                                         "this long is reported stale by /healthz.")
    health_ready_age_s: float = Field(default=300.0, gt=0, description="/healthz is degraded when a job ready to "
                                      "run has waited longer than this.")

    @property
    def pgdata(self) -> Path:
        return self.data_dir / "pgdata"


SECRETS = ("shopify_webhook_secret", "stripe_webhook_secret", "easypost_webhook_secret", "zendesk_webhook_secret",
           "gorgias_webhook_secret", "freshdesk_webhook_secret", "intake_api_key")
LOOPBACK = ("127.0.0.1", "::1", "localhost")


def secret_problem(settings: Settings, host: str) -> str | None:
    """One line naming the first secret that must not be used to serve on `host`, or None.

    An empty key lets anyone compute a valid HMAC; the development defaults are public (they are in this
    file), so they are only good for a service nobody else can reach."""
    for name in SECRETS:
        value = getattr(settings, name).get_secret_value()
        variable = f"COPILOT_{name.upper()}"
        if not value.strip():
            return f"{variable} is empty; set it to the secret configured at the sender"
        if value == Settings.model_fields[name].default.get_secret_value() and host not in LOOPBACK:
            return (f"{variable} is the public development default and the service listens on {host}; set a real "
                    "secret, or listen on 127.0.0.1 only")
    key = settings.llm_api_key
    if settings.llm != "none" and key is not None and not key.get_secret_value().strip():
        return "COPILOT_LLM_API_KEY is empty; unset it or set the provider's key"
    return None


@lru_cache
def get_settings() -> Settings:
    return Settings()
