"""`copilot eval run --suite messy`: each messy ticket becomes a helpdesk signal on the tau2 world and is played
through the service's graph; the Reading the case stored is scored against the label, and so are the
decisions (an automatic first touch the desk lead would not allow, a guardrail the reference policy says ran
over)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

from copilot.core import db
from copilot.core.models import Signal, SignalKind, SignalSource, Strict
from copilot.core.policy import load_policy
from copilot.core.settings import Settings
from copilot.decide.plan import CaseState
from copilot.reading.model import Reading
from copilot.reading.reader import read_text
from copilot.workflow.engine import open_engine
from copilot.workflow.runtime import reset_desk
from evals.evaluators import reference_blocks
from evals.messy import MessyTicket, ReadingMetrics, ReadingScore, load_messy, reading_metrics, score_reading
from evals.play import Clock, read_outcome
from tools.connectors.sandbox.loaders import TAU2_NOW, load_tau2
from tools.connectors.sandbox.store import write_world


class TicketOutcome(Strict):
    reading: ReadingScore
    category: str | None
    approval: str
    automated: bool
    false_automation: bool
    violations: list[str]


class MessyReport(Strict):
    split: str
    reading: ReadingMetrics
    false_automations: int
    guardrail_violations: int
    automated: int
    routed_away: int
    tickets: list[TicketOutcome]


def signal_for(ticket: MessyTicket) -> Signal:
    return Signal(source=SignalSource(ticket.channel), source_event_id=f"messy-{ticket.id}", kind=SignalKind.ticket,
                  occurred_at=TAU2_NOW, customer_email=ticket.from_email, ticket_id=ticket.id,
                  subject=ticket.subject, text=ticket.body)


def stored_reading(facts: dict[str, Any] | None, ticket: MessyTicket) -> Reading:
    """The grounded Reading the case's plan was built on; a case routed away before facts were gathered keeps
    the Reading triage made of the text."""
    if facts:
        state = CaseState.model_validate(facts)
        if state.reading is not None:
            return state.reading
    return read_text(ticket.subject, ticket.body)


async def run(url: str, split: str, db_path: Path, settings: Settings,
              on_ticket: Callable[[int, int], None] | None = None) -> MessyReport:
    from copilot.intake.ingest import ingest_signal
    from copilot.workflow.worker import work

    tickets = load_messy(split)
    with db.connect(url, autocommit=True) as conn:
        reset_desk(conn)
        write_world(conn, load_tau2(db_path))
    reference = load_policy(None)
    outcomes = []
    async with open_engine(url, settings, clock=Clock(TAU2_NOW), pool_size=4) as engine:
        for n, ticket in enumerate(tickets):
            with db.connect(url, autocommit=True) as conn:
                reset_desk(conn)
            async with engine.pool.connection() as conn:
                outcome = await ingest_signal(conn, signal_for(ticket), TAU2_NOW)
            await work(engine.pool, engine.run_job, concurrency=2, drain=True, idle_sleep=0.01)
            async with engine.pool.connection() as conn:
                played = await read_outcome(conn, outcome.case_id, 0.0, [])
            blocked = reference_blocks(played, reference)
            ran = [a for a in played.actual.actions if a.status == "done" or played.actual.approval == "auto"]
            auto = played.actual.approval == "auto"
            outcomes.append(TicketOutcome(
                reading=score_reading(ticket, stored_reading(played.facts, ticket)),
                category=played.actual.category, approval=played.actual.approval, automated=auto,
                false_automation=auto and not ticket.expect.automation_ok,
                violations=[f"{a.tool} ran although {blocked[a.action_id]}" for a in ran if a.action_id in blocked]))
            if on_ticket:
                on_ticket(n + 1, len(tickets))
    return MessyReport(split=split, reading=reading_metrics([o.reading for o in outcomes]),
                       false_automations=sum(o.false_automation for o in outcomes),
                       guardrail_violations=sum(len(o.violations) for o in outcomes),
                       automated=sum(o.automated for o in outcomes),
                       routed_away=sum(o.approval == "routed_away" for o in outcomes), tickets=outcomes)


def print_report(report: MessyReport, console: Console) -> None:
    table = Table(title=f"messy {report.split} ({report.reading.tickets} tickets)")
    table.add_column("metric")
    table.add_column("value", justify="right")
    for name, value in report.reading.model_dump().items():
        table.add_row(name, str(value))
    for name in ("guardrail_violations", "false_automations", "automated", "routed_away"):
        table.add_row(name, str(getattr(report, name)))
    console.print(table)
