"""The audit trail (case_events) is append-only in the database itself, whoever connects."""

from __future__ import annotations

import psycopg
import pytest
from psycopg.types.json import Jsonb


def _event(conn) -> dict:
    case = conn.execute("INSERT INTO cases (order_id, status) VALUES (NULL, 'new') RETURNING id").fetchone()
    return conn.execute(
        "INSERT INTO case_events (case_id, actor, kind, data) VALUES (%s, 'auditor', 'note', %s) RETURNING *",
        (case["id"], Jsonb({"text": "original"}))).fetchone()


@pytest.mark.parametrize("statement", [
    "UPDATE case_events SET data = '{\"text\": \"rewritten\"}' WHERE id = %s",
    "UPDATE case_events SET actor = 'someone else' WHERE id = %s",
    "DELETE FROM case_events WHERE id = %s",
])
def test_update_and_delete_of_an_audit_event_are_refused_by_postgres(conn, statement):
    event = _event(conn)
    with pytest.raises(psycopg.errors.InsufficientPrivilege, match="append-only"):
        conn.execute(statement, (event["id"],))
    after = conn.execute("SELECT actor, data FROM case_events WHERE id = %s", (event["id"],)).fetchone()
    assert after == {"actor": "auditor", "data": {"text": "original"}}


def test_a_bulk_delete_inside_a_transaction_is_refused_and_rolls_back_whole(conn):
    first, second = _event(conn), _event(conn)
    with pytest.raises(psycopg.errors.InsufficientPrivilege), conn.transaction():
        conn.execute("DELETE FROM case_events WHERE id IN (%s, %s)", (first["id"], second["id"]))
    left = conn.execute("SELECT count(*) AS n FROM case_events WHERE id IN (%s, %s)",
                        (first["id"], second["id"])).fetchone()
    assert left["n"] == 2


def test_appending_still_works(conn):
    event = _event(conn)
    later = conn.execute("INSERT INTO case_events (case_id, actor, kind) VALUES (%s, 'auditor', 'note') RETURNING id",
                         (event["case_id"],)).fetchone()
    assert later["id"] > event["id"]
