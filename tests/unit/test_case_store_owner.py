"""The case store (copilot/cases/store/) is the only writer of cases, case_events, approvals and case_jobs:
every other module asks it. Migrations (SQL files) and the new-desk reset's TRUNCATE are the exceptions."""

from __future__ import annotations

import re
from pathlib import Path

from copilot.cases.transitions import ALLOWED, FINAL, OPEN_SQL, sources
from copilot.core.models import CaseStatus

ROOT = Path(__file__).resolve().parents[2]
STORE = ROOT / "copilot" / "cases" / "store"
SOURCES = ("cli", "copilot", "tools", "api", "evals", "bench")
WRITE = re.compile(r"\b(INSERT\s+INTO|UPDATE|DELETE\s+FROM)\s+(cases|case_events|approvals|case_jobs)\b")


def writes_in(text: str) -> list[str]:
    return [f"{m.group(1).split()[0]} {m.group(2)}" for m in WRITE.finditer(text)]


def test_the_scan_finds_a_write_however_it_is_spelled():
    sample = 'conn.execute("UPDATE cases c SET x = 1")\nsql = """\nINSERT  INTO case_events (a)"""\n"DELETE FROM approvals"'
    assert writes_in(sample) == ["UPDATE cases", "INSERT case_events", "DELETE approvals"]
    assert writes_in('"SELECT * FROM cases"; "UPDATE case_notes SET"') == []


def test_only_the_case_store_writes_case_tables():
    outside = {}
    for folder in SOURCES:
        for path in sorted((ROOT / folder).rglob("*.py")):
            if STORE in path.parents:
                continue
            found = writes_in(path.read_text())
            if found:
                outside[str(path.relative_to(ROOT))] = found
    assert outside == {}, f"write through copilot.cases.store instead: {outside}"


def test_the_store_holds_every_kind_of_write():
    found = {w for path in STORE.rglob("*.py") for w in writes_in(path.read_text())}
    assert found == {"INSERT cases", "UPDATE cases", "INSERT case_events", "INSERT approvals", "INSERT case_jobs",
                     "UPDATE case_jobs"}


def test_the_open_case_sql_and_the_status_sources_follow_the_table():
    assert "c.status NOT IN (" + ", ".join(f"'{s.value}'" for s in sorted(FINAL)) + ")" == OPEN_SQL
    assert sources(CaseStatus.executing) == ["triaged", "awaiting_approval", "escalated"]
    assert all(CaseStatus.awaiting_approval.value in sources(t) for t in ALLOWED[CaseStatus.awaiting_approval])


def test_the_case_list_filter_names_every_status():
    from typing import get_args

    from api.routes.cases import StatusFilter

    assert set(get_args(StatusFilter)) == {"open", "actionable", "all", *(s.value for s in CaseStatus)}
