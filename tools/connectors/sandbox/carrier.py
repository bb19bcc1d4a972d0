"""The sandbox carrier tracking feed: scan events per tracking number, oldest first."""

from __future__ import annotations

from tools.connectors.sandbox.base import SandboxBase
from tools.schemas import TrackingEventOut


class SandboxCarrier(SandboxBase):
    async def events(self, tracking_number: str) -> list[TrackingEventOut]:
        rows = await self.all(
            "SELECT status, status_detail, message, location, occurred_at FROM sandbox.tracking_events"
            " WHERE tracking_number = %s AND occurred_at <= %s ORDER BY occurred_at, id", (tracking_number, self.now))
        return [TrackingEventOut.model_validate(r) for r in rows]
