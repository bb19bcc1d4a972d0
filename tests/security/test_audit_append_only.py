"""The audit trail (case_events, approvals) is append-only in the database itself, whoever connects:
no UPDATE, DELETE or TRUNCATE, except the one deliberate TRUNCATE in copilot.workflow.runtime.reset_desk."""

from __future__ import annotations

import psycopg
import pytest
from psycopg.types.json import Jsonb

from copilot.core import db
from copilot.workflow.runtime import RESET_DESK_PHRASE, RESET_DESK_SETTING, reset_desk


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


def _approval(conn, case_id: int) -> dict:
    return conn.execute(
        "INSERT INTO approvals (case_id, plan_version, decision, actor, role) VALUES (%s, 1, 'approve', 'lead-1',"
        " 'lead') RETURNING *", (case_id,)).fetchone()


def _count(conn, table: str) -> int:
    return conn.execute(f"SELECT count(*) AS n FROM {table}").fetchone()["n"]


@pytest.mark.parametrize("statement", [
    "TRUNCATE case_events", "TRUNCATE approvals", "TRUNCATE case_events, approvals RESTART IDENTITY",
    "TRUNCATE cases CASCADE",  # reaches case_events and approvals through their foreign keys
])
def test_truncate_of_the_audit_trail_is_refused_and_nothing_is_lost(conn, statement):
    event = _event(conn)
    _approval(conn, event["case_id"])
    before = (_count(conn, "case_events"), _count(conn, "approvals"), _count(conn, "cases"))
    with pytest.raises(psycopg.errors.InsufficientPrivilege, match=r"(case_events|approvals) is append-only: TRUNCATE"
                       r" refused \(only copilot.workflow.runtime.reset_desk"):
        conn.execute(statement)
    assert (_count(conn, "case_events"), _count(conn, "approvals"), _count(conn, "cases")) == before


@pytest.mark.parametrize("statement", [
    "UPDATE approvals SET decision = 'reject' WHERE id = %s",
    "UPDATE approvals SET actor = 'someone else' WHERE id = %s",
    "DELETE FROM approvals WHERE id = %s",
])
def test_update_and_delete_of_an_approval_are_refused_by_postgres(conn, statement):
    approval = _approval(conn, _event(conn)["case_id"])
    with pytest.raises(psycopg.errors.InsufficientPrivilege, match="approvals is append-only"):
        conn.execute(statement, (approval["id"],))
    after = conn.execute("SELECT decision, actor FROM approvals WHERE id = %s", (approval["id"],)).fetchone()
    assert after == {"decision": "approve", "actor": "lead-1"}


@pytest.mark.parametrize("value", ["on", "true", RESET_DESK_PHRASE.upper(), RESET_DESK_PHRASE + " "])
def test_a_truncate_with_any_other_reset_setting_is_still_refused(database_url, value):
    with db.connect(database_url) as tx:
        tx.execute("SELECT set_config(%s, %s, true)", (RESET_DESK_SETTING, value))
        with pytest.raises(psycopg.errors.InsufficientPrivilege, match="TRUNCATE refused"):
            tx.execute("TRUNCATE case_events")


def test_reset_desk_still_starts_an_empty_desk_and_leaves_no_way_through_behind(database_url):
    with db.connect(database_url) as tx:  # not autocommit: reset_desk runs inside the caller's transaction
        event = _event(tx)
        _approval(tx, event["case_id"])
        reset_desk(tx)
        assert (_count(tx, "case_events"), _count(tx, "approvals"), _count(tx, "cases")) == (0, 0, 0)
        assert tx.execute("SELECT current_setting(%s, true) AS v", (RESET_DESK_SETTING,)).fetchone()["v"] == ""
        _event(tx)
        with pytest.raises(psycopg.errors.InsufficientPrivilege, match="TRUNCATE refused"):
            tx.execute("TRUNCATE case_events")
    with db.connect(database_url, autocommit=True) as conn:
        event = _event(conn)
        assert event["case_id"] >= 1
        reset_desk(conn)
        assert (_count(conn, "case_events"), _count(conn, "cases")) == (0, 0)
        assert conn.execute("INSERT INTO cases (status) VALUES ('new') RETURNING id").fetchone()["id"] == 1
