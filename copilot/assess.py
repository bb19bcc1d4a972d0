"""`copilot assess`: an opportunity map from sample exports, classified with the desk's own triage."""

from __future__ import annotations

import csv
import re
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Literal

from copilot.cases.triage import QUEUES
from copilot.errors import InvalidInput
from copilot.models import PRE_FULFILLMENT, Category, Signal, SignalKind, SignalSource, Strict
from copilot.playbooks import PLAYBOOKS
from copilot.taxonomy import classify_signal, classify_ticket

Kind = Literal["orders", "tickets", "threepl"]
ORDER_COLUMNS = {"name", "email", "financial status", "paid at", "fulfillment status", "fulfilled at",
                 "accepts marketing", "currency", "subtotal", "shipping", "taxes", "total", "discount code",
                 "discount amount", "shipping method", "created at", "lineitem quantity", "lineitem name",
                 "lineitem price", "lineitem sku", "lineitem fulfillment status", "billing name", "shipping name",
                 "shipping street", "shipping address1", "shipping address2", "shipping city", "shipping zip",
                 "shipping province", "shipping country", "notes", "cancelled at", "payment method",
                 "refunded amount", "risk level", "tags", "id", "source", "vendor", "phone"}
TICKET_COLUMNS = {"id", "subject", "description", "requester", "created", "status", "priority", "tags", "channel",
                  "order"}
THREEPL_COLUMNS = {"order", "sku", "warehouse", "exception", "code", "created", "note", "quantity"}
# What the desk's default SLA table (DESIGN §4) asks of each queue.
SLA_NEEDS = {"pre_fulfillment_holds": "first touch within 4 business hours; resolved before the next carrier cutoff",
             "cancel_edit_requests": "decision before the warehouse cutoff",
             "delivery_exceptions": "same business day update; resolved in 3 business days",
             "refund_contacts": "first touch within 24 hours; refund within 5 business days",
             "chargebacks": "first touch in 1 business day; evidence 2 days before the due date"}
RECOVERABLE = PRE_FULFILLMENT | {Category.delivery_exception}


class Row(Strict):
    source: str
    kind: Kind
    category: Category | None
    value: Decimal


class CategoryLine(Strict):
    category: Category
    rows: int
    value: Decimal
    playbook: str | None
    recoverable: bool
    queue: str | None
    sla_needed: str | None


class Assessment(Strict):
    files: dict[str, Kind]
    unknown_columns: dict[str, list[str]]
    rows: int
    exceptions: int
    categories: list[CategoryLine]
    recoverable_value: Decimal
    recovery_rate: float
    expected_recovered: Decimal
    assumptions: list[str]


def _money(text: str | None) -> Decimal:
    try:
        return Decimal(re.sub(r"[^\d.\-]", "", text or "") or "0")
    except InvalidOperation:
        return Decimal("0")


def detect(headers: list[str]) -> Kind:
    lowered = {h.strip().lower() for h in headers}
    if {"financial status", "fulfillment status"} <= lowered:
        return "orders"
    if {"subject", "description"} <= lowered:
        return "tickets"
    if "sku" in lowered and ({"exception", "code"} & lowered):
        return "threepl"
    raise InvalidInput(f"cannot tell what export this is from its columns: {', '.join(headers[:8])}")


def order_category(row: dict[str, str]) -> Category | None:
    """The exception an exported order row shows, by the storefront's own fields; None = no exception."""
    risk, tags = row.get("risk level", "").lower(), row.get("tags", "").lower()
    financial, fulfillment = row.get("financial status", "").lower(), row.get("fulfillment status", "").lower()
    if risk in ("high", "medium") or "fraud" in tags:
        return Category.fraud_hold
    if financial in ("pending", "voided", "expired", "failed") and not row.get("cancelled at"):
        return Category.payment_failure
    if "address" in tags:
        return Category.address_issue
    if fulfillment == "partial":
        return Category.split_shipment
    if "backorder" in tags or "oversold" in tags:
        return Category.inventory_mismatch
    return None


def _classify(kind: Kind, row: dict[str, str]) -> Category | None:
    if kind == "orders":
        return order_category(row)
    if kind == "tickets":
        return classify_ticket(row.get("subject", ""), row.get("description", "")).category
    code = row.get("exception") or row.get("code") or ""
    signal = Signal(source=SignalSource.threepl, source_event_id="assess", kind=SignalKind.threepl_exception,
                    occurred_at=datetime.now(UTC), exception_code=code.upper(), sku=row.get("sku") or None)
    return classify_signal(signal).category


def read_file(path: Path) -> tuple[Kind, list[dict[str, str]], list[str]]:
    try:
        with path.open(newline="", encoding="utf-8-sig") as handle:
            reader = csv.DictReader(handle)
            headers = list(reader.fieldnames or [])
            rows = [{(k or "").strip().lower(): (v or "").strip() for k, v in r.items()} for r in reader]
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise InvalidInput(f"cannot read {path}: {exc}") from None
    kind = detect(headers)
    known = {"orders": ORDER_COLUMNS, "tickets": TICKET_COLUMNS, "threepl": THREEPL_COLUMNS}[kind]
    return kind, rows, [h for h in headers if h.strip().lower() not in known]


def assess_paths(paths: list[Path], recovery_rate: float = 0.6) -> Assessment:
    if not 0 <= recovery_rate <= 1:
        raise InvalidInput("recovery rate must be between 0 and 1")
    files, unknown, rows, values = {}, {}, [], {}
    loaded = [(p, *read_file(p)) for p in paths]
    for _, kind, data, _ in loaded:  # order values first, so tickets and 3PL rows can borrow them
        if kind == "orders":
            values.update({r.get("name", ""): _money(r.get("total")) for r in data})
    for path, kind, data, extra in loaded:
        files[str(path)], unknown[str(path)] = kind, extra
        for r in data:
            ref = r.get("order") or next(iter(re.findall(r"#\d{3,}", r.get("description", ""))), "")
            value = _money(r.get("total")) if kind == "orders" else values.get(ref, Decimal("0"))
            rows.append(Row(source=str(path), kind=kind, category=_classify(kind, r), value=value))
    return _summarize(files, unknown, rows, recovery_rate)


def _summarize(files: dict, unknown: dict, rows: list[Row], rate: float) -> Assessment:
    lines = []
    for category in Category:
        mine = [r for r in rows if r.category is category]
        if not mine:
            continue
        queue = QUEUES.get(category)
        playbook = PLAYBOOKS.get(category)
        lines.append(CategoryLine(category=category, rows=len(mine), value=sum((r.value for r in mine), Decimal("0")),
                                  playbook=playbook.__name__ if playbook else None,
                                  recoverable=category in RECOVERABLE, queue=queue,
                                  sla_needed=SLA_NEEDS.get(queue or "")))
    recoverable = sum((ln.value for ln in lines if ln.recoverable), Decimal("0"))
    return Assessment(
        files=files, unknown_columns=unknown, rows=len(rows), exceptions=sum(ln.rows for ln in lines),
        categories=sorted(lines, key=lambda ln: (-ln.value, ln.category.value)), recoverable_value=recoverable,
        recovery_rate=rate, expected_recovered=(recoverable * Decimal(str(rate))).quantize(Decimal("0.01")),
        assumptions=[f"the desk recovers {rate:.0%} of the value of recoverable (pre-fulfillment and delivery)"
                     " exceptions", "tickets and 3PL rows take the value of the order they name in the sample",
                     "order rows without a risk, payment, address, split or stock signal are not exceptions"])


def render_markdown(a: Assessment) -> str:
    out = ["# Opportunity map", "", f"{a.rows} rows read; {a.exceptions} are exceptions the desk works.", "",
           "| category | rows | value | playbook | recoverable | queue | SLA it needs |",
           "|---|---:|---:|---|---|---|---|"]
    out += [f"| {c.category} | {c.rows} | {c.value} | {c.playbook or '-'} | {'yes' if c.recoverable else 'no'} |"
            f" {c.queue or '-'} | {c.sla_needed or '-'} |" for c in a.categories]
    out += ["", f"Recoverable value: {a.recoverable_value}. Expected recovered revenue: {a.expected_recovered}.",
            "", "## Assumptions", ""] + [f"- {s}" for s in a.assumptions]
    out += ["", "## Columns not used (reported, not guessed)", ""]
    out += [f"- {f}: {', '.join(cols)}" for f, cols in a.unknown_columns.items() if cols] or ["- none"]
    return "\n".join(out) + "\n"
