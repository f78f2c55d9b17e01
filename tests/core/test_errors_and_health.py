from typing import Annotated

from fastapi import Depends, FastAPI
from fastapi.testclient import TestClient

from core.auth.deps import public
from core.config import get_settings


def test_unhandled_error_leaks_no_trace(app: FastAPI) -> None:
    @app.get("/boom")
    def boom(_: Annotated[object, Depends(public())]) -> None:
        raise RuntimeError("secret internals: password=hunter2")

    with TestClient(app, raise_server_exceptions=False) as client:
        resp = client.get("/boom")
    assert resp.status_code == 500
    assert resp.json() == {
        "error": "InternalError",
        "detail": "An internal error occurred; it has been logged.",
    }
    assert "hunter2" not in resp.text and "Traceback" not in resp.text


def test_unknown_path_and_method(client: TestClient) -> None:
    assert client.get("/api/nowhere").json()["error"] == "NotFound"
    resp = client.delete("/healthz")
    assert resp.status_code == 405 and resp.json()["error"] == "MethodNotAllowed"


def test_health_and_readiness(client: TestClient) -> None:
    assert client.get("/healthz").json() == {"status": "ok"}
    ready = client.get("/readyz")
    assert ready.status_code == 200 and ready.json()["checks"] == {"database": "ok", "broker": "ok"}


def test_readiness_fails_when_broker_is_down(client: TestClient, monkeypatch) -> None:
    monkeypatch.setattr(get_settings(), "broker_url", "amqp://guest:guest@127.0.0.1:1/")
    ready = client.get("/readyz")
    assert ready.status_code == 503
    assert ready.json()["checks"]["broker"].startswith("unreachable")
    assert ready.json()["checks"]["database"] == "ok"


def test_openapi_docs(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()
    assert "/api/registry/citizens/{cccd}" in spec["paths"]
    assert client.get("/docs").status_code == 200
