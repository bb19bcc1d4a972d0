"""One typed configuration object per connected system: its mode, credentials, API version and address.

Each object is plain data, so a later multi-store desk can hold one per store; `load_configs` reads them
from the environment (`COPILOT_<SYSTEM>_<FIELD>`, or the `.env` file), never from a file in the repo.
"""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, SecretStr, ValidationError, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from tools.contracts.domain import Address
from tools.contracts.errors import ConfigError

Mode = Literal["sandbox", "shadow", "live"]
System = Literal["shopify", "stripe", "easypost", "zendesk", "gorgias", "freshdesk", "email", "woocommerce", "magento"]


class SystemConfig(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    mode: Mode = "sandbox"
    base_url: str | None = Field(default=None, description="Overrides the vendor's address (a proxy, or a local "
                                 "contract server in tests).")
    timeout_s: float = Field(default=20.0, gt=0)
    max_attempts: int = Field(default=4, ge=1, description="Tries of a call that is safe to repeat.")
    max_wait_s: float = Field(default=30.0, ge=0, description="Longest wait for Retry-After or a throttle.")

    # Names of the fields a call cannot be made without; `credentials_set` checks them.
    _required: tuple[str, ...] = ()

    @property
    def credentials_set(self) -> bool:
        return all(getattr(self, name) not in (None, "") for name in self._required)

    @property
    def missing(self) -> list[str]:
        return [name for name in self._required if getattr(self, name) in (None, "")]


class ShopifyConfig(SystemConfig):
    shop: str | None = Field(default=None, description="The shop's domain, e.g. example.myshopify.com")
    access_token: SecretStr | None = None
    api_version: str = "2025-01"
    _required = ("shop", "access_token")

    @property
    def endpoint(self) -> str:
        root = (self.base_url or f"https://{self.shop}").rstrip("/")
        return f"{root}/admin/api/{self.api_version}/graphql.json"

    @property
    def has_idempotent_directive(self) -> bool:
        """`@idempotent` exists on refundCreate from 2026-01 (and is required from 2026-04)."""
        return self.api_version >= "2026-01" and self.api_version != "unstable"


class StripeConfig(SystemConfig):
    api_key: SecretStr | None = None
    api_version: str = "2023-08-16"
    _required = ("api_key",)


class Parcel(BaseModel):
    """EasyPost's parcel: inches and ounces."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    length: float = Field(default=12, gt=0)
    width: float = Field(default=9, gt=0)
    height: float = Field(default=4, gt=0)
    weight: float = Field(default=16, gt=0)


class EasyPostConfig(SystemConfig):
    api_key: SecretStr | None = None
    return_address: Address | None = Field(default=None, description="Where returns go (the warehouse that takes "
                                           "them back), as JSON; return labels need it.")
    return_parcel: Parcel = Parcel()
    _required = ("api_key",)


class ZendeskConfig(SystemConfig):
    subdomain: str | None = None
    email: str | None = None
    api_token: SecretStr | None = None
    _required = ("subdomain", "email", "api_token")


class GorgiasConfig(SystemConfig):
    domain: str | None = None
    email: str | None = None
    api_key: SecretStr | None = None
    _required = ("domain", "email", "api_key")


class FreshdeskConfig(SystemConfig):
    domain: str | None = None
    api_key: SecretStr | None = None
    _required = ("domain", "api_key")


class EmailConfig(SystemConfig):
    smtp_host: str | None = None
    smtp_port: int = 587
    username: str | None = None
    password: SecretStr | None = None
    from_address: str | None = None
    starttls: bool = True
    _required = ("smtp_host", "from_address")


class WooCommerceConfig(SystemConfig):
    store_url: str | None = None
    consumer_key: SecretStr | None = None
    consumer_secret: SecretStr | None = None
    _required = ("store_url", "consumer_key", "consumer_secret")


class MagentoConfig(SystemConfig):
    host: str | None = None
    store_code: str = "default"
    access_token: SecretStr | None = None
    _required = ("host", "access_token")


STOREFRONTS = ("shopify", "woocommerce", "magento")

CONFIG_TYPES: dict[str, type[SystemConfig]] = {
    "shopify": ShopifyConfig, "stripe": StripeConfig, "easypost": EasyPostConfig, "zendesk": ZendeskConfig,
    "gorgias": GorgiasConfig, "freshdesk": FreshdeskConfig, "email": EmailConfig,
    "woocommerce": WooCommerceConfig, "magento": MagentoConfig,
}


class ConnectorConfigs(BaseModel):
    """Every system's configuration, and where the vendors' contracts are for shadow checks."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    shopify: ShopifyConfig = ShopifyConfig()
    stripe: StripeConfig = StripeConfig()
    easypost: EasyPostConfig = EasyPostConfig()
    zendesk: ZendeskConfig = ZendeskConfig()
    gorgias: GorgiasConfig = GorgiasConfig()
    freshdesk: FreshdeskConfig = FreshdeskConfig()
    email: EmailConfig = EmailConfig()
    woocommerce: WooCommerceConfig = WooCommerceConfig()
    magento: MagentoConfig = MagentoConfig()
    contracts_dir: Path | None = None

    def get(self, system: str) -> SystemConfig:
        config = getattr(self, system, None)
        if not isinstance(config, SystemConfig):
            raise KeyError(system)
        return config

    @model_validator(mode="after")
    def _one_storefront(self) -> ConnectorConfigs:
        """A desk acts on one storefront: the platform is the one storefront system not in sandbox mode."""
        connected = [name for name in STOREFRONTS if self.get(name).mode != "sandbox"]
        if len(connected) > 1:
            raise ValueError(f"only one storefront may be connected, but {' and '.join(connected)} are not in"
                             " sandbox mode (set the others' COPILOT_<SYSTEM>_MODE=sandbox)")
        return self

    @property
    def storefront(self) -> str | None:
        """The store's platform (shopify, woocommerce or magento) when one is connected, else None."""
        return next((name for name in STOREFRONTS if self.get(name).mode != "sandbox"), None)

    @property
    def all_sandbox(self) -> bool:
        return all(self.get(name).mode == "sandbox" for name in CONFIG_TYPES)


def _env_class(system: str, model: type[SystemConfig]) -> type[BaseSettings]:
    """A settings class with the model's fields under COPILOT_<SYSTEM>_; unrelated variables are ignored."""
    config = SettingsConfigDict(env_prefix=f"COPILOT_{system.upper()}_", env_file=".env", extra="ignore")
    return type(f"{model.__name__}Env", (BaseSettings, model), {"model_config": config})


def _default_contracts_dir() -> Path | None:
    # The shared folder beside the repository holds the vendors' contract files (see the README).
    shared = os.environ.get("COPILOT_SHARED_DIR")
    root = Path(shared) if shared else Path(__file__).resolve().parents[3] / "shared"
    guess = root / "data" / "vendor"
    return guess if guess.is_dir() else None


class _ContractsEnv(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="COPILOT_", env_file=".env", extra="ignore")
    contracts_dir: Path | None = None


def load_configs() -> ConnectorConfigs:
    loaded: dict[str, SystemConfig] = {}
    for system, model in CONFIG_TYPES.items():
        try:
            values = _env_class(system, model)().model_dump(exclude_unset=True)
            loaded[system] = model.model_validate(values)
        except ValidationError as exc:  # one line naming the variable, not a traceback
            first = exc.errors()[0]
            field = str(first["loc"][0]) if first["loc"] else ""
            raise ConfigError(f"COPILOT_{system.upper()}_{field.upper()}: {first['msg']}"
                              + (f" ({'.'.join(map(str, first['loc'][1:]))})" if len(first["loc"]) > 1 else "")
                              ) from None
    contracts = _ContractsEnv().contracts_dir or _default_contracts_dir()
    try:
        return ConnectorConfigs(contracts_dir=contracts, **loaded)
    except ValidationError as exc:
        raise ConfigError("; ".join(str(e["msg"]).removeprefix("Value error, ") for e in exc.errors())) from None


@lru_cache
def get_configs() -> ConnectorConfigs:
    return load_configs()
