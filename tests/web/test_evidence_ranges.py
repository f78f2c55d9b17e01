"""Evidence files in byte ranges: what Chromium asks for to seek in a clip, and Range headers that are
bad or out of bounds (a clear 416, or the whole file where the RFC says to ignore the header)."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from core.evidence import get_blob_store
from core.models import Role
from penalties.candidates.models import EvidenceItem, EvidenceKind
from tests.support.factories import make_candidate, make_staff
from tests.web.test_pages import _sign_in

DATA = bytes(range(256)) * 4  # 1024 bytes, each position recognisable


@pytest.fixture
def url(client: TestClient, db: Session) -> str:
    make_staff(db, Role.reviewer, username="ranges")
    candidate = make_candidate(db)
    item = EvidenceItem(
        candidate_id=candidate.id,
        kind=EvidenceKind.overlay,
        sha256=get_blob_store().put(DATA),
        content_type="image/jpeg",
        size_bytes=len(DATA),
        captured_at=None,
    )
    db.add(item)
    db.commit()
    _sign_in(client, "ranges")
    return f"/evidence/{item.id}"


@pytest.mark.parametrize(
    ("header", "first", "last"),
    [
        ("bytes=0-99", 0, 99),
        ("bytes=1000-", 1000, 1023),
        ("bytes=-24", 1000, 1023),
        ("bytes=1020-5000", 1020, 1023),
    ],
)
def test_a_range_comes_back_as_206(client: TestClient, url: str, header: str, first: int, last: int) -> None:
    resp = client.get(url, headers={"Range": header})
    assert resp.status_code == 206
    assert resp.content == DATA[first : last + 1]
    assert resp.headers["content-range"] == f"bytes {first}-{last}/1024"
    assert resp.headers["x-content-sha256"]  # the whole file's hash, as without a range


def test_without_a_range_the_whole_file_says_ranges_are_accepted(client: TestClient, url: str) -> None:
    resp = client.get(url)
    assert (resp.status_code, resp.content, resp.headers["accept-ranges"]) == (200, DATA, "bytes")


@pytest.mark.parametrize("header", ["bytes=abc", "items=0-5", "bytes=5-2", "bytes=0-1,5-9", "bytes=-"])
def test_a_range_that_does_not_parse_is_ignored(client: TestClient, url: str, header: str) -> None:
    resp = client.get(url, headers={"Range": header})
    assert (resp.status_code, resp.content) == (200, DATA)


@pytest.mark.parametrize("header", ["bytes=1024-", "bytes=5000-6000", "bytes=-0"])
def test_a_range_outside_the_file_is_refused(client: TestClient, url: str, header: str) -> None:
    resp = client.get(url, headers={"Range": header})
    assert resp.status_code == 416
    assert resp.json()["error"] == "RangeNotSatisfiable" and "1024 bytes" in resp.json()["detail"]
    assert resp.headers["content-range"] == "bytes */1024"
