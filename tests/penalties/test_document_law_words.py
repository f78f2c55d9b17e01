"""Issued documents in the law's words: a notice PDF and a decision (PDF and HTML) issued for a violation
on 31/12/2024 (ND 100/2019) and one on 01/01/2025 (ND 168/2024) carry that day's name, article, fine
range and points. The expected words are read from the decree CSVs with csv (tests.web.test_law_words.row),
never through penalties.law; the PDF text is read back with pypdf. Documents stored before stay what they
were: served byte for byte and checked against their hash."""

from __future__ import annotations

import hashlib
import io
import re
import uuid
from datetime import datetime

import pytest
from fastapi.testclient import TestClient
from markupsafe import escape
from pypdf import PdfReader
from sqlalchemy.orm import Session

from core.evidence import get_blob_store
from core.models import Role
from core.time import utc_now
from penalties.decisions.service import issue_decision
from penalties.notices.models import Notice
from tests.support.decisions import supervisor_id
from tests.support.factories import make_citizen, make_staff
from tests.web.test_law_words import NEW, OLD, issued_notice, money, row
from tests.web.test_pages import _sign_in


def pdf_text(data: bytes) -> str:
    """The PDF's text with every run of whitespace as one space (cells wrap long lines)."""
    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)
    return re.sub(r"\s+", " ", text)


def flat(text: str) -> str:
    return re.sub(r"\s+", " ", text)


def expected(r: dict[str, str], *, english: bool = True) -> list[str]:
    names = [r["description_vi"], r["description_en"]] if english else [r["description_vi"]]
    fine = f"{money(r['fine_min_vnd'])} – {money(r['fine_max_vnd'])}"
    return [*map(flat, names), flat(r["legal_reference"]), fine]


@pytest.mark.parametrize(("at", "serial", "plate"), [(OLD, 9901, "51G40001"), (NEW, 9902, "51G40002")])
def test_the_notice_pdf_names_the_law_of_the_violation_date(
    db: Session, at: datetime, serial: int, plate: str
) -> None:
    owner = make_citizen(db, serial=serial)
    notice = issued_notice(db, owner, plate=plate, code="RED_LIGHT", at=at)
    r, other = row("RED_LIGHT", "car", at), row("RED_LIGHT", "car", OLD if at == NEW else NEW)
    assert notice.document_sha256 is not None  # frozen at issue
    text = pdf_text(get_blob_store().get(notice.document_sha256))
    for words in expected(r):
        assert words in text, words
    assert f"Điểm GPLX / Licence points {int(r['points_deducted'] or 0)}" in text
    assert "(RED_LIGHT)" in text  # the code stays, after the name
    decree = "ND 168/2024/NĐ-CP" if at == NEW else "ND 100/2019/NĐ-CP"
    assert f"Văn bản / Law {decree}" in text
    assert flat(other["legal_reference"]) not in text


def test_the_decision_names_the_law_of_each_violation_date(db: Session) -> None:
    owner = make_citizen(db, serial=9903)
    old = issued_notice(db, owner, plate="51G40003", code="SPEED_10_20", at=OLD)
    new = issued_notice(db, owner, plate="51G40004", code="SPEED_10_20", at=NEW)
    r_old, r_new = row("SPEED_10_20", "car", OLD), row("SPEED_10_20", "car", NEW)
    assert r_old["legal_reference"] != r_new["legal_reference"]
    decision = issue_decision(db, [old.id, new.id], issued_by=uuid.UUID(supervisor_id(db)), now=utc_now())
    db.commit()
    store = get_blob_store()
    pdf = pdf_text(store.get(decision.document_sha256 or ""))
    html = store.get(decision.html_sha256 or "").decode()
    for r in (r_old, r_new):
        for words in expected(r):
            assert words in pdf, words
            assert str(escape(words)) in flat(html), words
    assert "ND 100/2019/NĐ-CP" in pdf and "ND 168/2024/NĐ-CP" in pdf
    assert "(SPEED_10_20)" in pdf and "<code>SPEED_10_20</code>" in html
    # The points the decision deducts: the largest of the violations' (ND 168 Art. 50(1)(b)).
    top = max(int(r["points_deducted"] or 0) for r in (r_old, r_new))
    assert f"−{top}" in pdf


def test_a_document_stored_before_stays_as_it_was(client: TestClient, db: Session) -> None:
    """A notice whose PDF was issued before the law's words were printed: the stored bytes are served,
    with their hash, and no new rendering (with the words) is swapped in."""
    make_staff(db, Role.supervisor, username="lawdoc1")
    owner = make_citizen(db, serial=9904)
    notice = issued_notice(db, owner, plate="51G40005", code="RED_LIGHT", at=NEW)
    store = get_blob_store()
    before = b"%PDF-1.4 as issued before: RED_LIGHT only"
    notice.document_sha256 = store.put(before)
    db.commit()
    _sign_in(client, "lawdoc1")
    served = client.get(f"/notices/{notice.id}/pdf")
    assert served.status_code == 200 and served.content == before
    assert served.headers["x-content-sha256"] == hashlib.sha256(before).hexdigest() == notice.document_sha256
    db.expire_all()
    assert db.get(Notice, notice.id).document_sha256 == hashlib.sha256(before).hexdigest()  # type: ignore[union-attr]
