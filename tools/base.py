"""What a tool is: a verb_noun name, a kind, typed input and output, one async function over connectors."""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any, TypeVar, get_type_hints

from psycopg import AsyncConnection
from psycopg.rows import DictRow
from pydantic import BaseModel

from tools.connectors.protocols import Connectors
from tools.contracts.case_log import CaseLog


class ToolKind(StrEnum):
    READ = "READ"
    WRITE = "WRITE"
    MONEY = "MONEY"
    CONTACT = "CONTACT"
    OWNER = "OWNER"


# Kinds whose calls change a system of record: they need an idempotency key.
EFFECT_KINDS = frozenset({ToolKind.WRITE, ToolKind.MONEY, ToolKind.CONTACT})


@dataclass(frozen=True)
class ToolDeps:
    """What a tool runs with. `customer_id` is the acting customer the case identifies, never an argument,
    so text an LLM read cannot choose whose order is touched."""

    conn: AsyncConnection[DictRow]
    now: datetime
    connectors: Connectors
    case_id: int | None = None
    customer_id: str | None = None
    idempotency_key: str | None = None  # set by the registry for the call it runs; systems store it too
    case_log: CaseLog | None = None

    @classmethod
    def sandbox(cls, conn: AsyncConnection[DictRow], now: datetime, case_id: int | None = None,
                customer_id: str | None = None, case_log: CaseLog | None = None) -> ToolDeps:
        """The sandbox bundle, with each system that is configured for shadow or live mode routed to its
        connector (tools/connectors/routing.py); with every system in sandbox mode, the sandbox alone."""
        from tools.connectors.routing import route
        from tools.connectors.sandbox import carrier, helpdesk, psp, storefront, wms

        bundle = Connectors(
            storefront=storefront.SandboxStorefront(conn, now, customer_id),
            psp=psp.SandboxPSP(conn, now, customer_id),
            wms=wms.SandboxWMS(conn, now, customer_id),
            carrier=carrier.SandboxCarrier(conn, now, customer_id),
            helpdesk=helpdesk.SandboxHelpdesk(conn, now, customer_id),
        )
        bundle = route(bundle, conn, now, customer_id)
        return cls(conn=conn, now=now, connectors=bundle, case_id=case_id, customer_id=customer_id,
                   case_log=case_log)


ToolFn = Callable[[ToolDeps, Any], Awaitable[BaseModel]]


@dataclass(frozen=True)
class ToolSpec:
    name: str
    kind: ToolKind
    input_model: type[BaseModel]
    output_model: type[BaseModel]
    fn: ToolFn
    description: str

    @property
    def needs_key(self) -> bool:
        return self.kind in EFFECT_KINDS

    def json_schema(self) -> dict[str, Any]:
        """The function schema an LLM sees, generated from the input model."""
        return {"name": self.name, "description": self.description,
                "parameters": self.input_model.model_json_schema()}


DECLARED: dict[str, ToolSpec] = {}
F = TypeVar("F", bound=ToolFn)


def tool(kind: ToolKind) -> Callable[[F], F]:
    """Declare a tool once: name from the function, models from its annotations, description from its docstring."""

    def declare(fn: F) -> F:
        name = fn.__name__
        if name in DECLARED:
            raise ValueError(f"tool {name} is declared twice")
        if "_" not in name or not name.islower():
            raise ValueError(f"tool name {name} is not verb_noun")
        hints = get_type_hints(fn)
        params = list(inspect.signature(fn).parameters)
        input_model, output_model = hints[params[1]], hints["return"]
        if not (issubclass(input_model, BaseModel) and issubclass(output_model, BaseModel)):
            raise TypeError(f"tool {name} must take and return pydantic models")
        doc = inspect.getdoc(fn) or ""
        DECLARED[name] = ToolSpec(name=name, kind=kind, input_model=input_model, output_model=output_model,
                                  fn=fn, description=doc.split("\n\n")[0].replace("\n", " "))
        return fn

    return declare
