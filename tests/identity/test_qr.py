from __future__ import annotations

import random
from datetime import date

import numpy as np
import pytest
import zxingcpp

from identity.cccd import Sex
from identity.errors import IdentityError, QRError
from identity.fixtures.cards import PhotoConditions, photograph, render_front
from identity.qr import parse_qr_text, qr_text, read_qr_image
from tests.support.identity import citizen

# A payload written by hand in the card's layout (synthetic person), not produced by qr_text.
SEVEN = (
    "079099012345|023456789|Nguyễn Văn An|01011999|Nam|12 Lê Lợi, Phường Bến Nghé, Quận 1, TP Hồ Chí Minh"
    "|15062021"
)
SIX = "001185000001|Trần Thị Bình|15081985|Nữ|5 Hàng Bạc, Hoàn Kiếm, Hà Nội|02032022"


def test_seven_field_payload() -> None:
    r = parse_qr_text(SEVEN.encode("utf-8"))
    assert (r.id12, r.old_id, r.full_name) == ("079099012345", "023456789", "Nguyễn Văn An")
    assert (r.birth_date, r.sex, r.issue_date) == (date(1999, 1, 1), Sex.male, date(2021, 6, 15))
    assert r.address == "12 Lê Lợi, Phường Bến Nghé, Quận 1, TP Hồ Chí Minh"
    assert r.expiry is None and r.source == "qr" and not r.authenticated
    assert set(r.provenance) == {"id12", "old_id", "full_name", "birth_date", "sex", "address", "issue_date"}


def test_six_field_payload_and_empty_old_id() -> None:
    r = parse_qr_text(SIX)
    assert (r.id12, r.old_id, r.sex, r.birth_date) == ("001185000001", None, Sex.female, date(1985, 8, 15))
    empty_old = parse_qr_text(SEVEN.replace("|023456789|", "||"))
    assert empty_old.old_id is None


def test_decomposed_unicode_is_normalised() -> None:
    import unicodedata

    r = parse_qr_text(unicodedata.normalize("NFD", SIX))
    assert r.full_name == "Trần Thị Bình"
    assert r.sex is Sex.female


@pytest.mark.parametrize(
    ("payload", "code"),
    [
        (SEVEN[:40], "qr.truncated"),  # cut in the middle of the name
        ("079099012345|023456789|Nguyễn Văn An|01011999|Nam", "qr.truncated"),
        (SEVEN + "|extra|fields", "qr.fields"),
        (SEVEN.replace("079099012345", "07909901234"), "qr.id"),
        (SEVEN.replace("079099012345", "07909901234X"), "qr.id"),
        (SEVEN.replace("01011999", "31021999"), "qr.date"),  # 31 February
        (SEVEN.replace("|15062021", "|1506202"), "qr.date"),  # the last date truncated
        (SEVEN.replace("|Nam|", "|M|"), "qr.sex"),
        (SEVEN.replace("023456789", "0234"), "qr.old_id"),
        (SEVEN.replace("Nguyễn Văn An", " "), "qr.name"),
    ],
)
def test_broken_payloads(payload: str, code: str) -> None:
    with pytest.raises(QRError) as err:
        parse_qr_text(payload)
    assert err.value.code == code
    assert err.value.vi and err.value.en
    assert err.value.detail == {"code": code, "vi": err.value.vi, "en": err.value.en}


def test_garbled_bytes() -> None:
    with pytest.raises(QRError) as err:
        parse_qr_text(SEVEN.encode("utf-8")[:-40] + b"\xff\xfe" + SEVEN.encode("utf-8")[-38:])
    assert err.value.code == "qr.encoding"


def test_errors_are_app_errors() -> None:
    from core.errors import AppError

    assert issubclass(QRError, IdentityError) and issubclass(IdentityError, AppError)
    assert QRError("qr.x", "vi", "en").status_code == 422


def test_payload_round_trip() -> None:
    r = parse_qr_text(SEVEN)
    assert qr_text(r) == SEVEN
    assert parse_qr_text(qr_text(r, with_old_id=False)).old_id is None


def test_read_from_a_qr_image() -> None:
    image = np.array(zxingcpp.create_barcode(SEVEN.encode(), zxingcpp.BarcodeFormat.QRCode).to_image(scale=5))
    assert parse_qr_text(SEVEN) == read_qr_image(image)


def test_read_from_a_photo_of_the_card_front() -> None:
    c = citizen(0)
    photo = photograph(render_front(c), PhotoConditions.random(random.Random(3)), seed=3)
    r = read_qr_image(photo)
    assert (r.id12, r.full_name, r.birth_date, r.address) == (c.id12, c.full_name, c.birth_date, c.address)


def test_no_qr_in_image() -> None:
    with pytest.raises(QRError) as err:
        read_qr_image(np.full((200, 300, 3), 200, np.uint8))
    assert err.value.code == "qr.not_found"


def test_physically_truncated_qr_is_not_read() -> None:
    image = np.array(zxingcpp.create_barcode(SEVEN.encode(), zxingcpp.BarcodeFormat.QRCode).to_image(scale=5))
    with pytest.raises(QRError) as err:
        read_qr_image(image[:, : image.shape[1] // 2])
    assert err.value.code == "qr.not_found"


def test_a_qr_that_is_not_a_cccd() -> None:
    image = np.array(
        zxingcpp.create_barcode("https://example.invalid", zxingcpp.BarcodeFormat.QRCode).to_image(scale=5)
    )
    with pytest.raises(QRError) as err:
        read_qr_image(image)
    assert err.value.code == "qr.truncated"
