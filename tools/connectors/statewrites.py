"""Writes to systems with no idempotency key (WooCommerce, Magento): read the vendor's state before writing,
and let a retry after a crash read it again instead of writing twice. A marker with the tool call's key goes
into free text the vendor keeps (a note, a refund reason, a comment) where there is no state to compare."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from tools.connectors.outbound import Outbound, Send
from tools.connectors.outbox import CURRENT_CALL, VendorRequest, VendorResponse
from tools.contracts.errors import InvalidInput

T = TypeVar("T")


def marker() -> str:
    """`[rdc <case>:<action>]`: found in the vendor's own records, it proves this call already wrote there."""
    call = CURRENT_CALL.get()
    if call is None:
        raise InvalidInput("an outbound write needs the tool call's idempotency key")
    return f"[rdc {call.key}]"


async def write_unless_done(outbound: Outbound, step: str, request: VendorRequest, send: Send,
                            read: Callable[[], Awaitable[T]], done: Callable[[T], bool]) -> VendorResponse | None:
    """Send (live) or record (shadow) `request` unless the vendor's state already shows it done.

    None means nothing was sent: shadow, or already done (then a row left 'sending' by a killed attempt is
    settled). After a crash, the outbox's recovery reads the state again before any second send."""
    if done(await read()):
        await outbound.settle(step)
        return None

    async def recover() -> VendorResponse | None:
        state: Any = await read()
        return VendorResponse(status=200, body=state) if done(state) else None

    return await outbound.write(request, send, step, recover)
