"""An eval database of its own on the session's server: the runner resets it per case, so no other test's
desk is touched."""

from __future__ import annotations

import pytest

from copilot.core import db


@pytest.fixture(scope="session")
def eval_url(server_url: str) -> str:
    url = db.ensure_database(server_url, "copilot_eval_tests")
    db.migrate(url)
    return url
