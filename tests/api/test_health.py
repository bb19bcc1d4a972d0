"""The service answers on /healthz with the real database's versions, and documents itself."""

from __future__ import annotations

from fastapi.testclient import TestClient

from api.app import create_app
from copilot.settings import Settings


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
