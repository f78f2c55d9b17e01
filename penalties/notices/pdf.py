"""The printable notice as PDF (A4): facts, the violation in the words of the law of its date (name,
article, fine range, points), amount, due date, payment instructions and the evidence images. Text in
Vietnamese with English below, in a Unicode font (DejaVu)."""

from __future__ import annotations

import io
from pathlib import Path

from fpdf import FPDF

from core.time import format_local
from penalties.candidates.models import ViolationCandidate
from penalties.law.words import LawWords, format_vnd
from penalties.notices.models import Notice
from penalties.notices.words import notice_words

FONTS = [
    Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"),
    Path("/usr/share/fonts/truetype/liberation/LiberationSans-Regular.ttf"),
]


class FontMissing(RuntimeError):
    pass


def violation_text(w: LawWords) -> str:
    """The violation as the decree names it, Vietnamese then English, the code after; the bare code
    with the reason when the law of its date does not name it."""
    if not w.known:
        return f"{w.code} ({w.note('vi')} / {w.note('en')})"
    return f"{w.name_vi}\n{w.name_en}\n({w.code})"


def law_rows(w: LawWords) -> list[tuple[str, str]]:
    """The decree of the violation's date and its fine range for the vehicle class; the article and the
    points are the notice's own legal basis and points rows (the same table, frozen at issue)."""
    if not w.known:
        return []
    return [("Văn bản / Law", str(w.law)), ("Khung tiền phạt / Fine range", w.fine_range())]


def render_notice_pdf(notice: Notice, candidate: ViolationCandidate, images: list[bytes]) -> bytes:
    font = next((f for f in FONTS if f.exists()), None)
    if font is None:
        raise FontMissing("no Unicode font for the PDF: install fonts-dejavu-core (scripts/system-deps.sh)")
    pdf = FPDF(format="A4")
    pdf.set_title(f"Thông báo vi phạm {notice.number}")
    pdf.set_creator("tvp")
    pdf.add_font("body", fname=str(font))
    pdf.add_page()
    pdf.set_font("body", size=14)
    pdf.cell(0, 8, "THÔNG BÁO VI PHẠM GIAO THÔNG / TRAFFIC VIOLATION NOTICE", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("body", size=10)
    pdf.cell(0, 6, f"Số / No. {notice.number}", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(2)
    words = notice_words(notice)
    owner = notice.owner_snapshot.get("owner", {})
    person = f"{owner.get('full_name', '')} · CCCD {notice.owner_cccd}"
    if owner.get("organisation"):
        company = f"{owner['organisation']} · MST {owner.get('tax_code')}"
        person = f"{company}\nNgười đại diện / Representative: {person}"
    rows = [
        ("Chủ phương tiện / Owner", person),
        ("Địa chỉ / Address", str(owner.get("address", ""))),
        (
            "Phương tiện / Vehicle",
            " · ".join(
                str(notice.owner_snapshot.get(k, ""))
                for k in ("plate_display", "vehicle_type", "brand", "colour")
            ),
        ),
        ("Vi phạm / Violation", violation_text(words)),
        *law_rows(words),
        ("Thời điểm / When", format_local(candidate.detected_at, "%d/%m/%Y %H:%M:%S") + " (ICT)"),
        ("Địa điểm / Where", f"{candidate.camera.name}, {candidate.camera.road}"),
        *((k, str(v)) for k, v in candidate.measured.items()),
        ("Căn cứ / Legal basis", notice.legal_basis),
        ("Số tiền / Fine", format_vnd(notice.amount_vnd)),
        ("Điểm GPLX / Licence points", str(notice.points)),
        ("Hạn nộp / Pay by", notice.due_date.strftime("%d/%m/%Y")),
    ]
    for label, value in rows:
        pdf.set_font("body", size=9)
        pdf.cell(55, 6, label)
        pdf.set_font("body", size=10)
        pdf.multi_cell(0, 6, value, new_x="LMARGIN", new_y="NEXT")
    pdf.ln(3)
    x = pdf.l_margin
    for data in images[:3]:
        pdf.image(io.BytesIO(data), x=x, y=pdf.get_y(), w=85)
        x += 90
    if images:
        pdf.ln(60)
    pdf.set_font("body", size=10)
    pdf.multi_cell(
        0,
        5,
        f"Nộp phạt trực tuyến trên ứng dụng công dân hoặc Cổng dịch vụ công quốc gia với số thông báo "
        f"{notice.number}. Quá hạn: cộng 0,05% số tiền chưa nộp cho mỗi ngày chậm (Luật XLVPHC Điều 78).\n"
        f"Pay online in the citizen app or on the National Public Service Portal with notice number "
        f"{notice.number}. After the due date 0.05% of the unpaid amount is added per day.",
        new_x="LMARGIN",
        new_y="NEXT",
    )
    pdf.set_font("body", size=7)
    pdf.multi_cell(0, 4, f"Evidence manifest SHA-256: {candidate.provenance.get('manifest_sha256', '—')}")
    return bytes(pdf.output())
