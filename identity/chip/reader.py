"""Chip data as a desk NFC reader delivers it (DG1, DG2, DG13, EF.SOD) → an authenticated identity record.

The reader does the card access (BAC/PACE) and hands over the raw files; here they are passively
authenticated first and parsed only then, so a record from the chip is always an authentic one.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from identity.cccd import Sex
from identity.chip.datagroups import DG13Data, decode_dg1, decode_dg2, decode_dg13
from identity.chip.passive_auth import PassiveAuthResult, passive_authenticate
from identity.chip.trust import TrustStore
from identity.errors import ChipDataError, MRZError
from identity.mrz import parse_cccd_mrz
from identity.record import IdentityRecord, Source


@dataclass(frozen=True)
class ChipData:
    dg1: bytes
    sod: bytes
    dg2: bytes | None = None
    dg13: bytes | None = None

    def data_groups(self) -> dict[int, bytes]:
        found = {1: self.dg1, 2: self.dg2, 13: self.dg13}
        return {n: d for n, d in found.items() if d is not None}


@dataclass(frozen=True)
class ChipRead:
    record: IdentityRecord  # authenticated=True
    auth: PassiveAuthResult
    face_image: bytes | None  # JPEG/JPEG 2000 from DG2: for the face match, never stored beyond the attempt
    dg13: DG13Data | None


def _dmy(value: object) -> date | None:
    """DG13 dates are ``DD/MM/YYYY``; anything else (``Không thời hạn``: no expiry) is None."""
    if not isinstance(value, str):
        return None
    day, _, rest = value.strip().partition("/")
    month, _, year = rest.partition("/")
    try:
        return date(int(year), int(month), int(day))
    except ValueError:
        return None


def read_chip(data: ChipData, trust: TrustStore | None = None, *, at: datetime | None = None) -> ChipRead:
    """Passive authentication, then the record: DG1's MRZ (check digits too), refined by DG13
    (the name with its diacritics, address, issue date, old ID)."""
    auth = passive_authenticate(data.data_groups(), data.sod, trust or TrustStore.from_settings(), at=at)
    try:
        mrz = parse_cccd_mrz(decode_dg1(data.dg1))
    except MRZError as exc:
        raise ChipDataError(
            "chip.dg1.mrz", "MRZ trong DG1 không hợp lệ.", f"The MRZ in DG1 is not valid: {exc.en}"
        ) from exc
    dg13 = decode_dg13(data.dg13) if data.dg13 is not None else None
    extra = dg13 or DG13Data({})
    if extra.get("id12") not in (None, mrz.id12):
        raise ChipDataError(
            "chip.inconsistent",
            "Số định danh trong DG13 khác DG1.",
            "The ID in DG13 differs from the one in DG1.",
        )
    sex = {"nam": Sex.male, "nữ": Sex.female}.get(str(extra.get("sex") or "").strip().lower())
    record = IdentityRecord(
        id12=mrz.id12,
        source=Source.chip,
        full_name=extra.get("full_name") or mrz.full_name,
        birth_date=mrz.birth_date,
        sex=sex or mrz.sex,
        old_id=extra.get("old_id") or None,
        address=extra.get("address") or None,
        issue_date=_dmy(extra.get("issue_date")),
        expiry=mrz.expiry,
        authenticated=True,
    )
    face = decode_dg2(data.dg2) if data.dg2 is not None else None
    return ChipRead(record=record, auth=auth, face_image=face, dg13=dg13)
