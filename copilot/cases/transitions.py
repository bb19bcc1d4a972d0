"""The transition table: the only moves a case's status may make. The case store (copilot/cases/store/)
moves statuses through it, and every move is an audit event."""

from __future__ import annotations

from copilot.core.models import CaseStatus as S

ALLOWED: dict[S, frozenset[S]] = {
    S.new: frozenset({S.triaged, S.routed_away, S.escalated}),
    S.triaged: frozenset({S.triaged, S.awaiting_approval, S.executing, S.escalated, S.routed_away, S.closed}),
    S.awaiting_approval: frozenset({S.awaiting_approval, S.executing, S.triaged, S.escalated, S.closed}),
    S.executing: frozenset({S.awaiting_customer, S.verifying, S.escalated, S.closed}),
    S.awaiting_customer: frozenset({S.awaiting_customer, S.triaged, S.escalated, S.closed}),
    S.verifying: frozenset({S.verifying, S.closed, S.triaged, S.escalated}),
    # Out of escalation: re-planned, decided, handed back to where the workflow waits, or closed.
    S.escalated: frozenset({S.escalated, S.triaged, S.awaiting_approval, S.executing, S.awaiting_customer,
                            S.verifying, S.closed}),
    S.closed: frozenset({S.triaged}),
    S.routed_away: frozenset(),
}
FINAL = frozenset({S.closed, S.routed_away})
# A case row `c` that is still open, in SQL.
OPEN_SQL = "c.status NOT IN ('closed', 'routed_away')"


def can_move(current: S, target: S) -> bool:
    return target in ALLOWED[current]


def sources(target: S) -> list[str]:
    """Every status the table lets a case leave for `target`."""
    return [status.value for status, targets in ALLOWED.items() if target in targets]
