"""Which order a ticket is about when it names none, and who wrote it when the sender is not a known customer.

A desk agent opens the customer's orders and picks the one that fits: the status the request needs (a cancel
needs an order that has not shipped, a return one that arrived), the items the customer names, and, when they
say "my last order", the newest. Only a single clear winner is linked; a tie is reported, never guessed.
Deterministic and cheap: one query for the orders, one for the caller.
"""

from __future__ import annotations

import re
from datetime import datetime

import psycopg
from psycopg.rows import DictRow, dict_row

from copilot.core.models import Strict
from copilot.reading.products import keys_of, product_named, singular, words

__all__ = ["keys_of", "product_named", "singular", "words"]

# Request words -> how well each order status fits them (2 = what the request needs, 1 = plausible).
_TRANSIT = re.compile(r"\b(?:where(?: i|')s|track(?:ing)?|(?:has ?n[o']t|not|never|didn'?t) (?:yet )?(?:arrived?|"
                      r"received?|come|came|got(?:ten)?)|still waiting|in transit|not here yet)\b")
_UNSHIPPED = re.compile(r"\b(?:cancel\w*|modif(?:y|ied|ication)|swap|switch|remove|instead of|change|"
                        r"update (?:the |my )?(?:shipping |delivery )?address|wrong (?:shipping )?address)\b")
_RECEIVED = re.compile(r"\b(?:return\w*|refund\w*|damaged|broken|defective|faulty|cracked|"
                       r"wrong (?:item|size|colou?r|one)|missing (?:item|piece|part)s?|doesn'?t work|not working|"
                       r"received)\b")
_FITS = {"transit": {"shipped": 2, "label_created": 1, "processing": 1},
         "unshipped": {"pending": 2, "processing": 2, "label_created": 1},
         "received": {"delivered": 2, "shipped": 1},
         # An exchange is usually of what arrived, but a customer also says it of an item not yet shipped.
         "exchange": {"delivered": 2, "shipped": 1, "pending": 1, "processing": 1}}
_EXCHANGE = re.compile(r"\bexchang\w*")
# A status the customer writes out ("the pending boots") is what they mean, above what the request implies.
_NAMED_STATUS = {"pending": "pending", "processing": "processing", "delivered": "delivered",
                 "shipped": "shipped", "in transit": "shipped"}
# What the customer wants left alone: "everything except the boots", "keep the kettle".
_NEGATED = re.compile(r"\b(?:except(?: for)?|but not|other than|apart from|keep(?:ing)?|not the)\b[^.;,()]*")
_RECENT = re.compile(r"\b(?:recent(?:ly)?|latest|newest|last|just (?:bought|ordered|got|received|placed))\b")
# Head nouns too generic to name a product on their own ("set" in "set it up", "kit").
_STATUS_WORDS = {"pending": "pending", "processing": "processing", "label_created": "unshipped",
                 "shipped": "shipped", "delivered": "delivered"}


def status_fit(text: str) -> tuple[dict[str, int], str | None]:
    """How well each order status fits the request, and the request word behind it (None: any open order)."""
    low = text.lower()
    fit: dict[str, int] = {}
    why = None
    for kind, pattern in (("transit", _TRANSIT), ("unshipped", _UNSHIPPED), ("received", _RECEIVED),
                          ("exchange", _EXCHANGE)):
        match = pattern.search(low)
        if match:
            low = pattern.sub(" ", low) if kind == "transit" else low  # "not received" is not a return
            why = why or match.group(0)
            for status, score in _FITS[kind].items():
                fit[status] = max(fit.get(status, 0), score)
    for word, status in _NAMED_STATUS.items():
        if re.search(rf"\b{word}\b", text.lower()):
            fit[status] = 3
            why = word
    return fit, why


class Candidate(Strict):
    order_id: str
    status: str
    created_at: datetime
    items: list[str]
    variant_hits: int
    fit: int


class Inference(Strict):
    """The inferred order (None on a tie or no fit), how, and the orders that were in the running."""

    order_id: str | None
    how: str
    candidates: list[str]
    others: list[str] = []  # other orders holding named items: the ticket may be about them too


NOT_INFERRED = Inference(order_id=None, how="not inferred", candidates=[])

_ORDERS = """
SELECT o.id, o.status, o.created_at,
       coalesce(json_agg(json_build_object('name', l.name, 'options', l.options) ORDER BY l.line_no)
                FILTER (WHERE l.order_id IS NOT NULL), '[]') AS lines
FROM sandbox.customers c JOIN sandbox.orders o ON o.customer_id = c.id
LEFT JOIN sandbox.order_lines l ON l.order_id = o.id
WHERE lower(c.email) = lower(%s) AND o.status <> 'cancelled'
GROUP BY o.id, o.status, o.created_at
"""


async def customer_orders(conn: psycopg.AsyncConnection[DictRow], email: str) -> list[dict]:
    """The customer's orders that are not cancelled, each with its lines' names and options."""
    cur = conn.cursor(row_factory=dict_row)
    await cur.execute(_ORDERS, (email,))
    return await cur.fetchall()


async def infer_order(conn: psycopg.AsyncConnection[DictRow], email: str, text: str) -> Inference:
    """The customer's one order this ticket fits best, or the tied candidates when there is no clear winner."""
    return choose(await customer_orders(conn, email), text)


def _candidate(row: dict, keys: set[str], fit: dict[str, int]) -> Candidate:
    named = [ln for ln in row["lines"] if product_named(ln["name"], keys)]
    items = sorted({ln["name"] for ln in named})
    hits = sum(1 for ln in named for value in (ln["options"] or {}).values()
               if len(str(value)) >= 3 and words(str(value)) and set(words(str(value))) <= keys)
    return Candidate(order_id=row["id"], status=row["status"], created_at=row["created_at"], items=items,
                     variant_hits=hits, fit=fit.get(row["status"], 0) if fit else 1)


def choose(rows: list[dict], text: str) -> Inference:
    """Orders holding a named item if any (else those whose status fits), ranked by named items, status fit,
    variant words and, when the customer says "last"/"recent", recency. Only a strict winner is returned."""
    keys = keys_of(_NEGATED.sub(" ", text.lower()))
    fit, why = status_fit(text)
    everyone = [_candidate(r, keys, fit) for r in rows]
    named = [c for c in everyone if c.items]
    recent = bool(_RECENT.search(text.lower()))
    if not (named or fit or recent):
        # "Do you sell gift cards?": a customer with one order is not asking about it.
        return Inference(order_id=None, how="nothing in the ticket points at an order", candidates=[])
    pool = [c for c in named if c.fit > 0] if named else [c for c in everyone if c.fit > 0]
    if named and not pool:
        # "The lamp arrived cracked" about a lamp not yet shipped: a contradiction for a person to resolve.
        return Inference(order_id=None, how=f"the named items are only in orders whose status does not fit"
                         f" '{why}'", candidates=[c.order_id for c in named])
    if not pool:
        return Inference(order_id=None, how="no order of the customer fits the request", candidates=[])

    def rank(c: Candidate) -> tuple:
        return (len(c.items), c.fit, c.variant_hits, c.created_at if recent else 0)

    pool.sort(key=rank, reverse=True)
    ids = [c.order_id for c in pool]
    if len(pool) > 1 and rank(pool[0]) == rank(pool[1]):
        tied = [c.order_id for c in pool if rank(c) == rank(pool[0])]
        return Inference(order_id=None, how=f"ambiguous: {len(tied)} orders fit equally", candidates=tied)
    others = [f"{c.order_id} ({', '.join(n.lower() for n in c.items)})" for c in pool[1:] if c.items]
    return Inference(order_id=pool[0].order_id, how=_explain(pool, why, recent), candidates=ids, others=others)


def _explain(pool: list[Candidate], why: str | None, recent: bool) -> str:
    best = pool[0]
    status = _STATUS_WORDS.get(best.status, best.status)
    items = " and ".join(n.lower() for n in best.items)
    with_items = f" with {items}" if items else ""
    request = f" for '{why}'" if why and best.fit else ""
    if len(pool) == 1:
        return f"inferred: the only {status} order{with_items}{request}"
    runner = pool[1]
    if len(best.items) > len(runner.items):
        return f"inferred: the {status} order with the most named items ({items})"
    if best.fit > runner.fit:
        return f"inferred: the {status} order{with_items}, whose status fits '{why}'"
    if best.variant_hits > runner.variant_hits:
        return f"inferred: the {status} order whose {items} matches the named variant"
    return f"inferred: the most recent {status} order{with_items}"


class Caller(Strict):
    """Who wrote in: the sender when the sandbox knows them, else one customer the ticket identifies."""

    email: str | None
    how: str | None = None
    notes: list[str] = []


_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_ZIP = re.compile(r"\b\d{5}\b")
_CALLERS = """
SELECT id, email, first_name, last_name, address->>'zip' AS zip FROM sandbox.customers
WHERE lower(email) = ANY(%(emails)s) OR address->>'zip' = ANY(%(zips)s)
"""


async def identify_caller(conn: psycopg.AsyncConnection[DictRow], sender: str | None, text: str) -> Caller:
    """The sender if known; else the one customer named by full name and ZIP together.

    An email address written in the ticket never identifies anyone: anybody can type someone else's address,
    and the ticket would then join that customer's case and act on their orders. It is only noted. A name
    alone never identifies anyone either, and two matches identify no one."""
    stated = sorted({m.group(0).rstrip(".").lower() for m in _EMAIL.finditer(text)} - {(sender or "").lower()})
    zips = sorted(set(_ZIP.findall(text)))
    if not sender and not zips:
        return Caller(email=sender, notes=_stated_note(stated))
    cur = conn.cursor(row_factory=dict_row)
    await cur.execute(_CALLERS, {"emails": [sender.lower()] if sender else [], "zips": zips})
    rows = await cur.fetchall()
    if sender and any(r["email"].lower() == sender.lower() for r in rows):
        return Caller(email=sender, notes=_stated_note(stated))
    found = {r["id"]: r for r in rows if r["zip"] in zips and _names(r, text)}
    if len(found) > 1:
        return Caller(email=sender, notes=[f"caller not identified: the ticket matches {len(found)} customers",
                                           *_stated_note(stated)])
    if not found:
        return Caller(email=sender, notes=_stated_note(stated))
    (cid, row), = found.items()
    note = f"caller identified as customer {cid} by full name and ZIP" + (
        f" (sender {sender} is unknown)" if sender else "")
    return Caller(email=row["email"], how="full name and ZIP", notes=[note, *_stated_note(stated)])


def _stated_note(stated: list[str]) -> list[str]:
    return ["an email address written in the ticket was not used to identify the caller"] if stated else []


def _names(row: dict, text: str) -> bool:
    full = rf"\b{re.escape(row['first_name'])}\s+{re.escape(row['last_name'])}\b"
    return re.search(full, text, re.IGNORECASE) is not None
