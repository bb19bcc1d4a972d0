"""The real app in this event loop (httpx over ASGI), so concurrent requests are concurrent transactions."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

from api.app import create_app
from copilot import db
from tests.api.test_webhooks_support import NOW, SETTINGS


@pytest.fixture
async def api(database_url: str) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(database_url, SETTINGS)
    app.state.clock = lambda: NOW
    app.state.pool = db.make_pool(database_url, max_size=10)  # what the lifespan does; ASGITransport skips it
    await app.state.pool.open(wait=True, timeout=10)
    try:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://desk",
                                     timeout=60) as client:
            yield client
    finally:
        await app.state.pool.close()
