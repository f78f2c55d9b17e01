from __future__ import annotations

from datetime import date, timedelta

from core.time import vn_today
from identity.cccd import Sex
from identity.chip.reader import read_chip
from identity.crosscheck import assess, cross_check
from identity.mrz import build_cccd_mrz, parse_cccd_mrz
from identity.qr import parse_qr_text, qr_text
from identity.record import IdentityRecord, Source, TrustLevel, merge, normalise_name
from tests.support.identity import citizen, pki


def _sources(i: int = 0) -> tuple[IdentityRecord, IdentityRecord, IdentityRecord]:
    c = citizen(i)
    qr = parse_qr_text(qr_text(c.record()))
    mrz = parse_cccd_mrz(build_cccd_mrz(c.id12, c.full_name, c.birth_date, c.sex, c.expiry))
    chip = read_chip(pki().chip(c), pki().trust).record
    return qr, mrz, chip


def test_normalised_names() -> None:
    assert normalise_name("Nguyễn  Văn Ân") == "NGUYEN VAN AN"
    assert normalise_name("NGUYEN<<VAN<AN") == "NGUYEN VAN AN"
    assert normalise_name("Đặng thị Hồng") == "DANG THI HONG"
    assert normalise_name("Đặng Thị Hồng") != normalise_name("Đặng Thị Hương")


def test_consistent_sources() -> None:
    qr, mrz, chip = _sources()
    assert cross_check([qr, mrz, chip]) == []
    a = assess([qr, mrz, chip])
    assert a.trust is TrustLevel.high and a.consistent
    assert a.record.full_name == citizen(0).full_name  # the chip's DG13 name, diacritics kept
    assert a.record.provenance["full_name"] is Source.chip
    assert a.record.provenance["address"] is Source.chip


def test_trust_levels() -> None:
    qr, mrz, chip = _sources()
    assert assess([qr]).trust is TrustLevel.low
    assert assess([qr, mrz]).trust is TrustLevel.low
    assert assess([chip]).trust is TrustLevel.high
    unauthenticated = chip.changed(authenticated=False)
    assert assess([unauthenticated]).trust is TrustLevel.low
    assert {t.value for t in TrustLevel} >= {"low", "high", "person_bound"}


def test_printed_only_provenance_prefers_the_mrz_but_keeps_the_qr_name() -> None:
    qr, mrz, _ = _sources()
    merged = merge([qr, mrz])
    assert merged.full_name == qr.full_name  # with diacritics
    assert merged.provenance["birth_date"] is Source.mrz
    assert merged.provenance["expiry"] is Source.mrz  # the QR has none
    assert merged.provenance["address"] is Source.qr


def test_disagreements_are_listed_per_field() -> None:
    qr, mrz, chip = _sources()
    other = citizen(5)
    assert qr.birth_date is not None
    forged_qr = qr.changed(full_name=other.full_name, birth_date=qr.birth_date - timedelta(days=1))
    findings = {f.code: f for f in cross_check([forged_qr, mrz, chip])}
    assert "mismatch.full_name" in findings and "mismatch.birth_date" in findings
    assert findings["mismatch.full_name"].values["qr"] == other.full_name
    assert findings["mismatch.full_name"].values["chip"] == chip.full_name
    a = assess([forged_qr, mrz, chip])
    assert a.trust is TrustLevel.low  # a card whose print contradicts its chip is not trusted high


def test_id_and_sex_and_expiry_mismatches() -> None:
    qr, mrz, _ = _sources()
    other_id = mrz.changed(id12=citizen(6).id12)
    other_sex = mrz.changed(sex=Sex.female if mrz.sex is Sex.male else Sex.male)
    codes = {f.code for f in cross_check([qr, other_id])}
    assert "mismatch.id12" in codes
    codes = {f.code for f in cross_check([qr, other_sex])}
    assert {"mismatch.sex", "id.structure"} <= codes
    later = mrz.changed(expiry=(mrz.expiry or date.max) + timedelta(days=365))
    assert "mismatch.expiry" in {f.code for f in cross_check([mrz, later])}


def test_id_structure_against_birth_year_and_sex() -> None:
    # Digit 4 = 0 (male, 1900s), digits 5-6 = 90: a 1991 birth date or a female holder contradict it.
    r = IdentityRecord(id12="079090123456", source=Source.qr, birth_date=date(1991, 1, 1), sex=Sex.male)
    (f,) = cross_check([r])
    assert f.code == "id.structure" and "1990" in f.en
    r = IdentityRecord(id12="079090123456", source=Source.qr, birth_date=date(1990, 1, 1), sex=Sex.female)
    (f,) = cross_check([r])
    assert f.code == "id.structure"
    assert cross_check([r.changed(sex=Sex.male)]) == []


def test_expired_card() -> None:
    _, mrz, chip = _sources()
    today = vn_today()
    expired = mrz.changed(expiry=today - timedelta(days=1))
    (f,) = cross_check([expired], today=today)
    assert f.code == "card.expired"
    assert cross_check([expired.changed(expiry=today)], today=today) == []
    assert assess([chip.changed(expiry=today - timedelta(days=1))]).trust is TrustLevel.low
