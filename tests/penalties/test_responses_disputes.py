"""Disputes: cleaned attachments; a supervisor upholds, cancels or amends; the clocks pause while open."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from PIL import Image
from sqlalchemy import select
from sqlalchemy.orm import Session

from core.evidence import get_blob_store
from core.models import Job
from core.time import to_local, utc_now
from penalties.notices.clocks import overdue, unanswered_notices
from penalties.notices.models import Notice, NoticeStatus
from penalties.responses.attachments import clean
from penalties.responses.disputes import decide, open_dispute
from penalties.responses.exceptions import (
    AlreadyDisputed,
    AmountOutsideRange,
    AttachmentRejected,
    DisputeDecided,
    NotLiable,
)
from penalties.responses.models import Dispute, DisputeStatus
from tests.support.responses import delivered_notice, people


def picture(fmt: str = "PNG", size: tuple[int, int] = (40, 30)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(out, fmt)
    return out.getvalue()


def test_images_are_re_encoded_and_anything_else_is_refused() -> None:
    sent = picture("JPEG") + b"<script>trailing payload</script>"
    cleaned = clean("C:\\Users\\me\\ảnh.jpg", sent, max_bytes=1_000_000)
    assert (cleaned.filename, cleaned.content_type) == ("ảnh.jpg", "image/jpeg")
    assert b"payload" not in cleaned.data and Image.open(io.BytesIO(cleaned.data)).size == (40, 30)
    assert clean("a.webp", picture("WEBP"), max_bytes=1_000_000).content_type == "image/webp"
    assert clean("a.png", picture("PNG"), max_bytes=1_000_000).content_type == "image/png"
    refused = {
        "gif": (picture("GIF"), "only JPEG, PNG or WebP"),
        "exe": (b"MZ\x90\x00" + b"\x00" * 200, "not a JPEG, PNG or WebP image"),
        "truncated": (picture("PNG", (300, 300))[:-200], "damaged"),
        "oversize": (picture("PNG") + b"\x00" * 2000, "larger than"),
        "empty": (b"", "empty"),
        "broken pdf": (b"%PDF-1.7\n1 0 obj\n<<>>\nendobj\n", "PDF is damaged"),
    }
    for name, (data, why) in refused.items():
        limit = 1500 if name == "oversize" else 1_000_000
        with pytest.raises(AttachmentRejected) as info:
            clean(f"f.{name}", data, max_bytes=limit)
        assert why in str(info.value.detail) and info.value.status_code == 422, name


def _pdf(pages: int = 2) -> bytes:
    from fpdf import FPDF

    doc = FPDF()
    for n in range(pages):
        doc.add_page()
        doc.set_font("helvetica", size=14)
        doc.cell(text=f"Hop dong mua ban xe - trang {n + 1}")
        doc.link(10, 10, 50, 10, "https://example.invalid/")
    return bytes(doc.output())


def test_a_pdf_is_rewritten_page_by_page_without_scripts_files_or_links() -> None:
    from pypdf import PdfReader, PdfWriter
    from pypdf.actions import JavaScript

    writer = PdfWriter(clone_from=io.BytesIO(_pdf()))
    writer.add_open_action(JavaScript("app.alert('owned');"))
    writer.add_attachment("payload.exe", b"MZ" + b"\x00" * 100)
    sent = io.BytesIO()
    writer.write(sent)
    raw = sent.getvalue()
    assert b"/JavaScript" in raw and b"/EmbeddedFile" in raw and b"/Annots" in raw  # the test has teeth

    cleaned = clean("hop-dong.pdf", raw, max_bytes=1_000_000)
    assert cleaned.content_type == "application/pdf"
    for hidden in (b"/JavaScript", b"/EmbeddedFile", b"/Annots", b"/OpenAction", b"payload.exe"):
        assert hidden not in cleaned.data, hidden
    reread = PdfReader(io.BytesIO(cleaned.data))
    assert len(reread.pages) == 2 and "trang 2" in reread.pages[1].extract_text()

    locked = PdfWriter(clone_from=io.BytesIO(_pdf(1)))
    locked.encrypt("secret")
    out = io.BytesIO()
    locked.write(out)
    with pytest.raises(AttachmentRejected, match="password"):
        clean("locked.pdf", out.getvalue(), max_bytes=1_000_000)
    with pytest.raises(AttachmentRejected, match="1 to 30 pages"):
        clean("long.pdf", _pdf(31), max_bytes=10_000_000)


def _disputed(
    db: Session, serial: int, text: str = "Xe của tôi đã bán trước ngày vi phạm"
) -> tuple[Notice, Dispute]:
    (owner,) = people(db, serial)
    notice = db.get(Notice, delivered_notice(db, owner))
    assert notice is not None
    files = [clean("hop-dong.png", picture(), max_bytes=1_000_000)]
    dispute = open_dispute(
        db, notice, cccd=owner.cccd, text=text, files=files, now=utc_now() - timedelta(days=4)
    )
    db.commit()
    return notice, dispute


def test_upheld_the_notice_is_open_again_with_the_paused_days_added(db: Session) -> None:
    notice, dispute = _disputed(db, 301)
    due = notice.due_date
    assert notice.status is NoticeStatus.disputed
    [item] = dispute.attachments
    assert get_blob_store().get(item.sha256)[:8] == b"\x89PNG\r\n\x1a\n"
    # While open, the payment clock does not run: not overdue even past the due date.
    assert overdue(db, utc_now() + timedelta(days=30))["overdue"] == 0
    now = utc_now()
    decide(
        db,
        dispute.id,
        outcome=DisputeStatus.upheld,
        reason="Ảnh rõ biển số",
        amount_vnd=None,
        actor="staff:x",
        now=now,
    )
    db.commit()
    paused = (to_local(now).date() - to_local(now - timedelta(days=4)).date()).days
    assert (dispute.status, dispute.paused_days) == (DisputeStatus.upheld, paused) and paused == 4
    assert (notice.status, notice.due_date) == (NoticeStatus.delivered, due + timedelta(days=4))
    jobs = db.scalars(select(Job).where(Job.name == "citizen_app.notify")).all()
    assert [j.payload["event"] for j in jobs if j.payload["event"] == "dispute.decided"] == [
        "dispute.decided"
    ]
    with pytest.raises(DisputeDecided):
        decide(
            db,
            dispute.id,
            outcome=DisputeStatus.cancelled,
            reason="again",
            amount_vnd=None,
            actor="staff:x",
            now=now,
        )
    db.rollback()
    # One explanation per notice: the clocks cannot be stopped again and again.
    with pytest.raises(AlreadyDisputed):
        open_dispute(db, notice, cccd=notice.owner_cccd, text="lần nữa", files=[], now=utc_now())
    db.rollback()
    # The 20-day response clock skips the paused days too: issued 22 days ago with 4 paused, not yet
    # unanswered; 25 days ago, it is.
    notice.issued_at = utc_now() - timedelta(days=22)
    notice.due_date = to_local(notice.issued_at).date() + timedelta(days=10 + 4)
    db.commit()
    assert unanswered_notices(db, utc_now())["warned"] == 0
    notice.issued_at = utc_now() - timedelta(days=25)
    notice.due_date = to_local(notice.issued_at).date() + timedelta(days=10 + 4)
    db.commit()
    assert unanswered_notices(db, utc_now())["warned"] == 1


def test_cancelled_the_notice_is_cancelled_with_the_reason(db: Session) -> None:
    notice, dispute = _disputed(db, 302)
    decide(
        db,
        dispute.id,
        outcome=DisputeStatus.cancelled,
        reason="Xe đã bán: sai chủ",
        amount_vnd=None,
        actor="staff:x",
        now=utc_now(),
    )
    db.commit()
    assert (notice.status, notice.cancel_reason) == (NoticeStatus.cancelled, "Xe đã bán: sai chủ")


def test_amended_within_the_provisions_range_only(db: Session) -> None:
    notice, dispute = _disputed(db, 303)
    low, high = (
        notice.owner_snapshot["assessment"]["fine_min_vnd"],
        notice.owner_snapshot["assessment"]["fine_max_vnd"],
    )
    assert (low, high) == (18_000_000, 20_000_000)
    for wrong in (None, low - 1, high + 1):
        with pytest.raises(AmountOutsideRange):
            decide(
                db,
                dispute.id,
                outcome=DisputeStatus.amended,
                reason="x" * 5,
                amount_vnd=wrong,
                actor="staff:x",
                now=utc_now(),
            )
    decide(
        db,
        dispute.id,
        outcome=DisputeStatus.amended,
        reason="Tình tiết tăng nặng",
        amount_vnd=19_000_000,
        actor="staff:x",
        now=utc_now(),
    )
    db.commit()
    assert (notice.status, notice.amount_vnd) == (NoticeStatus.delivered, 19_000_000)
    assert (dispute.amount_before_vnd, dispute.amount_after_vnd) == (18_000_000, 19_000_000)


def test_only_the_liable_citizen_disputes(db: Session) -> None:
    owner, other = people(db, 304, 305)
    notice = db.get(Notice, delivered_notice(db, owner))
    assert notice is not None
    with pytest.raises(NotLiable):
        open_dispute(db, notice, cccd=other.cccd, text="không phải tôi", files=[], now=utc_now())
