"""`copilot simulate` never replaces a live desk silently: without a terminal to ask and without --yes it refuses
with one line, and the desk's cases are untouched."""

from __future__ import annotations

from typer.testing import CliRunner

from cli import app as cli
from copilot.core.settings import get_settings
from tests.api.test_cases_support import insert_case, unique


def test_simulate_refuses_to_replace_a_desk_with_cases_unless_told(database_url, conn, monkeypatch):
    insert_case(conn, queue=unique("live"))
    before = conn.execute("SELECT count(*) AS n, max(id) AS last FROM cases").fetchone()
    monkeypatch.setenv("COPILOT_DATABASE_URL", database_url)
    get_settings.cache_clear()
    refused = CliRunner().invoke(cli, ["simulate", "--days", "1", "--per-day", "1"])
    get_settings.cache_clear()
    assert refused.exit_code == 2
    assert f"the desk has {before['n']} cases" in refused.output and "--yes" in refused.output
    assert conn.execute("SELECT count(*) AS n, max(id) AS last FROM cases").fetchone() == before
