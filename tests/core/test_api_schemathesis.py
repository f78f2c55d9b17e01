"""Property-based fuzzing of the whole API from its OpenAPI document (schemathesis), with a staff token
holding every role and with a citizen token: no input may produce a server error."""

from __future__ import annotations

import pytest
import schemathesis
from fastapi import FastAPI
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from sqlalchemy.orm import Session

from core.models import Role
from tests.support.factories import citizen_token, make_citizen, staff_headers

FUZZ = settings(
    max_examples=25,
    deadline=None,
    database=None,
    suppress_health_check=list(HealthCheck),
)
SKIP = ("/api/auth/logout", "/api/auth/password")  # they would end the fuzzer's own session


@pytest.fixture
def credentials(app: FastAPI, db: Session) -> dict[str, dict[str, str]]:
    person = make_citizen(db, serial=9191)
    db.commit()
    with TestClient(app) as client:
        citizen = {"Authorization": f"Bearer {citizen_token(client, person.cccd)}"}
    return {"staff": staff_headers(*Role), "citizen": citizen}


def _fuzz(operation: schemathesis.APIOperation, headers: dict[str, str]) -> None:
    @FUZZ
    @given(case=operation.as_strategy())
    def fuzz(case: schemathesis.Case) -> None:
        case.call_and_validate(headers=headers, checks=[not_a_server_error])

    fuzz()


def test_no_input_gives_a_server_error(app: FastAPI, credentials: dict[str, dict[str, str]]) -> None:
    schema = schemathesis.openapi.from_asgi("/openapi.json", app)
    failures, operations = [], 0
    for result in schema.get_all_operations():
        operation = result.ok()  # type: ignore[union-attr]  # Err: the schema is invalid, fail here
        if operation.path in SKIP:
            continue
        operations += 1
        for who, headers in credentials.items():
            try:
                _fuzz(operation, headers)
            except Exception as exc:
                failures.append(f"{who} {operation.method.upper()} {operation.path}: {exc}"[:600])
    assert operations >= 30
    assert not failures, "\n\n".join(failures)
