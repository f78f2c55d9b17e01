"""The decision as PDF (A4), from the same document data as the HTML, in a Unicode font (DejaVu)."""

from __future__ import annotations

from fpdf import FPDF

from penalties.decisions.document import NO_ACKNOWLEDGEMENT, DecisionDocument, vnd
from penalties.notices.pdf import FONTS, FontMissing


def render_decision_pdf(doc: DecisionDocument) -> bytes:
    font = next((f for f in FONTS if f.exists()), None)
    if font is None:
        raise FontMissing("no Unicode font for the PDF: install fonts-dejavu-core (scripts/system-deps.sh)")
    pdf = FPDF(format="A4")
    pdf.set_title(f"Quyết định xử phạt {doc.number}")
    pdf.set_creator("tvp")
    pdf.add_font("body", fname=str(font))
    pdf.add_page()
    pdf.set_font("body", size=9)
    pdf.multi_cell(0, 5, "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM\nĐộc lập – Tự do – Hạnh phúc", align="C")
    pdf.ln(2)
    pdf.set_font("body", size=13)
    pdf.multi_cell(
        0, 7, "QUYẾT ĐỊNH XỬ PHẠT VI PHẠM HÀNH CHÍNH\nDecision imposing an administrative sanction", align="C"
    )
    pdf.set_font("body", size=10)
    pdf.cell(0, 6, f"Số / No. {doc.number} · {doc.issued_at} (ICT)", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(2)
    rows = [
        ("Người ra quyết định / Issued by", doc.issuer),
        ("Người vi phạm / Person", f"{doc.person_name} · CCCD {doc.person_cccd}\n{doc.person_address}"),
    ]
    for n, v in enumerate(doc.violations, 1):
        rows.append(
            (
                f"Vi phạm {n} / Violation {n}",
                f"{v.name_vi}\n{v.name_en}\n({v.violation_code}) · {v.vehicle}\n"
                f"{v.committed_at} · {v.place}\nThông báo / Notice {v.notice_number}\n"
                f"Căn cứ / Legal basis: {v.legal_basis}\n"
                f"Văn bản / Law: {v.law or '—'} · khung / range {v.fine_range}\n"
                f"{vnd(v.amount_vnd)} · {v.points} điểm / points",
            )
        )
    rows += [
        ("Tổng tiền phạt / Total fine", doc.amount_text),
        ("Trừ điểm GPLX / Licence points", "\n".join(doc.points_lines())),
        ("Thời hạn nộp / Pay within", f"{doc.pay_by} (Luật XLVPHC Điều 73)"),
    ]
    ack = doc.acknowledgement
    rows.append(
        (
            "Xác nhận / Acknowledgement",
            "\n".join(f"{k}: {v}" for k, v in ack.items()) if ack else NO_ACKNOWLEDGEMENT,
        )
    )
    for label, value in rows:
        pdf.set_font("body", size=9)
        pdf.cell(60, 6, label)
        pdf.set_font("body", size=10)
        pdf.multi_cell(0, 6, value, new_x="LMARGIN", new_y="NEXT")
    pdf.ln(3)
    pdf.multi_cell(
        0,
        5,
        f"Nộp phạt trên ứng dụng công dân hoặc Cổng dịch vụ công quốc gia với số quyết định {doc.number}. "
        f"Quá hạn: cộng 0,05% số tiền chưa nộp cho mỗi ngày chậm (Luật XLVPHC Điều 78).\n"
        f"Pay in the citizen app or on the National Public Service Portal with decision number {doc.number}. "
        f"After the deadline 0.05% of the unpaid amount is added per day.",
    )
    return bytes(pdf.output())
