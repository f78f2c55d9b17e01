from __future__ import annotations

import random

import numpy as np
import pytest

from identity.errors import MRZError
from identity.fixtures.cards import PhotoConditions, mrz_lines, photograph, render_back
from identity.mrz import check_digit
from identity.mrz_cells import PLAN, names_end, tidy_names
from identity.mrz_ocr import ALPHABET, LAYOUT, MRZReader, constrained_decode, fold
from tests.support.identity import citizen


@pytest.fixture(scope="module")
def reader() -> MRZReader:
    return MRZReader()


def test_mrz_read_from_a_rendered_photo(reader: MRZReader) -> None:
    c = citizen(0)
    cond = PhotoConditions(
        tilt_deg=-6.0,
        perspective=0.04,
        blur_sigma=1.2,
        light_gradient=0.35,
        brightness=0.85,
        noise=4.0,
        jpeg_quality=70,
    )
    read = reader.read(photograph(render_back(c, seed=1), cond, seed=1))
    assert list(read.lines) == mrz_lines(c)
    assert (read.record.id12, read.record.birth_date, read.record.expiry) == (c.id12, c.birth_date, c.expiry)


def test_an_altered_card_fails_its_check_digit(reader: MRZReader) -> None:
    c = citizen(1)
    lines = mrz_lines(c)
    wrong = str((int(check_digit(lines[1][0:6])) + 1) % 10)  # a birth check digit that does not fit
    altered = [lines[0], lines[1][:6] + wrong + lines[1][7:], lines[2]]
    cond = PhotoConditions(0.0, 0.0, 0.5, 0.1, 1.0, 1.0, 90)
    with pytest.raises(MRZError) as err:
        reader.read(photograph(render_back(c, mrz=altered), cond))
    assert err.value.code == "mrz.check_digit.birth_date"


def test_no_mrz_in_the_image(reader: MRZReader) -> None:
    with pytest.raises(MRZError) as err:
        reader.read(np.full((480, 640, 3), 180, np.uint8))
    assert err.value.code == "mrz.not_found"


def _frames(text: str, confuse: dict[str, str] | None = None) -> np.ndarray:
    """Frame probabilities spelling ``text`` (each character 2 frames, a blank between), with
    ``confuse`` putting most of a character's mass on a look-alike."""
    rows = []
    for ch in text:
        p = np.full(1 + len(ALPHABET), 0.001)
        shown = (confuse or {}).get(ch, ch)
        p[1 + ALPHABET.index(shown)] = 0.9
        rows += [p / p.sum()] * 2
        blank = np.full(1 + len(ALPHABET), 0.001)
        blank[0] = 0.95
        rows.append(blank / blank.sum())
    return np.array(rows)


def test_constrained_decode_keeps_repeats_and_length() -> None:
    probs = _frames("AB<<<C")
    text, _ = constrained_decode(probs, ["ABC<"] * 6) or ("", 0)
    assert text == "AB<<<C"
    assert constrained_decode(probs[:3], ["A"] * 6) is None  # too few frames for six characters


def test_look_alikes_fold_only_where_the_type_forces_it() -> None:
    probs = _frames("0O", confuse={"O": "0"})  # the model reads both as zero
    assert constrained_decode(probs, ["0123456789", "ABCDEFGHIJKLMNOPQRSTUVWXYZ"])[0] == "0O"  # type: ignore[index]
    assert constrained_decode(probs, ["0123456789", "0123456789"])[0] == "00"  # type: ignore[index]
    assert np.isneginf(fold(probs, "ABC")[:, ALPHABET.index("0")]).all()


def test_plan_leaves_out_only_filler_cells() -> None:
    for layout, plan in zip(LAYOUT, PLAN, strict=True):
        covered = {i for a, b in plan for i in range(a, b)}
        assert all(layout[i] == "<" for i in range(30) if i not in covered)


def test_names_end_at_the_second_double_filler() -> None:
    assert tidy_names("HOANG<<THANH<PHUC<<<<A<A<A<AAA") == "HOANG<<THANH<PHUC<<<<<<<<<<<<<"
    assert tidy_names("LE<<AN<<<<<<<<<<<<<<<<<<<<<<<<") == "LE<<AN<<<<<<<<<<<<<<<<<<<<<<<<"
    assert tidy_names("NGUYEN<VAN<AN<<<<<<<<<<<<<<<<<") == "NGUYEN<VAN<AN<<<<<<<<<<<<<<<<<"


def test_where_the_names_end() -> None:
    assert names_end("LE<<BAO<MAI<<<<<<<<<<<<<<<<<<<") == 11
    assert names_end("NGUYEN<<VAN<AN<<<<<<<<<<<<<<<<") == 14
    assert names_end("A" * 30) is None


def test_random_photos(reader: MRZReader) -> None:
    for i in (2, 3):
        c = citizen(i)
        photo = photograph(render_back(c, seed=i), PhotoConditions.random(random.Random(i)), seed=i)
        assert list(reader.read(photo).lines) == mrz_lines(c)


def test_deskew_levels_a_tilted_block() -> None:
    import cv2

    from identity.mrz_cells import deskew, split_rows

    block = render_back(citizen(0))[360:540, 30:830]
    h, w = block.shape[:2]
    turned = cv2.warpAffine(
        block, cv2.getRotationMatrix2D((w / 2, h / 2), 1.5, 1.0), (w, h), borderMode=cv2.BORDER_REPLICATE
    )
    level = max(r.shape[0] for _, r in split_rows(block))
    assert max(r.shape[0] for _, r in split_rows(turned)) > level + 5  # a slanted row is taller
    rows = split_rows(deskew(turned))
    assert len(rows) == 3 and max(r.shape[0] for _, r in rows) <= level + 2
