"""Structured logs: the request id (taken from X-Request-ID or made) and the job id on every line."""

from __future__ import annotations

import json
import logging
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from core.db import session_scope
from core.jobs import enqueue
from core.jobs.runner import execute
from core.logs import HANDLER_NAME, JsonFormatter, accepted_request_id, configure
from tests.support import tasks  # noqa: F401  (registers the "tests.record" job)


@pytest.fixture
def json_logs(capsys: pytest.CaptureFixture[str]) -> Iterator[None]:
    """JSON lines on stderr (the handler made after capsys took stderr, so capsys sees them)."""
    root = logging.getLogger()
    level = root.level
    configure("json", logging.INFO)
    yield
    for handler in [h for h in root.handlers if h.get_name() == HANDLER_NAME]:
        root.removeHandler(handler)
    root.setLevel(level)


def lines(text: str) -> list[dict[str, object]]:
    return [json.loads(line) for line in text.splitlines() if line.startswith("{")]


def test_request_id_is_echoed_and_logged(
    client: TestClient, json_logs: None, capsys: pytest.CaptureFixture[str]
) -> None:
    capsys.readouterr()
    resp = client.get("/api/auth/me", headers={"X-Request-ID": "req-7f3a.42"})
    assert resp.status_code == 401 and resp.headers["X-Request-ID"] == "req-7f3a.42"
    logging.getLogger("outside").info("after the request")
    got = lines(capsys.readouterr().err)
    access = [line for line in got if line["logger"] == "tvp.access"]
    assert access == [
        {
            **access[0],
            "request_id": "req-7f3a.42",
            "job_id": None,
            "method": "GET",
            "route": "/api/auth/me",
            "status": 401,
        }
    ]
    assert got[-1]["request_id"] is None and got[-1]["message"] == "after the request"


def test_a_log_line_inside_a_request_carries_its_id(
    client: TestClient, json_logs: None, capsys: pytest.CaptureFixture[str]
) -> None:
    capsys.readouterr()
    resp = client.get("/no/such/page", headers={"X-Request-ID": "trace-0001"})
    assert resp.status_code == 404 and resp.headers["X-Request-ID"] == "trace-0001"
    logged = [line for line in lines(capsys.readouterr().err) if line["request_id"] == "trace-0001"]
    assert [line["route"] for line in logged] == ["<unmatched>"]  # never the raw path


def test_a_request_without_an_id_gets_one(client: TestClient) -> None:
    first = client.get("/healthz").headers["X-Request-ID"]
    second = client.get("/healthz").headers["X-Request-ID"]
    assert len(first) == 32 and first != second


@pytest.mark.parametrize("given", ["", "a" * 129, 'x"\n{"level":"forged"}', "spaces are not ok"])
def test_an_unsafe_request_id_is_replaced(client: TestClient, given: str) -> None:
    assert accepted_request_id(given) != given
    if "\n" not in given:  # httpx refuses to send a header with a newline at all
        echoed = client.get("/healthz", headers={"X-Request-ID": given}).headers["X-Request-ID"]
        assert echoed != given and len(echoed) == 32


def test_job_lines_carry_the_job_id(
    clean_db: str, json_logs: None, capsys: pytest.CaptureFixture[str]
) -> None:
    with session_scope() as s:
        job_id = str(enqueue(s, "tests.record", {"label": "logs"}).id)
    assert execute(job_id) == "done"
    capsys.readouterr()
    assert execute(job_id) == "skipped"  # logs "already finished" from inside the job's context
    got = lines(capsys.readouterr().err)
    assert any(line["job_id"] == job_id and "already finished" in str(line["message"]) for line in got)
    logging.getLogger("after").info("outside the job")
    assert lines(capsys.readouterr().err)[-1]["job_id"] is None


def test_json_lines_carry_extras_and_exceptions() -> None:
    try:
        raise ValueError("bad frame")
    except ValueError:
        record = logging.getLogger("t").makeRecord(
            "t",
            logging.ERROR,
            __file__,
            1,
            "camera %s failed",
            ("HCM-1",),
            exc_info=sys.exc_info(),
            extra={"camera_id": "HCM-1"},
        )
    line = json.loads(JsonFormatter().format(record))
    assert line["message"] == "camera HCM-1 failed" and line["camera_id"] == "HCM-1"
    assert "ValueError: bad frame" in line["exception"] and line["time"].endswith("+00:00")


def test_an_unknown_log_format_is_refused(tmp_path: Path) -> None:
    from pydantic import ValidationError

    from core.config import Settings

    with pytest.raises(ValidationError, match="log_format"):
        Settings(data_dir=tmp_path, log_format="xml")
    assert Settings(data_dir=tmp_path, log_format="json").log_format == "json"
