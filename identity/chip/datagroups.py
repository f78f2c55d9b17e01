"""Data groups to and from bytes: DG1 (the MRZ), DG2 (the face image), DG13 (name, address, dates…)."""

from __future__ import annotations

import struct
from dataclasses import dataclass
from typing import Any

from identity.chip.lds import DG1, DG2, DG13, DG13_OID, BiometricGroup, BiometricHeader, BiometricInfo
from identity.errors import ChipDataError

# DG13 field numbers (reverse-engineered by public CCCD readers; unofficial).
DG13_FIELDS = {
    1: "id12",
    2: "full_name",
    3: "birth_date",
    4: "sex",
    5: "nationality",
    6: "ethnicity",
    7: "religion",
    8: "place_of_origin",
    9: "address",
    10: "identifying_marks",
    11: "issue_date",
    12: "expiry",
    13: "parents",
    14: "spouse",
    15: "old_id",
}
_DG13_NUMBERS = {name: number for number, name in DG13_FIELDS.items()}

JPEG_SOI = b"\xff\xd8\xff"
JP2_SIGNATURE = b"\x00\x00\x00\x0cjP  \r\n\x87\n"
J2K_SOC = b"\xff\x4f\xff\x51"


def _bad(dg: str, exc: Exception | None = None) -> ChipDataError:
    return ChipDataError(
        f"chip.{dg}.format",
        f"Không đọc được {dg.upper()} từ chip (dữ liệu hỏng).",
        f"{dg.upper()} from the chip cannot be parsed" + (f": {exc}" if exc else "."),
    )


def encode_dg1(mrz: str) -> bytes:
    return bytes(DG1({"mrz": "".join(mrz.split()).encode("ascii")}).dump())


def decode_dg1(data: bytes) -> list[str]:
    """The three 30-character MRZ lines held in DG1."""
    try:
        text = DG1.load(data, strict=True)["mrz"].native.decode("ascii")
    except Exception as exc:
        raise _bad("dg1", exc) from exc
    if len(text) != 90:
        raise _bad("dg1", ValueError(f"a TD1 MRZ is 90 characters, DG1 holds {len(text)}"))
    return [text[0:30], text[30:60], text[60:90]]


def _face_record(image: bytes, width: int, height: int) -> bytes:
    """An ISO/IEC 19794-5:2005 facial record holding one JPEG (no feature points, nothing declared)."""
    facial_info = struct.pack(">HBBB3sH3s3s", 0, 0, 0, 0, b"\0\0\0", 0, b"\0\0\0", b"\0\0\0")  # 16 bytes
    image_info = struct.pack(">BBHHBBHH", 1, 0, width, height, 1, 2, 0, 0)  # basic face, JPEG, sRGB
    block_length = 4 + len(facial_info) + len(image_info) + len(image)
    header = b"FAC\x00" + b"010\x00" + struct.pack(">IH", 14 + block_length, 1)
    return header + struct.pack(">I", block_length) + facial_info + image_info + image


def encode_dg2(image: bytes, width: int, height: int) -> bytes:
    header = BiometricHeader(
        {
            "version": b"\x01\x01",
            "biometric_type": b"\x02",
            "format_owner": b"\x01\x01",
            "format_type": b"\x00\x08",
        }
    )
    info = BiometricInfo({"header": header, "data": _face_record(image, width, height)})
    return bytes(DG2({"group": BiometricGroup({"count": 1, "info": info})}).dump())


def decode_dg2(data: bytes) -> bytes:
    """The face image (JPEG or JPEG 2000 bytes) inside DG2's biometric data block."""
    try:
        record = DG2.load(data, strict=True)["group"]["info"]["data"].native
    except Exception as exc:
        raise _bad("dg2", exc) from exc
    starts = [i for sig in (JPEG_SOI, JP2_SIGNATURE, J2K_SOC) if (i := record.find(sig)) >= 0]
    if not starts:
        raise _bad("dg2", ValueError("no JPEG or JPEG 2000 image in the biometric data"))
    return bytes(record[min(starts) :])


@dataclass(frozen=True)
class DG13Data:
    fields: dict[str, Any]

    def get(self, name: str) -> Any:
        return self.fields.get(name)


def encode_dg13(values: dict[str, Any]) -> bytes:
    items = []
    for name, value in values.items():
        if value is None:
            continue
        kind = "names" if isinstance(value, list | tuple) else "text"
        items.append(
            {"number": _DG13_NUMBERS[name], "value": {kind: list(value) if kind == "names" else value}}
        )
    return bytes(DG13({"version": 1, "oid": DG13_OID, "fields": items}).dump())


def decode_dg13(data: bytes) -> DG13Data:
    try:
        parsed = DG13.load(data, strict=True)
        fields = {
            DG13_FIELDS.get(f["number"].native, f"field_{f['number'].native}"): f["value"].native
            for f in parsed["fields"]
        }
    except Exception as exc:
        raise _bad("dg13", exc) from exc
    return DG13Data(fields)
