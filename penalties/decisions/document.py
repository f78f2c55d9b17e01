"""What a decision document says (built once, at issue) and its printable HTML. The PDF: pdf.py."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, select_autoescape

from penalties.law.words import format_vnd as vnd

PAYMENT_DAYS = 10  # Luật XLVPHC Art. 73(1)
DUE_ON_RECEIPT = (
    f"{PAYMENT_DAYS} ngày kể từ ngày nhận quyết định / within {PAYMENT_DAYS} days of receiving this decision"
)
NO_ACKNOWLEDGEMENT = "Không có xác nhận điện tử / no electronic acknowledgement"
LICENCE_NAMES = {
    "car": "Ô tô (hạng B…) / car (class B…)",
    "motorbike": "Mô tô (hạng A…) / motorbike (class A…)",
}
_ENV = Environment(
    loader=FileSystemLoader(Path(__file__).parent / "templates"),
    autoescape=select_autoescape(default=True),
    trim_blocks=True,
    lstrip_blocks=True,
)


@dataclass(frozen=True)
class ViolationLine:
    notice_number: str
    violation_code: str
    # The violation as the decree of its date names it (the code when that law does not name it).
    name_vi: str
    name_en: str
    law: str | None
    fine_range: str  # that decree's range for the vehicle class, "—" when unknown
    committed_at: str  # Vietnam time, as printed
    place: str
    vehicle: str
    legal_basis: str
    amount_vnd: int
    points: int
    licence_class: str | None


@dataclass(frozen=True)
class DecisionDocument:
    number: str
    issued_at: str  # Vietnam time, as printed
    issuer: str
    person_name: str
    person_cccd: str
    person_address: str
    violations: list[ViolationLine]
    amount_vnd: int
    points: dict[str, int]
    pay_by: str = DUE_ON_RECEIPT
    # A signed acknowledgement of the violation (when the citizen gave one in the app): its fields as
    # shown, e.g. {"signed_at": "...", "method": "...", "signature_sha256": "..."}.
    acknowledgement: dict[str, Any] | None = None

    @property
    def amount_text(self) -> str:
        return vnd(self.amount_vnd)

    def points_lines(self) -> list[str]:
        if not self.points:
            return ["Không trừ điểm / no points deducted"]
        return [f"{LICENCE_NAMES.get(k, k)}: −{n}" for k, n in sorted(self.points.items())]


def render_decision_html(doc: DecisionDocument) -> str:
    return _ENV.get_template("decision.html").render(d=doc, vnd=vnd, no_acknowledgement=NO_ACKNOWLEDGEMENT)
