"""The messy suite: tickets in customers' own words on the tau2 retail world, each labelled with the Reading a
careful agent would make (evals/datasets/messy/README.md). This module loads them and scores Readings."""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

from pydantic import Field, ValidationError

from copilot.core.errors import InvalidInput
from copilot.core.models import Strict
from copilot.reading.grounding import Line, OrderFacts, Variant, World
from copilot.reading.model import Intent, Mood, Reading
from tools.connectors.sandbox.loaders import TAU2_STATUS

MESSY_DIR = Path(__file__).with_name("datasets") / "messy"


class MessyAddress(Strict):
    line1: str
    line2: str | None = None
    city: str
    state: str
    zip: str
    country: str | None = None


class MessyRequest(Strict):
    intent: Intent
    mood: Mood
    order_id: str | None
    items: list[str] = Field(default_factory=list)
    target: dict[str, str] | None = None
    address: MessyAddress | None = None
    payment_method_id: str | None = None
    unknown: list[str] = Field(default_factory=list)


class MessyIdentification(Strict):
    name: str | None = None
    zip: str | None = None
    email: str | None = None
    order_ids: list[str] = Field(default_factory=list)


class MessyExpect(Strict):
    out_of_scope: bool
    needs_reading: bool
    identification: MessyIdentification
    requests: list[MessyRequest]
    automation_ok: bool


class MessyTicket(Strict):
    id: str
    channel: Literal["email", "zendesk", "gorgias", "freshdesk"]
    from_email: str | None
    subject: str
    body: str
    lang: str
    tags: list[str] = Field(default_factory=list)
    expect: MessyExpect


def load_messy(split: str, folder: Path = MESSY_DIR) -> list[MessyTicket]:
    path = folder / f"{split}.jsonl"
    try:
        lines = path.read_text().splitlines()
    except OSError as exc:
        raise InvalidInput(f"cannot read the messy suite's {split} split at {path}") from exc
    tickets = []
    for n, line in enumerate(lines, 1):
        if line.strip():
            try:
                tickets.append(MessyTicket.model_validate_json(line))
            except ValidationError as exc:
                raise InvalidInput(f"{path}:{n}: not a messy ticket: {exc.errors()[0]['msg']}") from exc
    return tickets


@lru_cache(maxsize=2)
def tau2_raw(db_path: Path) -> dict[str, Any]:
    return json.loads(db_path.read_text())


def caller(raw: dict[str, Any], email: str | None, reading: Reading) -> dict[str, Any] | None:
    """The sender if the store knows them; else one user the text identifies by a written email or by full name
    and ZIP together (as copilot/cases/order_inference.py identify_caller does on the sandbox)."""
    users = list(raw["users"].values())
    for address in (email, reading.identification.email):
        hit = next((u for u in users if address and u["email"].lower() == address.lower()), None)
        if hit is not None:
            return hit
    ident = reading.identification
    if ident.name and ident.zip:
        found = [u for u in users if u["address"]["zip"] == ident.zip
                 and f"{u['name']['first_name']} {u['name']['last_name']}".lower() == ident.name.lower()]
        if len(found) == 1:
            return found[0]
    return None


def world_of(raw: dict[str, Any], user: dict[str, Any] | None) -> World:
    """What grounding may read for this caller, straight from db.json (the graph reads the same rows)."""
    if user is None:
        return World()
    orders = [raw["orders"][oid] for oid in user["orders"] if oid in raw["orders"]]
    facts = [OrderFacts(order_id=o["order_id"], status=TAU2_STATUS.get(o["status"], "pending"),
                        lines=[Line(line_no=i + 1, sku=it["item_id"], name=it["name"],
                                    options={k: str(v) for k, v in it["options"].items()})
                               for i, it in enumerate(o["items"])])
             for o in orders if o["status"] != "cancelled"]
    names = {ln.name for o in facts for ln in o.lines}
    variants = {p["name"]: [Variant(sku=v["item_id"], options={k: str(x) for k, x in v["options"].items()},
                                    available=bool(v["available"])) for v in p["variants"].values()]
                for p in raw["products"].values() if p["name"] in names}
    methods = [{"id": m["id"], "source": m["source"], "brand": m.get("brand"), "last4": m.get("last_four")}
               for m in user["payment_methods"].values()]
    return World(orders=facts, variants=variants, payment_methods=methods)


class ReadingScore(Strict):
    """One ticket's Reading against its label."""

    id: str
    expected: int
    read: int
    matched: int
    mood_ok: int
    args_compared: int
    args_ok: int
    unknown_ok: int
    scope_ok: bool
    needs_reading_ok: bool
    language_ok: bool
    identification_ok: bool
    problems: list[str]


def _norm_order(order_id: str | None) -> str | None:
    return None if order_id is None else "#" + order_id.lstrip("#").upper()


def _address_ok(want: MessyAddress | None, have: Any) -> bool:
    if want is None or have is None or have.address is None:
        return want is None and (have is None or have.address is None)
    got = have.address
    return all(str(a or "").lower().replace(".", "") == str(b or "").lower().replace(".", "")
               for a, b in ((want.line1, got.line1), (want.city, got.city), (want.state, got.state),
                            (want.zip, got.zip)))


def _order_of(request: Any) -> str | None:
    return request.order.order_id if request.order is not None else None


def score_reading(ticket: MessyTicket, reading: Reading) -> ReadingScore:
    exp = ticket.expect
    free = list(range(len(reading.requests)))
    matched = mood_ok = compared = args_ok = unknown_ok = 0
    problems: list[str] = []
    for want in exp.requests:
        hit = next((i for i in free if reading.requests[i].intent is want.intent
                    and _norm_order(_order_of(reading.requests[i])) == _norm_order(want.order_id)), None)
        if hit is None:
            problems.append(f"missed {want.intent.value} on {want.order_id}")
            continue
        free.remove(hit)
        got = reading.requests[hit]
        matched += 1
        mood_ok += got.mood is want.mood
        if got.mood is not want.mood:
            problems.append(f"{want.intent.value}: mood {got.mood.value} != {want.mood.value}")
        checks = {"items": sorted(want.items) == sorted(i.sku for i in got.items),
                  "target": {k: v.lower() for k, v in (want.target or {}).items()}
                  == {k: v.lower() for k, v in (got.target.options if got.target else {}).items()},
                  "address": _address_ok(want.address, got.address),
                  "payment_method_id": want.payment_method_id == (got.payment.payment_method_id if got.payment else None)}
        for name, ok in checks.items():
            compared += 1
            args_ok += ok
            if not ok:
                problems.append(f"{want.intent.value}: {name} wrong")
        unknown_ok += sorted(want.unknown) == sorted(got.unknown)
    problems += [f"extra {reading.requests[i].intent.value} ({reading.requests[i].mood.value})" for i in free]
    ident = reading.identification
    ident_ok = (exp.identification.zip == ident.zip and sorted(str(_norm_order(o)) for o in exp.identification.order_ids)
                == sorted(str(_norm_order(o)) for o in ident.order_ids))
    return ReadingScore(id=ticket.id, expected=len(exp.requests), read=len(reading.requests), matched=matched,
                        mood_ok=mood_ok, args_compared=compared, args_ok=args_ok, unknown_ok=unknown_ok,
                        scope_ok=exp.out_of_scope == (reading.out_of_scope is not None),
                        needs_reading_ok=exp.needs_reading == reading.needs_reading,
                        language_ok=reading.language == ticket.lang, identification_ok=ident_ok, problems=problems)


class ReadingMetrics(Strict):
    tickets: int
    request_precision: float
    request_recall: float
    request_f1: float
    mood_accuracy: float
    argument_accuracy: float
    unknown_accuracy: float
    out_of_scope_accuracy: float
    needs_reading_accuracy: float
    language_accuracy: float
    identification_accuracy: float


def reading_metrics(scores: list[ReadingScore]) -> ReadingMetrics:
    def share(a: float, b: float) -> float:
        return round(a / b, 4) if b else 1.0
    tp = sum(s.matched for s in scores)
    precision, recall = share(tp, sum(s.read for s in scores)), share(tp, sum(s.expected for s in scores))
    n = len(scores)
    return ReadingMetrics(
        tickets=n, request_precision=precision, request_recall=recall,
        request_f1=round(2 * precision * recall / (precision + recall), 4) if precision + recall else 0.0,
        mood_accuracy=share(sum(s.mood_ok for s in scores), tp),
        argument_accuracy=share(sum(s.args_ok for s in scores), sum(s.args_compared for s in scores)),
        unknown_accuracy=share(sum(s.unknown_ok for s in scores), tp),
        out_of_scope_accuracy=share(sum(s.scope_ok for s in scores), n),
        needs_reading_accuracy=share(sum(s.needs_reading_ok for s in scores), n),
        language_accuracy=share(sum(s.language_ok for s in scores), n),
        identification_accuracy=share(sum(s.identification_ok for s in scores), n))
