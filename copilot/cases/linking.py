"""Which case a signal belongs to: order references checked against the customer, threads, near-duplicates."""

from __future__ import annotations

import hashlib
import re
from datetime import datetime, timedelta

import psycopg
from psycopg.rows import DictRow, dict_row

from copilot.cases.snapshot import resolve_order_id
from copilot.core.models import OPEN_STATUSES, Strict
from tools.embeddings import get_embedder, to_pgvector

NEAR_DUPLICATE_WINDOW = timedelta(hours=72)
NEAR_DUPLICATE_SIMILARITY = 0.6
OPEN_VALUES = sorted(s.value for s in OPEN_STATUSES)

# "#1001", "#W1234567", "W1234567", "order 1001", "order no. 1001", "order number: #1001", "ord#1001".
_REFS = re.compile(
    r"(?:#\s?(?P<hash>W?\d{3,10})\b)"
    r"|(?:\b(?P<tau>W\d{7})\b)"
    r"|(?:\b(?:order|ord)\s*(?:no\.?|num(?:ber)?\.?|id)?\s*[:#]?\s*(?P<word>W?\d{3,10})\b)",
    re.IGNORECASE,
)


def extract_order_refs(text: str) -> list[str]:
    """Order references in customer text, normalised to '#1001' / '#W1234567', first mention first."""
    found: list[str] = []
    for match in _REFS.finditer(text):
        raw = (match.group("hash") or match.group("tau") or match.group("word")).upper()
        ref = f"#{raw}"
        if ref not in found:
            found.append(ref)
    return found


class RefCheck(Strict):
    order_id: str | None
    notes: list[str]
    foreign: bool = False  # a reference named another customer's order: no order is inferred in its place


async def check_order_refs(conn: psycopg.AsyncConnection[DictRow], refs: list[str], email: str | None) -> RefCheck:
    """The first reference that names a real order of this customer; every rejected one says why."""
    notes: list[str] = []
    foreign = False
    cur = conn.cursor(row_factory=dict_row)
    for ref in refs:
        order_id = await resolve_order_id(conn, ref)
        if order_id is None:
            notes.append(f"reference {ref} ignored: no such order")
            continue
        await cur.execute("SELECT c.email FROM sandbox.orders o JOIN sandbox.customers c ON c.id = o.customer_id"
                          " WHERE o.id = %s", (order_id,))
        owner = (await cur.fetchone() or {}).get("email")
        if not email:
            notes.append(f"reference {ref} ignored: no sender email to check it against")
        elif owner is None or owner.lower() != email.lower():
            notes.append(f"reference {ref} ignored: order belongs to another customer")
            foreign = True
        else:
            notes.append(f"reference {ref} checked: order belongs to the sender")
            return RefCheck(order_id=order_id, notes=notes)
    return RefCheck(order_id=None, notes=notes, foreign=foreign)


async def open_case_for_order(conn: psycopg.AsyncConnection[DictRow], order_id: str) -> int | None:
    cur = conn.cursor(row_factory=dict_row)
    await cur.execute("SELECT id FROM cases WHERE order_id = %s AND status = ANY(%s) FOR UPDATE",
                      (order_id, OPEN_VALUES))
    row = await cur.fetchone()
    return row["id"] if row else None


def _lock_id(key: str) -> int:
    """A stable 64-bit advisory lock id (Python's hash() changes per process)."""
    return int.from_bytes(hashlib.blake2b(key.encode(), digest_size=8).digest(), "big", signed=True)


async def serialize_ticket(conn: psycopg.AsyncConnection[DictRow], source: str, ticket_id: str | None,
                           email: str | None) -> None:
    """Hold the thread's and the customer's advisory locks until the transaction ends.

    Concurrent first messages of one thread (or one customer) would otherwise each see no case and open
    their own. Ids are taken in ascending order so two tickets sharing a lock never wait on each other in
    a cycle; they are taken before any case row lock, and no path takes them after one.
    """
    keys = []
    if ticket_id:
        keys.append(f"intake-thread:{source}:{ticket_id}")
    if email:
        keys.append(f"intake-customer:{email.lower()}")
    for lock_id in sorted({_lock_id(k) for k in keys}):
        await conn.execute("SELECT pg_advisory_xact_lock(%s)", (lock_id,))


async def lock_case(conn: psycopg.AsyncConnection[DictRow], case_id: int) -> None:
    """Lock the case row before rows that reference it are written.

    Inserting a case_event first takes a key-share lock, and retriage's FOR UPDATE would then upgrade it:
    two transactions doing that on one case deadlock.
    """
    await conn.execute("SELECT id FROM cases WHERE id = %s FOR UPDATE", (case_id,))


async def open_case_for_thread(conn: psycopg.AsyncConnection[DictRow], source: str, ticket_id: str) -> int | None:
    """A reply on a helpdesk thread belongs to the case its earlier messages opened."""
    cur = conn.cursor(row_factory=dict_row)
    await cur.execute("SELECT c.id FROM signals s JOIN cases c ON c.id = s.case_id WHERE s.source = %s"
                      " AND s.ticket_id = %s AND c.status = ANY(%s) ORDER BY s.id DESC LIMIT 1",
                      (source, ticket_id, OPEN_VALUES))
    row = await cur.fetchone()
    return row["id"] if row else None


async def latest_open_case_for_customer(conn: psycopg.AsyncConnection[DictRow], email: str) -> int | None:
    cur = conn.cursor(row_factory=dict_row)
    await cur.execute("SELECT id FROM cases WHERE lower(customer_email) = lower(%s) AND status = ANY(%s)"
                      " ORDER BY created_at DESC, id DESC LIMIT 1", (email, OPEN_VALUES))
    row = await cur.fetchone()
    return row["id"] if row else None


def ticket_text(subject: str | None, text: str | None) -> str:
    return f"{subject or ''}\n{text or ''}".strip()


class NearDuplicate(Strict):
    case_id: int
    similarity: float
    signal_id: int | None


async def find_near_duplicate(conn: psycopg.AsyncConnection[DictRow], customer_key: str, vector: str, at: datetime,
                              statuses: list[str]) -> NearDuplicate | None:
    """The most similar earlier ticket of this customer within the window, if similar enough."""
    cur = conn.cursor(row_factory=dict_row)
    await cur.execute(
        "SELECT e.case_id, e.signal_id, 1 - (e.embedding <=> %(v)s::vector) AS similarity"
        " FROM embeddings e JOIN cases c ON c.id = e.case_id"
        " WHERE e.customer_key = %(k)s AND e.kind = 'ticket' AND c.status = ANY(%(st)s)"
        " AND e.created_at BETWEEN %(lo)s AND %(hi)s"
        " ORDER BY e.embedding <=> %(v)s::vector LIMIT 1",
        {"v": vector, "k": customer_key, "st": statuses, "lo": at - NEAR_DUPLICATE_WINDOW,
         "hi": at + NEAR_DUPLICATE_WINDOW})
    row = await cur.fetchone()
    if row is None or row["similarity"] < NEAR_DUPLICATE_SIMILARITY:
        return None
    return NearDuplicate(case_id=row["case_id"], similarity=round(float(row["similarity"]), 3),
                         signal_id=row["signal_id"])


def embed_ticket(subject: str | None, text: str | None) -> str:
    return to_pgvector(get_embedder().embed([ticket_text(subject, text)])[0])


async def store_embedding(conn: psycopg.AsyncConnection[DictRow], case_id: int, signal_id: int, customer_key: str,
                          vector: str, at: datetime) -> None:
    await conn.execute("INSERT INTO embeddings (case_id, signal_id, customer_key, kind, created_at, embedding)"
                       " VALUES (%s, %s, %s, 'ticket', %s, %s::vector)",
                       (case_id, signal_id, customer_key, at, vector))
