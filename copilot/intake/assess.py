"""`copilot assess`: an opportunity map from sample exports, classified with the desk's own triage.

The desk opens one case per order, so the map counts each order once however many files (or rows of one
file: a storefront export repeats an order on each line item) mention it. Amounts are parsed strictly: a
value that is not plainly an amount is an error naming its file, row and column, never a guess.
"""

from __future__ import annotations

import csv
import re
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Literal

from copilot.cases.taxonomy import classify_signal, classify_ticket
from copilot.cases.triage import QUEUES
from copilot.core.errors import InvalidInput
from copilot.core.models import PRE_FULFILLMENT, Category, Signal, SignalKind, SignalSource, Strict
from copilot.decide.playbooks import PLAYBOOKS
from copilot.intake.parsers.threepl import COLUMN_ALIASES

Kind = Literal["orders", "tickets", "threepl"]
ORDER_COLUMNS = {"name", "email", "financial status", "paid at", "fulfillment status", "fulfilled at",
                 "accepts marketing", "currency", "subtotal", "shipping", "taxes", "total", "discount code",
                 "discount amount", "shipping method", "created at", "lineitem quantity", "lineitem name",
                 "lineitem price", "lineitem sku", "lineitem fulfillment status", "billing name", "shipping name",
                 "shipping street", "shipping address1", "shipping address2", "shipping city", "shipping zip",
                 "shipping province", "shipping country", "notes", "cancelled at", "payment method",
                 "refunded amount", "risk level", "tags", "id", "source", "vendor", "phone"}
TICKET_ORDER = ("order", "order_id", "order_number", "order number")
TICKET_COLUMNS = {"id", "subject", "description", "requester", "created", "status", "priority", "tags", "channel",
                  *TICKET_ORDER}
# The 3PL columns are the ones /intake/3pl takes (its own export format), with the same aliases.
THREEPL_COLUMNS = {alias for aliases in COLUMN_ALIASES.values() for alias in aliases} | {"quantity", "created"}
# What the desk's default SLA table (DESIGN §4) asks of each queue.
SLA_NEEDS = {"pre_fulfillment_holds": "first touch within 4 business hours; resolved before the next carrier cutoff",
             "cancel_edit_requests": "decision before the warehouse cutoff",
             "delivery_exceptions": "same business day update; resolved in 3 business days",
             "refund_contacts": "first touch within 24 hours; refund within 5 business days",
             "chargebacks": "first touch in 1 business day; evidence 2 days before the due date"}
RECOVERABLE = PRE_FULFILLMENT | {Category.delivery_exception}
# When several files name one order, its case is filed under the storefront's own exception first, then the
# warehouse's, then the customer's ticket: the system of record outranks what someone wrote about it.
PRECEDENCE: dict[Kind, int] = {"orders": 0, "threepl": 1, "tickets": 2}
# Digits with optional thousands commas and decimals, an optional currency sign or ISO code; nothing else.
AMOUNT = re.compile(r"(?:[$€£]|[A-Z]{3} ?)?(\d{1,3}(?:,\d{3})+|\d+)(\.\d{1,4})?(?: ?[A-Z]{3})?")


class Row(Strict):
    source: str
    line: int
    kind: Kind
    order: str | None
    category: Category | None
    value: Decimal | None


class CategoryLine(Strict):
    category: Category
    orders: int  # cases: distinct orders (or, for a row naming no order, that row alone)
    rows: int  # rows read about those cases, across every file
    value: Decimal
    playbook: str | None
    recoverable: bool
    queue: str | None
    sla_needed: str | None


class Assessment(Strict):
    files: dict[str, Kind]
    unknown_columns: dict[str, list[str]]
    rows: int
    orders: int
    exceptions: int
    categories: list[CategoryLine]
    recoverable_value: Decimal
    recovery_rate: float
    expected_recovered: Decimal
    assumptions: list[str]


def parse_amount(text: str, where: str) -> Decimal | None:
    """An amount as exported (`1,234.50`, `$12`, `EUR 9.90`); empty is None; anything else is an error."""
    if not text:
        return None
    match = AMOUNT.fullmatch(text.strip())
    if not match:
        raise InvalidInput(f"{where}: {text!r} is not an amount (digits, optional thousands commas and decimals,"
                           " no sign or exponent)")
    return Decimal(match.group(1).replace(",", "") + (match.group(2) or ""))


def order_ref(text: str | None) -> str | None:
    """`#1013`, `1013` and ` #1013 ` name one order."""
    ref = (text or "").strip().lstrip("#").strip()
    if not ref:
        return None
    return f"#{ref}" if ref.isdigit() else ref.upper()


def detect(headers: list[str]) -> Kind:
    lowered = {h.strip().lower() for h in headers}
    if {"financial status", "fulfillment status"} <= lowered:
        return "orders"
    if {"subject", "description"} <= lowered:
        return "tickets"
    if _first(lowered, COLUMN_ALIASES["order"]) and _first(lowered, COLUMN_ALIASES["exception_code"]):
        return "threepl"
    raise InvalidInput(f"cannot tell what export this is from its columns: {', '.join(headers[:8])}"
                       " (see `copilot assess --help` for the columns each export needs)")


def _first(columns: set[str] | dict[str, str], names: tuple[str, ...]) -> str | None:
    return next((n for n in names if n in columns), None)


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


def _threepl_category(row: dict[str, str]) -> Category | None:
    code = next((row[a] for a in COLUMN_ALIASES["exception_code"] if row.get(a)), "")
    sku = next((row[a] for a in COLUMN_ALIASES["sku"] if row.get(a)), None)
    signal = Signal(source=SignalSource.threepl, source_event_id="assess", kind=SignalKind.threepl_exception,
                    occurred_at=datetime.now(UTC), exception_code=code.upper(), sku=sku)
    return classify_signal(signal).category


def _row(path: Path, line: int, kind: Kind, raw: dict[str, str], names: dict[str, str]) -> Row:
    if kind == "orders":
        where = f"{path} row {line}, column {names.get('total', 'Total')}"
        return Row(source=str(path), line=line, kind=kind, order=order_ref(raw.get("name")),
                   category=order_category(raw), value=parse_amount(raw.get("total", ""), where))
    if kind == "tickets":
        named = raw.get(_first(raw, TICKET_ORDER) or "", "")
        found = re.findall(r"#\d{3,}", f"{raw.get('subject', '')} {raw.get('description', '')}")
        return Row(source=str(path), line=line, kind=kind, order=order_ref(named or next(iter(found), "")),
                   category=classify_ticket(raw.get("subject", ""), raw.get("description", "")).category,
                   value=None)
    ref = next((raw[a] for a in COLUMN_ALIASES["order"] if raw.get(a)), None)
    return Row(source=str(path), line=line, kind=kind, order=order_ref(ref), category=_threepl_category(raw),
               value=None)


def read_file(path: Path) -> tuple[Kind, list[Row], list[str]]:
    try:
        with path.open(newline="", encoding="utf-8-sig") as handle:
            reader = csv.DictReader(handle)
            headers = [h for h in reader.fieldnames or [] if h is not None]
            kind = detect(headers)
            names = {h.strip().lower(): h.strip() for h in headers}
            rows = []
            for raw in reader:
                norm = {(k or "").strip().lower(): (v or "").strip() for k, v in raw.items() if isinstance(v, str)}
                if kind == "threepl":
                    norm = {k.replace(" ", "_"): v for k, v in norm.items()}
                if any(norm.values()):
                    rows.append(_row(path, reader.line_num, kind, norm, names))
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise InvalidInput(f"cannot read {path}: {exc}") from None
    known = {"orders": ORDER_COLUMNS, "tickets": TICKET_COLUMNS, "threepl": THREEPL_COLUMNS}[kind]
    return kind, rows, [h for h in headers if h.strip().lower().replace(" ", "_") not in known
                        and h.strip().lower() not in known]


class Case(Strict):
    rows: list[Row]
    category: Category | None
    value: Decimal


def cases_of(rows: list[Row]) -> list[Case]:
    """One case per order across every file; a row that names no order is a case of its own."""
    groups: dict[str, list[Row]] = {}
    for r in rows:
        groups.setdefault(r.order or f"{r.source}:{r.line}", []).append(r)
    out = []
    for group in groups.values():
        flagged = sorted((r for r in group if r.category is not None), key=lambda r: PRECEDENCE[r.kind])
        value = next((r.value for r in group if r.value is not None), Decimal("0"))
        out.append(Case(rows=group, category=flagged[0].category if flagged else None, value=value))
    return out


def assess_paths(paths: list[Path], recovery_rate: float = 0.6) -> Assessment:
    if not 0 <= recovery_rate <= 1:
        raise InvalidInput("recovery rate must be between 0 and 1")
    files: dict[str, Kind] = {}
    unknown: dict[str, list[str]] = {}
    rows: list[Row] = []
    for path in paths:
        kind, data, extra = read_file(path)
        files[str(path)], unknown[str(path)] = kind, extra
        rows += data
    return _summarize(files, unknown, rows, cases_of(rows), recovery_rate)


def _summarize(files: dict[str, Kind], unknown: dict[str, list[str]], rows: list[Row], cases: list[Case],
               rate: float) -> Assessment:
    lines = []
    for category in Category:
        mine = [c for c in cases if c.category is category]
        if not mine:
            continue
        queue = QUEUES.get(category)
        playbook = PLAYBOOKS.get(category)
        lines.append(CategoryLine(category=category, orders=len(mine), rows=sum(len(c.rows) for c in mine),
                                  value=sum((c.value for c in mine), Decimal("0")),
                                  playbook=playbook.__name__ if playbook else None,
                                  recoverable=category in RECOVERABLE, queue=queue,
                                  sla_needed=SLA_NEEDS.get(queue or "")))
    recoverable = sum((ln.value for ln in lines if ln.recoverable), Decimal("0"))
    return Assessment(
        files=files, unknown_columns=unknown, rows=len(rows), orders=len({r.order for r in rows if r.order}),
        exceptions=sum(ln.orders for ln in lines),
        categories=sorted(lines, key=lambda ln: (-ln.value, ln.category.value)), recoverable_value=recoverable,
        recovery_rate=rate, expected_recovered=(recoverable * Decimal(str(rate))).quantize(Decimal("0.01")),
        assumptions=[f"the desk recovers {rate:.0%} of the value of recoverable (pre-fulfillment and delivery)"
                     " exceptions",
                     "each order is one case, counted once however many files or rows name it; its category is"
                     " the storefront's exception first, then the 3PL's, then the ticket's",
                     "tickets and 3PL rows take the value of the order they name in the sample (0 if it is not"
                     " in an orders export)",
                     "order rows without a risk, payment, address, split or stock signal are not exceptions"])


def render_markdown(a: Assessment) -> str:
    out = ["# Opportunity map", "",
           f"{a.rows} rows read about {a.orders} orders; {a.exceptions} cases are exceptions the desk works.", "",
           "| category | cases | rows | value | playbook | recoverable | queue | SLA it needs |",
           "|---|---:|---:|---:|---|---|---|---|"]
    out += [f"| {c.category} | {c.orders} | {c.rows} | {c.value} | {c.playbook or '-'} |"
            f" {'yes' if c.recoverable else 'no'} | {c.queue or '-'} | {c.sla_needed or '-'} |"
            for c in a.categories]
    out += ["", f"Recoverable value: {a.recoverable_value}. Expected recovered revenue: {a.expected_recovered}.",
            "", "## Assumptions", ""] + [f"- {s}" for s in a.assumptions]
    out += ["", "## Columns not used (reported, not guessed)", ""]
    out += [f"- {f}: {', '.join(cols)}" for f, cols in a.unknown_columns.items() if cols] or ["- none"]
    return "\n".join(out) + "\n"
