"""Taking the next candidate: one statement, oldest first, and never the same candidate twice."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import event
from sqlalchemy.orm import Session

from core.db import get_engine, get_sessionmaker
from core.time import utc_now
from penalties.review.service import claim_next
from tests.support.factories import make_candidate


@pytest.fixture
def statements() -> Iterator[list[str]]:
    seen: list[str] = []

    def keep(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        seen.append(" ".join(statement.split()))

    engine = get_engine()
    event.listen(engine, "before_cursor_execute", keep)
    yield seen
    event.remove(engine, "before_cursor_execute", keep)


def test_the_oldest_candidate_is_taken_in_one_statement(
    db: Session, statements: list[str], dialect: str
) -> None:
    older = make_candidate(db, plate="51G11111", detected_at=utc_now() - timedelta(days=3))
    make_candidate(db, plate="51G22222", detected_at=utc_now() - timedelta(days=1))
    db.commit()
    statements.clear()
    taken = claim_next(db, actor="staff:r1")
    assert taken is not None and taken.id == older.id and taken.claimed_by == "staff:r1"
    picks = [s for s in statements if s.startswith("UPDATE violation_candidates")]
    assert len(picks) == 1 and "RETURNING" in picks[0] and "LIMIT" in picks[0]
    assert not any(s.startswith("SELECT violation_candidates.id") for s in statements)  # no look first
    if dialect == "postgresql":
        assert "FOR UPDATE SKIP LOCKED" in picks[0]


def test_reviewers_one_after_another_get_different_candidates(db: Session) -> None:
    ids = {
        make_candidate(db, plate=f"51G1111{i}", detected_at=utc_now() - timedelta(days=i + 1)).id
        for i in range(3)
    }
    db.commit()
    taken = []
    for reviewer in ("staff:r1", "staff:r2", "staff:r3", "staff:r4"):
        session = get_sessionmaker()()
        try:
            candidate = claim_next(session, actor=reviewer)
            session.commit()
            taken.append(None if candidate is None else candidate.id)
        finally:
            session.close()
    assert set(taken[:3]) == ids and taken[3] is None
