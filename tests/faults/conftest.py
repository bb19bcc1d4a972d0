"""The real app in this event loop (httpx over ASGI), so concurrent requests are concurrent transactions."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

from tests.api.test_webhooks_support import asgi_client


@pytest.fixture
async def api(database_url: str) -> AsyncIterator[httpx.AsyncClient]:
    async with asgi_client(database_url) as client:
        yield client
