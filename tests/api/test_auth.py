"""API keys: created by the CLI and shown once, stored only as a digest, revocable, role-checked."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys

from tests.api.test_cases_support import bearer, client


def _cli(database_url: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = os.environ | {"COPILOT_DATABASE_URL": database_url}
    return subprocess.run([sys.executable, "-m", "cli", "keys", *args], capture_output=True, text=True,
                          env=env, timeout=120)


def test_cli_creates_a_key_printed_once_and_stored_as_a_digest(database_url, conn):
    done = _cli(database_url, "create", "--role", "finance", "--name", "fiona")
    assert done.returncode == 0, done.stderr
    key = done.stdout.strip()
    assert key.startswith("rdc_") and len(key) > 40
    row = conn.execute("SELECT name, role, key_hash FROM api_keys WHERE key_hash = %s",
                       (hashlib.sha256(key.encode()).hexdigest(),)).fetchone()
    assert (row["name"], row["role"]) == ("fiona", "finance")
    assert conn.execute("SELECT count(*) AS n FROM api_keys WHERE key_hash = %s", (key,)).fetchone()["n"] == 0
    with client(database_url) as api:
        assert api.get("/api/queues", headers=bearer(key)).status_code == 200


def test_cli_refuses_an_unknown_role_in_one_line(database_url):
    done = _cli(database_url, "create", "--role", "boss", "--name", "x")
    assert done.returncode == 2
    assert done.stderr.strip().splitlines() == ["copilot: unknown role 'boss'; use one of agent, lead, finance, qa, admin"]


def test_revoked_key_is_refused(database_url, conn):
    created = _cli(database_url, "create", "--role", "agent", "--name", "temp")
    key = created.stdout.strip()
    key_id = conn.execute("SELECT id FROM api_keys WHERE key_hash = %s",
                          (hashlib.sha256(key.encode()).hexdigest(),)).fetchone()["id"]
    assert _cli(database_url, "revoke", str(key_id)).returncode == 0
    with client(database_url) as api:
        response = api.get("/api/cases", headers=bearer(key))
    assert response.status_code == 401 and "revoked" in response.json()["error"]["message"]
