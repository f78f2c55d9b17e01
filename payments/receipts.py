"""The e-receipt (biên lai điện tử) of a settled payment: HTML and PDF (fpdf2, DejaVu), one number."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from fpdf import FPDF
from jinja2 import Environment, FileSystemLoader, select_autoescape

from core.time import format_local
from payments.exceptions import ReceiptNotReady
from payments.models import Payment
from penalties.decisions.document import vnd
from penalties.notices.pdf import FONTS, FontMissing

_ENV = Environment(
    loader=FileSystemLoader(Path(__file__).parent / "templates"),
    autoescape=select_autoescape(default=True),
    trim_blocks=True,
    lstrip_blocks=True,
)


@dataclass(frozen=True)
class Receipt:
    number: str
    decision_number: str
    person_cccd: str
    notices: list[str]
    fine_vnd: int
    late_charge_vnd: int
    amount_vnd: int
    paid_at: str  # Vietnam time, as printed
    gateway: str
    gateway_ref: str
    refunded_vnd: int

    def rows(self) -> list[tuple[str, str]]:
        rows = [
            ("Số biên lai / Receipt no.", self.number),
            ("Quyết định / Decision", self.decision_number),
            ("Người nộp / Payer (CCCD)", self.person_cccd),
            ("Thông báo / Notices", ", ".join(self.notices)),
            ("Tiền phạt / Fine", vnd(self.fine_vnd)),
            ("Tiền chậm nộp / Late charge", vnd(self.late_charge_vnd)),
            ("Tổng đã nộp / Total paid", vnd(self.amount_vnd)),
            ("Thời điểm / Paid at", f"{self.paid_at} (ICT)"),
            ("Cổng thanh toán / Gateway", f"{self.gateway} · {self.gateway_ref}"),
        ]
        if self.refunded_vnd:
            rows.append(("Đã hoàn / Refunded", vnd(self.refunded_vnd)))
        return rows


def receipt_of(payment: Payment) -> Receipt:
    if payment.receipt_number is None or payment.paid_at is None:
        raise ReceiptNotReady("the payment is not settled yet: no receipt")
    decision = payment.decision
    return Receipt(
        number=payment.receipt_number,
        decision_number=decision.number,
        person_cccd=decision.cccd,
        notices=[item.notice.number for item in decision.items],
        fine_vnd=payment.amount_vnd - payment.late_charge_vnd,
        late_charge_vnd=payment.late_charge_vnd,
        amount_vnd=payment.amount_vnd,
        paid_at=format_local(payment.paid_at, "%d/%m/%Y %H:%M:%S"),
        gateway=payment.gateway,
        gateway_ref=payment.gateway_txn_no or payment.gateway_ref or payment.reference,
        refunded_vnd=payment.refunded_vnd,
    )


def render_receipt_html(receipt: Receipt) -> str:
    return _ENV.get_template("receipt.html").render(r=receipt)


def render_receipt_pdf(receipt: Receipt) -> bytes:
    font = next((f for f in FONTS if f.exists()), None)
    if font is None:
        raise FontMissing("no Unicode font for the PDF: install fonts-dejavu-core (scripts/system-deps.sh)")
    pdf = FPDF(format="A4")
    pdf.set_title(f"Biên lai {receipt.number}")
    pdf.set_creator("tvp")
    pdf.add_font("body", fname=str(font))
    pdf.add_page()
    pdf.set_font("body", size=12)
    pdf.multi_cell(0, 6, "BIÊN LAI THU TIỀN PHẠT ĐIỆN TỬ\nElectronic receipt for a fine", align="C")
    pdf.ln(3)
    for label, value in receipt.rows():
        pdf.set_font("body", size=8)
        pdf.cell(48, 5, label)
        pdf.set_font("body", size=9)
        pdf.multi_cell(0, 5, value, new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())
