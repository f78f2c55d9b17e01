"""Property-based fuzzing of the citizen API (/api/citizen/v1) from its OpenAPI document, signed in as a
citizen who has a notice with real evidence: no input may produce a server error. Kept small (a few
examples per operation) so that it stays quick in CI; tests/core/test_api_schemathesis.py fuzzes the
whole API."""

from __future__ import annotations

from pathlib import Path

import schemathesis
from fastapi import FastAPI
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from sqlalchemy.orm import Session

from tests.support.citizen_notices import citizen_with_notice
from tests.support.factories import citizen_token

PREFIX = "/api/citizen/v1"
FUZZ = settings(max_examples=15, deadline=None, database=None, suppress_health_check=list(HealthCheck))


def test_the_citizen_api_gives_no_server_error(app: FastAPI, db: Session, evidence_dir: Path) -> None:
    citizen, _ = citizen_with_notice(db, serial=3301, plate="51G12345", display="51G-123.45")
    db.commit()
    with TestClient(app) as client:
        headers = {"Authorization": f"Bearer {citizen_token(client, citizen.cccd)}"}
    schema = schemathesis.openapi.from_asgi("/openapi.json", app)
    failures, fuzzed = [], []
    for result in schema.get_all_operations():
        operation = result.ok()  # type: ignore[union-attr]  # Err: the schema is invalid, fail here
        if not operation.path.startswith(PREFIX):
            continue
        assert operation.definition.raw.get("summary"), f"{operation.path} has no OpenAPI summary"
        fuzzed.append(operation.path)

        @FUZZ
        @given(case=operation.as_strategy())
        def fuzz(case: schemathesis.Case) -> None:
            case.call_and_validate(headers=headers, checks=[not_a_server_error])

        try:
            fuzz()
        except Exception as exc:
            failures.append(f"{operation.method.upper()} {operation.path}: {exc}"[:600])
    assert f"{PREFIX}/notices/{{notice_id}}/verify" in fuzzed and len(fuzzed) >= 6, fuzzed
    assert not failures, "\n\n".join(failures)
