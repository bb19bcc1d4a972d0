"""The service answers on /healthz with the real database's versions, and documents itself."""

from __future__ import annotations

from fastapi.testclient import TestClient

from api.app import create_app
from copilot.core.settings import Settings


def test_healthz_reports_postgres_and_pgvector_versions(database_url):
    with TestClient(create_app(database_url, Settings())) as client:
        response = client.get("/healthz")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["database"]["status"] == "ok"
    assert body["database"]["postgres"].split(".")[0].isdigit()
    assert body["database"]["pgvector"].startswith("0.")


def test_openapi_document_is_served(database_url):
    with TestClient(create_app(database_url, Settings())) as client:
        spec = client.get("/openapi.json").json()
        docs = client.get("/docs")
    assert spec["info"]["title"] == "Recovery Desk Copilot"
    assert "/healthz" in spec["paths"]
    assert docs.status_code == 200


def test_the_api_docs_load_nothing_from_outside(database_url):
    """Offline, /docs and /redoc must work: every script, stylesheet and icon they name is served here."""
    import re

    with TestClient(create_app(database_url, Settings())) as client:
        for page in ("/docs", "/redoc"):
            html = client.get(page).text
            urls = re.findall(r"""(?:src|href|url)\s*[=:]\s*['"]([^'"]+)['"]""", html)
            assert urls and not [u for u in urls if "//" in u], (page, urls)
            assets = [u for u in urls if u.startswith("/docs-assets/")]
            assert len(assets) >= 2, (page, urls)
            for url in assets:
                got = client.get(url)
                assert got.status_code == 200 and len(got.content) > 1000, url
        assert "SwaggerUIBundle" in client.get("/docs-assets/swagger-ui-bundle.js").text
