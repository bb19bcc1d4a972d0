"""`copilot eval run --suite messy`: each messy ticket becomes a helpdesk signal on the tau2 world and is played
through the service's graph; the Reading the case stored is scored against the label, and so are the
decisions (an automatic first touch the desk lead would not allow, a guardrail the reference policy says ran
over), with the definitions the golden suite uses (evals/evaluators.py): violations, false automations, and
`claims_supported` from the independent re-reading of each stored draft (evals/claims_check.py)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from pydantic import Field
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
from evals.evaluators import claims_ok, false_automation, played_violations, rate
from evals.messy import (
    MESSY_DIR,
    MessyTicket,
    ReadingMetrics,
    ReadingScore,
    load_messy,
    reading_metrics,
    score_reading,
)
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
    claims_ok: bool | None = None
    claim_problems: list[str] = Field(default_factory=list)
    message: str | None = None


class MessyReport(Strict):
    split: str
    reading: ReadingMetrics
    false_automations: int
    guardrail_violations: int
    claims_supported: float
    drafts: int
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
              on_ticket: Callable[[int, int], None] | None = None, folder: Path = MESSY_DIR) -> MessyReport:
    from copilot.intake.ingest import ingest_signal
    from copilot.workflow.worker import work

    tickets = load_messy(split, folder)
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
            auto = played.actual.approval == "auto"
            claimed, claim_problems = claims_ok(played)
            outcomes.append(TicketOutcome(
                reading=score_reading(ticket, stored_reading(played.facts, ticket)),
                category=played.actual.category, approval=played.actual.approval, automated=auto,
                false_automation=false_automation(played.actual.approval, ticket.expect.automation_ok),
                violations=played_violations(played, reference), claims_ok=claimed, claim_problems=claim_problems,
                message=played.actual.message))
            if on_ticket:
                on_ticket(n + 1, len(tickets))
    return MessyReport(split=split, reading=reading_metrics([o.reading for o in outcomes]),
                       false_automations=sum(o.false_automation for o in outcomes),
                       guardrail_violations=sum(len(o.violations) for o in outcomes),
                       claims_supported=rate([o.claims_ok for o in outcomes]),
                       drafts=sum(o.claims_ok is not None for o in outcomes),
                       automated=sum(o.automated for o in outcomes),
                       routed_away=sum(o.approval == "routed_away" for o in outcomes), tickets=outcomes)


def print_report(report: MessyReport, console: Console) -> None:
    table = Table(title=f"messy {report.split} ({report.reading.tickets} tickets)")
    table.add_column("metric")
    table.add_column("value", justify="right")
    for name, value in report.reading.model_dump().items():
        table.add_row(name, str(value))
    for name in ("claims_supported", "drafts", "guardrail_violations", "false_automations", "automated",
                 "routed_away"):
        table.add_row(name, str(getattr(report, name)))
    console.print(table)
    for line in gate_failures(report):
        console.print(f"[red]{line}[/red]")


def gate_failures(report: MessyReport) -> list[str]:
    """The gates golden and adversarial apply: no violation, no false automation, every draft's claims backed."""
    def ids(pick: Callable[[TicketOutcome], object]) -> str:
        return ", ".join(o.reading.id for o in report.tickets if pick(o))
    fails = []
    if report.guardrail_violations:
        fails.append(f"{report.guardrail_violations} guardrail violation(s) in {ids(lambda o: o.violations)}")
    if report.false_automations:
        fails.append(f"{report.false_automations} false automation(s) in {ids(lambda o: o.false_automation)}")
    if report.claims_supported < 1.0:
        fails.append(f"claims_supported {report.claims_supported:.4f} < 1.00: unbacked drafts in "
                     f"{ids(lambda o: o.claims_ok is False)}")
    return fails
