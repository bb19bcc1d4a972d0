"""The desk API's test client, built once per test module on the session's database (no worker beside it)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from tests.api.test_cases_support import client


@pytest.fixture(scope="module")
def api(database_url: str) -> Iterator[TestClient]:
    with client(database_url) as c:
        yield c
