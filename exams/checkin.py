"""One check-in attempt through the identity engine, before anything is written: decode the request,
read the card's sources, cross-check them with the registered CCCD, match the live face with the chip
photo, and reach a verdict.

- Input that cannot be used (bad base64, an unreadable frame, a malformed QR or MRZ, a frame failing
  a quality gate) raises: a 422 with the engine's code, nothing recorded; the candidate tries again.
- A hard failure (chip not authentic, card of another CCCD, expired card, face mismatch, liveness
  failed) is a refused verdict with the engine's code.
- Printed data only, or sources that disagree, or no usable chip photo: pending_officer.
- Chip passive authentication OK + face match (+ liveness, per policy): person_bound, admitted.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cache
from typing import Any

import numpy as np

from exams.exceptions import CheckinInputError
from exams.models import Verdict
from exams.schemas import FILE_MAX_BYTES, CheckinCreate
from identity.chip.reader import ChipData, read_chip
from identity.chip.trust import TrustStore
from identity.crosscheck import assess
from identity.errors import FaceError, FaceQualityError, PassiveAuthFailed
from identity.face.backend import FaceBackend
from identity.face.match import decode_image
from identity.face.policy import FacePolicy
from identity.face.verdict import verify_person
from identity.mrz import parse_cccd_mrz
from identity.qr import parse_qr_text
from identity.record import IdentityRecord, TrustLevel


@dataclass(frozen=True)
class CardInput:
    """The decoded request: it holds the biometrics and lives only inside the call."""

    cccd: str
    chip: ChipData | None
    qr_text: str | None
    mrz_text: str | None
    mrz_photo: np.ndarray | None = field(repr=False)
    frames: tuple[np.ndarray, ...] = field(repr=False)


@dataclass
class Outcome:
    verdict: Verdict
    reason_code: str
    vi: str
    en: str
    trust: TrustLevel = TrustLevel.none
    sources: list[str] = field(default_factory=list)
    card_cccd: str | None = None
    findings: list[dict[str, Any]] = field(default_factory=list)
    face_distance: float | None = None
    face_threshold: float | None = None
    face_matched: bool | None = None
    liveness: dict[str, Any] | None = None

    @property
    def reason(self) -> str:
        return f"{self.vi} / {self.en}"


def _b64(value: str, name: str) -> bytes:
    try:
        data = base64.b64decode(value.encode("ascii"), validate=True)
    except (binascii.Error, ValueError, UnicodeEncodeError) as exc:
        raise CheckinInputError(
            "input.base64",
            f"Trường {name} không phải base64 hợp lệ.",
            f"The field {name} is not valid base64.",
            field=name,
        ) from exc
    if not data:
        raise CheckinInputError(
            "input.empty", f"Trường {name} rỗng.", f"The field {name} is empty.", field=name
        )
    if len(data) > FILE_MAX_BYTES:
        raise CheckinInputError(
            "input.too_large",
            f"Trường {name} quá lớn (tối đa {FILE_MAX_BYTES} byte).",
            f"The field {name} is too large (at most {FILE_MAX_BYTES} bytes).",
            field=name,
        )
    return data


def _image(value: str, name: str) -> np.ndarray:
    try:
        return decode_image(_b64(value, name), name)
    except FaceError as exc:
        raise CheckinInputError(exc.code, exc.vi, exc.en, field=name) from exc


def decode(body: CheckinCreate) -> CardInput:
    """The request's binary fields decoded and checked; CheckinInputError names the first bad one."""
    chip = None
    if body.chip is not None:
        c = body.chip
        chip = ChipData(
            dg1=_b64(c.dg1, "chip.dg1"),
            sod=_b64(c.sod, "chip.sod"),
            dg2=_b64(c.dg2, "chip.dg2") if c.dg2 is not None else None,
            dg13=_b64(c.dg13, "chip.dg13") if c.dg13 is not None else None,
        )
    photo = _image(body.mrz_photo, "mrz_photo") if body.mrz_photo is not None else None
    frames = tuple(_image(f, f"frames[{i}]") for i, f in enumerate(body.frames))
    if chip is None and not body.qr_text and not body.mrz_text and photo is None:
        raise CheckinInputError(
            "input.no_card",
            "Cần dữ liệu thẻ: chip, hoặc mã QR và/hoặc MRZ.",
            "Card data are needed: the chip, or the QR and/or the MRZ.",
        )
    return CardInput(body.cccd, chip, body.qr_text, body.mrz_text, photo, frames)


@cache
def _mrz_reader() -> Any:
    from identity.mrz_ocr import MRZReader

    return MRZReader()


def _refused(code: str, vi: str, en: str, **known: Any) -> Outcome:
    return Outcome(Verdict.refused, code, vi, en, **known)


def evaluate(card: CardInput, backend: FaceBackend, policy: FacePolicy, trust_store: TrustStore) -> Outcome:
    """The verdict for ``card`` presented by the candidate registered under ``card.cccd``."""
    records: list[IdentityRecord] = []
    chip_photo: bytes | None = None
    if card.chip is not None:
        try:
            read = read_chip(card.chip, trust_store)
        except PassiveAuthFailed as exc:  # tampered, unknown CSCA, expired signer: a hard failure
            return _refused(exc.code, exc.vi, exc.en, sources=["chip"])
        records.append(read.record)
        chip_photo = read.face_image
    if card.qr_text:
        records.append(parse_qr_text(card.qr_text))
    if card.mrz_text:
        records.append(parse_cccd_mrz(card.mrz_text))
    if card.mrz_photo is not None:
        records.append(_mrz_reader().read(card.mrz_photo).record)
    return _decide(card, records, chip_photo, backend, policy)


def _decide(
    card: CardInput,
    records: Sequence[IdentityRecord],
    chip_photo: bytes | None,
    backend: FaceBackend,
    policy: FacePolicy,
) -> Outcome:
    found = assess(records)
    known: dict[str, Any] = {
        "sources": [str(s) for s in found.sources],
        "card_cccd": found.record.id12,
        "findings": [f.as_dict() for f in found.findings],
        "trust": found.trust,
    }
    if any(r.id12 != card.cccd for r in records):
        return _refused(
            "card.other_person",
            "Thẻ không phải của thí sinh đã đăng ký (số CCCD khác).",
            "The card is not the registered candidate's (another CCCD number).",
            **known,
        )
    if any(f.code == "card.expired" for f in found.findings):
        return _refused("card.expired", "Thẻ đã hết hạn.", "The card has expired.", **known)
    if found.findings:
        return Outcome(
            Verdict.pending_officer,
            "crosscheck.findings",
            "Các nguồn trên thẻ không khớp nhau: cán bộ kiểm tra.",
            "The card's sources disagree: an officer decides.",
            **known,
        )
    if found.trust is not TrustLevel.high:
        return Outcome(
            Verdict.pending_officer,
            "trust.low",
            "Chỉ có dữ liệu in trên thẻ (không có chip): cán bộ đối chiếu khuôn mặt.",
            "Printed card data only (no chip): an officer compares the face.",
            **known,
        )
    if chip_photo is None or not card.frames:
        return Outcome(
            Verdict.pending_officer,
            "face.not_checked",
            "Chưa đối chiếu khuôn mặt (thiếu ảnh chip hoặc khung hình): cán bộ kiểm tra.",
            "The face was not checked (no chip photo or no frame): an officer decides.",
            **known,
        )
    return _face(card, chip_photo, backend, policy, known)


def _face(
    card: CardInput, chip_photo: bytes, backend: FaceBackend, policy: FacePolicy, known: dict[str, Any]
) -> Outcome:
    try:
        verdict = verify_person(backend, TrustLevel.high, chip_photo, card.frames, policy)
    except FaceQualityError:
        raise  # the candidate is asked for another frame: a 422, nothing recorded
    except FaceError as exc:  # the chip photo holds no usable face: the officer looks
        return Outcome(Verdict.pending_officer, exc.code, exc.vi, exc.en, **known)
    match = verdict.match
    known.update(
        trust=verdict.trust,
        face_distance=round(match.distance, 4),
        face_threshold=match.threshold,
        face_matched=match.matched,
        liveness=(
            {"passed": verdict.liveness.passed, "code": verdict.liveness.code} if verdict.liveness else None
        ),
    )
    if not match.matched:
        return _refused(
            "face.mismatch",
            "Khuôn mặt không khớp ảnh trong chip.",
            "The face does not match the chip photo.",
            **known,
        )
    if verdict.trust is not TrustLevel.person_bound:
        live = verdict.liveness
        code = live.code if live else "liveness.missing"
        vi = live.vi if live else "Chưa kiểm tra người thật."
        en = live.en if live else "Liveness was not checked."
        return _refused(code, vi, en, **known)
    return Outcome(
        Verdict.admitted,
        "person_bound",
        "Chip xác thực và khuôn mặt khớp: được vào thi.",
        "Chip authenticated and face matched: admitted.",
        **known,
    )
