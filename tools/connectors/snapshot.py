"""One reading of each system per gather: a connector bundle that answers a repeated read from its first answer.

Facts for a case are one snapshot of the systems of record. Assembling them asks the same question many times
(each address validated for an order reads that order and its customer again; a related order's lines share
SKUs), which on the sandbox was half of gather_facts' statements (bench/profile_triage.py) and on a vendor would
be as many API calls. Only the protocols' reads are remembered, only for the bundle's life (one gather_facts),
and a failed read is not remembered; anything else goes straight to the system."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Hashable
from typing import Any, cast

from tools.connectors.protocols import CarrierTracking, Connectors, PaymentProvider, Storefront, Warehouse

READS = {"get_order", "get_customer", "previous_addresses", "payments", "fulfillments", "locate", "events"}


class _Remembering:
    """A system whose reads (READS) answer from the first answer to the same arguments."""

    def __init__(self, system: object) -> None:
        self._system = system
        self._answers: dict[Hashable, object] = {}

    def __getattr__(self, name: str) -> Any:
        found = getattr(self._system, name)
        if name not in READS:
            return found
        return self._remembered(name, found)

    def _remembered(self, name: str, read: Callable[..., Awaitable[object]]) -> Callable[..., Awaitable[object]]:
        async def remembered(*args: Any, **kwargs: Any) -> object:
            key = (name, args, tuple(sorted(kwargs.items())))
            try:
                return self._answers[key]
            except KeyError:
                pass
            except TypeError:  # arguments that cannot be a key are read every time
                return await read(*args, **kwargs)
            answer = await read(*args, **kwargs)
            self._answers[key] = answer
            return answer
        return remembered


def remembering(bundle: Connectors) -> Connectors:
    """The bundle for one gather: reads remembered, the helpdesk (which gather does not read) as it is."""
    return Connectors(storefront=cast(Storefront, _Remembering(bundle.storefront)),
                      psp=cast(PaymentProvider, _Remembering(bundle.psp)),
                      wms=cast(Warehouse, _Remembering(bundle.wms)),
                      carrier=cast(CarrierTracking, _Remembering(bundle.carrier)),
                      helpdesk=bundle.helpdesk)
