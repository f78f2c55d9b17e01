"""The QR code on the front of the chip ID card (CCCD, 2021 model).

Payload (UTF-8, ``|``-separated): ``id12|old_id|full name|DDMMYYYY birth|Nam/Nữ|address|DDMMYYYY issue``;
some cards and readers omit the old-ID field (6 fields). The old ID may be empty.
"""

from __future__ import annotations

import re
import unicodedata

import numpy as np

from identity.cccd import Sex
from identity.dates import ddmmyyyy, parse_ddmmyyyy
from identity.errors import QRError
from identity.record import IdentityRecord, Source

_ID12 = re.compile(r"[0-9]{12}")
_OLD_ID = re.compile(r"[0-9]{9}|[0-9]{12}")
_SEX = {"nam": Sex.male, "nữ": Sex.female, "nu": Sex.female}


def parse_qr_text(payload: str | bytes) -> IdentityRecord:
    """The identity record in a QR payload; QRError (with the reason) when it is not a CCCD QR."""
    if isinstance(payload, bytes):
        try:
            payload = payload.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise QRError(
                "qr.encoding",
                "Mã QR không phải văn bản UTF-8.",
                "The QR payload is not UTF-8 text.",
            ) from exc
    text = unicodedata.normalize("NFC", payload.strip())
    parts = text.split("|")
    if len(parts) == 7:
        id12, old_id, name, birth, sex, address, issued = parts
    elif len(parts) == 6:
        id12, name, birth, sex, address, issued = parts
        old_id = ""
    else:
        raise QRError(
            "qr.truncated" if len(parts) < 6 else "qr.fields",
            f"Mã QR có {len(parts)} trường, cần 6 hoặc 7 (bị cắt hoặc không phải CCCD).",
            f"The QR has {len(parts)} fields, 6 or 7 expected (truncated, or not a CCCD QR).",
            fields=len(parts),
        )
    if not _ID12.fullmatch(id12):
        raise QRError("qr.id", "Số CCCD trong mã QR không đủ 12 chữ số.", "The QR's ID is not 12 digits.")
    if old_id and not _OLD_ID.fullmatch(old_id):
        raise QRError(
            "qr.old_id", "Số CMND cũ trong mã QR không hợp lệ.", "The QR's old ID is not 9 or 12 digits."
        )
    birth_date, issue_date = parse_ddmmyyyy(birth), parse_ddmmyyyy(issued)
    if birth_date is None or issue_date is None:
        raise QRError(
            "qr.date",
            "Ngày trong mã QR không đúng dạng NNTTNNNN.",
            "A date in the QR is not a valid DDMMYYYY date.",
        )
    if sex.strip().lower() not in _SEX:
        raise QRError("qr.sex", "Giới tính trong mã QR phải là Nam hoặc Nữ.", "The QR's sex is not Nam/Nữ.")
    if not name.strip():
        raise QRError("qr.name", "Mã QR không có họ tên.", "The QR has no name.")
    return IdentityRecord(
        id12=id12,
        source=Source.qr,
        old_id=old_id or None,
        full_name=" ".join(name.split()),
        birth_date=birth_date,
        sex=_SEX[sex.strip().lower()],
        address=" ".join(address.split()) or None,
        issue_date=issue_date,
    )


def qr_text(record: IdentityRecord, *, with_old_id: bool = True) -> str:
    """The payload a card carries for ``record`` (fixtures)."""
    if record.birth_date is None or record.issue_date is None or record.sex is None:
        raise ValueError("a QR payload needs the birth date, sex and issue date")
    sex = "Nam" if record.sex is Sex.male else "Nữ"
    parts = [record.id12, record.old_id or ""] if with_old_id else [record.id12]
    parts += [
        record.full_name or "",
        ddmmyyyy(record.birth_date),
        sex,
        record.address or "",
        ddmmyyyy(record.issue_date),
    ]
    return "|".join(parts)


def read_qr_image(image: np.ndarray) -> IdentityRecord:
    """Find and decode the CCCD QR in a camera image (BGR or grey); QRError when there is none."""
    import zxingcpp

    found = zxingcpp.read_barcodes(image)
    good = [b for b in found if b.valid and b.format == zxingcpp.BarcodeFormat.QRCode]
    if not good:
        raise QRError(
            "qr.not_found",
            "Không tìm thấy mã QR đọc được trong ảnh.",
            "No readable QR code was found in the image.",
        )
    errors: list[QRError] = []
    for barcode in good:
        try:
            return parse_qr_text(barcode.bytes)
        except QRError as exc:
            errors.append(exc)
    raise errors[0]
