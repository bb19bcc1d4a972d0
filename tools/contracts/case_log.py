"""What a tool or a connector may write about the case it runs for. The copilot passes one backed by its
case store (copilot/cases/case_log.py), the only writer of case rows and audit events; tools never import it."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Protocol


class CaseLog(Protocol):
    async def record_event(self, kind: str, data: Mapping[str, object], *, actor: str = "tool") -> None: ...

    async def hand_to(self, owner: str, reason: str) -> int:
        """Make `owner` responsible for the case; returns the new escalation level."""
        ...
