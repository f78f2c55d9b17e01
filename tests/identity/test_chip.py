from __future__ import annotations

import hashlib
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import cv2
import numpy as np
import pytest

from core.time import utc_now
from identity.chip.datagroups import decode_dg1, decode_dg13, encode_dg1
from identity.chip.passive_auth import check_data_groups, passive_authenticate, verify_chain, verify_sod
from identity.chip.reader import ChipData, read_chip
from identity.chip.trust import TrustStore
from identity.errors import ChipDataError, IdentityError, PassiveAuthFailed
from identity.fixtures.chip import EXPECTED_CODE, TAMPERINGS, tamper_byte, tampered
from identity.fixtures.pki import make_csca, make_dsc, make_sod
from identity.record import Source
from tests.identity import bsi_vectors as bsi
from tests.support.identity import citizen, ec_pki, pki


def test_genuine_chip_reads_as_an_authenticated_record() -> None:
    c = citizen(0)
    read = read_chip(pki().chip(c), pki().trust)
    r = read.record
    assert r.source is Source.chip and r.authenticated
    assert (r.id12, r.full_name, r.birth_date, r.sex, r.expiry) == (
        c.id12,
        c.full_name,
        c.birth_date,
        c.sex,
        c.expiry,
    )
    assert (r.address, r.issue_date, r.old_id) == (c.address, c.issue_date, c.old_id)
    assert read.auth.data_groups == (1, 2, 13)
    assert read.auth.signature_algorithm == "rsassa_pss" and read.auth.hash_algorithm == "sha256"
    assert "CSCA VN TEST" in read.auth.csca_subject
    face = cv2.imdecode(np.frombuffer(read.face_image or b"", np.uint8), cv2.IMREAD_COLOR)
    assert face is not None and face.shape[:2] == (320, 240)


def test_ecdsa_and_pkcs1_signers() -> None:
    c = citizen(1)
    assert read_chip(ec_pki().chip(c), ec_pki().trust).auth.signature_algorithm == "sha256_ecdsa"
    rsa_v15 = make_dsc(pki().csca, pss=False)
    chip = pki().chip(c, dsc=rsa_v15, pss=False)
    assert read_chip(chip, pki().trust).auth.signature_algorithm == "sha256_rsa"


@pytest.mark.parametrize("kind", TAMPERINGS)
def test_each_forgery_fails_with_its_own_code(kind: str) -> None:
    c = citizen(2)
    genuine = pki().chip(c)
    with pytest.raises(PassiveAuthFailed) as err:
        read_chip(tampered(genuine, pki(), kind, c), pki().trust)
    assert err.value.code == EXPECTED_CODE[kind]
    assert err.value.vi and err.value.en


def test_codes_are_distinct_per_failure_mode() -> None:
    assert (
        len({EXPECTED_CODE[k] for k in ("signature", "sod_hashes", "foreign_csca", "expired_dsc", "dg1")})
        == 5
    )


def test_wrong_csca_in_the_store() -> None:
    other = make_csca(name="CSCA VN TEST")  # same name, other key
    with pytest.raises(PassiveAuthFailed) as err:
        read_chip(pki().chip(citizen(0)), TrustStore((other.cert,)))
    assert err.value.code == "chip.csca_untrusted"


def test_empty_trust_store() -> None:
    with pytest.raises(PassiveAuthFailed) as err:
        read_chip(pki().chip(citizen(0)), TrustStore(()))
    assert err.value.code == "chip.csca_untrusted"


def test_dsc_not_yet_valid_and_csca_expired() -> None:
    c = citizen(0)
    future = make_dsc(pki().csca, valid_from=utc_now() + timedelta(days=30))
    with pytest.raises(PassiveAuthFailed) as err:
        read_chip(pki().chip(c, dsc=future), pki().trust)
    assert err.value.code == "chip.dsc_not_yet_valid"
    with pytest.raises(PassiveAuthFailed) as err:
        read_chip(pki().chip(c), pki().trust, at=utc_now() + timedelta(days=20 * 365))
    assert err.value.code == "chip.dsc_expired"


def test_data_group_not_listed_in_the_sod() -> None:
    c = citizen(0)
    chip = pki().chip(c)
    signed_without_dg13 = make_sod({1: chip.dg1, 2: chip.dg2 or b""}, pki().dsc)
    with pytest.raises(PassiveAuthFailed) as err:
        read_chip(replace(chip, sod=signed_without_dg13), pki().trust)
    assert err.value.code == "chip.dg_unlisted"


def test_dg1_is_required_and_garbage_sod_is_a_data_error() -> None:
    chip = pki().chip(citizen(0))
    with pytest.raises(ChipDataError) as err:
        passive_authenticate({2: chip.dg2 or b""}, chip.sod, pki().trust)
    assert err.value.code == "chip.dg1.missing"
    with pytest.raises(ChipDataError) as err:
        read_chip(replace(chip, sod=chip.sod[:100]), pki().trust)
    assert err.value.code == "chip.sod.format"


def test_trust_store_from_a_folder(tmp_path: Path) -> None:
    folder = pki().write_trust_dir(tmp_path / "csca")
    (folder / "notes.pem").write_text("not a certificate")
    (folder / "dsc.pem").write_bytes(pki().dsc.pem())  # not a CA: skipped
    store = TrustStore.from_dir(folder)
    assert [c.subject for c in store.cscas] == [pki().csca.cert.subject]
    assert read_chip(pki().chip(citizen(0)), store).record.authenticated
    assert TrustStore.from_dir(tmp_path / "missing").cscas == ()


def test_trust_store_from_settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from core.config import reset_settings

    monkeypatch.setenv("TVP_IDENTITY_CSCA_DIR", str(pki().write_trust_dir(tmp_path / "store")))
    reset_settings()
    try:
        assert read_chip(pki().chip(citizen(0))).record.authenticated
    finally:
        monkeypatch.delenv("TVP_IDENTITY_CSCA_DIR")
        reset_settings()


def test_data_group_codecs() -> None:
    c = citizen(3)
    chip = pki().chip(c)
    assert decode_dg1(chip.dg1)[0].startswith("IDVNM")
    assert decode_dg13(chip.dg13 or b"").get("address") == c.address
    with pytest.raises(ChipDataError) as err:
        decode_dg1(encode_dg1("I<UTO"))
    assert err.value.code == "chip.dg1.format"
    with pytest.raises(IdentityError):
        decode_dg13(b"\x6d\x03\x02\x01\x01")


# --- published vectors (BSI TR-03105-5): code other than ours produced these bytes ----------------


def test_bsi_sod_signature_and_hashes_verify() -> None:
    signed = verify_sod(bsi.SOD)  # messageDigest + RSASSA-PSS signature with the DSC inside
    assert signed.signature_algorithm == "rsassa_pss" and signed.hash_algorithm == "sha256"
    assert sorted(signed.hashes) == [1, 2, 3, 4, 14]
    assert signed.hashes[1] == bsi.DG1_SHA256 and signed.hashes[14] == bsi.DG14_SHA256
    assert signed.dsc.subject.rfc4514_string().startswith("CN=HJP PB DS")
    check_data_groups(signed, {1: bsi.DG1, 14: bsi.DG14})
    assert hashlib.sha256(bsi.DG1).digest() == bsi.DG1_SHA256


def test_bsi_tampered_dg_and_signature_are_rejected() -> None:
    signed = verify_sod(bsi.SOD)
    with pytest.raises(PassiveAuthFailed) as err:
        check_data_groups(signed, {1: tamper_byte(bsi.DG1)})
    assert err.value.code == "chip.dg_hash"
    # The signature is the SOD's last 256 bytes.
    with pytest.raises(PassiveAuthFailed) as err:
        verify_sod(tamper_byte(bsi.SOD, -1))
    assert err.value.code == "chip.signature"


def test_bsi_dsc_is_not_trusted_by_our_store_and_is_expired() -> None:
    signed = verify_sod(bsi.SOD)
    with pytest.raises(PassiveAuthFailed) as err:
        verify_chain(signed.dsc, pki().trust, datetime(2014, 6, 1, tzinfo=UTC))
    assert err.value.code == "chip.csca_untrusted"
    assert signed.dsc.not_valid_after_utc < utc_now()


def test_chip_data_groups_mapping() -> None:
    chip = ChipData(dg1=b"1", sod=b"s", dg13=b"13")
    assert chip.data_groups() == {1: b"1", 13: b"13"}
