"""Cross-checks between the sources read from one card (QR, MRZ, chip), and the trust level.

Compared: ID, name (accents, case and MRZ fillers ignored), birth date, sex, expiry; each record's ID
number against its own birth year and sex (digit 4 = century/sex, digits 5-6 = year); the card's expiry.
Trust: printed sources only → low; chip data that passed passive authentication → high. Any finding
caps the trust at low: a card whose printed data contradict its chip, or an expired card, is not one
to admit on the chip's word.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from identity.cccd import InvalidCCCD, validate_cccd
from identity.record import IdentityRecord, Source, TrustLevel, merge, normalise_name

_LABELS = {
    "id12": ("số định danh", "ID number"),
    "full_name": ("họ tên", "name"),
    "birth_date": ("ngày sinh", "birth date"),
    "sex": ("giới tính", "sex"),
    "expiry": ("ngày hết hạn", "expiry date"),
}
_KEYS: dict[str, Callable[[Any], Any]] = {"full_name": normalise_name}


@dataclass(frozen=True)
class Finding:
    code: str  # mismatch.<field>, id.structure, card.expired
    field: str
    values: dict[str, str]  # source → the value it gave
    vi: str
    en: str

    def as_dict(self) -> dict[str, Any]:
        return {"code": self.code, "field": self.field, "values": self.values, "vi": self.vi, "en": self.en}


def _shown(value: Any) -> str:
    return value.isoformat() if isinstance(value, date) else str(value)


def _mismatches(records: Sequence[IdentityRecord]) -> list[Finding]:
    found = []
    for name, (vi, en) in _LABELS.items():
        given = [(r.source, r.value(name)) for r in records if r.value(name) is not None]
        key = _KEYS.get(name, lambda v: v)
        if len({key(v) for _, v in given}) > 1:
            found.append(
                Finding(
                    f"mismatch.{name}",
                    name,
                    {str(s): _shown(v) for s, v in given},
                    f"Các nguồn khác nhau về {vi}.",
                    f"The sources disagree on the {en}.",
                )
            )
    return found


def _id_structure(records: Sequence[IdentityRecord]) -> list[Finding]:
    found: dict[str, Finding] = {}
    for r in records:
        try:
            validate_cccd(r.id12, birth_date=r.birth_date, sex=r.sex)
        except InvalidCCCD as exc:
            message = str(exc)
            if message not in found:
                found[message] = Finding(
                    "id.structure",
                    "id12",
                    {str(r.source): r.id12},
                    "Số định danh không khớp năm sinh hoặc giới tính (chữ số 4-6).",
                    f"The ID number contradicts the holder: {message}.",
                )
            else:
                found[message].values[str(r.source)] = r.id12
    return list(found.values())


def _expired(records: Sequence[IdentityRecord], today: date) -> list[Finding]:
    expiries = {str(r.source): r.expiry for r in records if r.expiry is not None}
    if expiries and min(expiries.values()) < today:
        return [
            Finding(
                "card.expired",
                "expiry",
                {s: e.isoformat() for s, e in expiries.items()},
                "Thẻ đã hết hạn.",
                "The card has expired.",
            )
        ]
    return []


def cross_check(records: Sequence[IdentityRecord], *, today: date | None = None) -> list[Finding]:
    """Every disagreement between ``records`` and every inconsistency within them."""
    from core.time import vn_today

    return [*_mismatches(records), *_id_structure(records), *_expired(records, today or vn_today())]


def source_trust(records: Sequence[IdentityRecord]) -> TrustLevel:
    if not records:
        return TrustLevel.none
    if any(r.source is Source.chip and r.authenticated for r in records):
        return TrustLevel.high
    return TrustLevel.low


@dataclass(frozen=True)
class Assessment:
    record: IdentityRecord  # merged, with per-field provenance
    trust: TrustLevel
    findings: tuple[Finding, ...]
    sources: tuple[Source, ...]

    @property
    def consistent(self) -> bool:
        return not self.findings


def assess(records: Sequence[IdentityRecord], *, today: date | None = None) -> Assessment:
    """Merge the sources, cross-check them and give the trust level (capped at low by any finding)."""
    if not records:
        raise ValueError("assess needs at least one record")
    findings = tuple(cross_check(records, today=today))
    trust = source_trust(records)
    if findings and trust is TrustLevel.high:
        trust = TrustLevel.low
    return Assessment(merge(list(records)), trust, findings, tuple(r.source for r in records))
