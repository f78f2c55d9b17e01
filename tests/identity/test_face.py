from __future__ import annotations

import random
from functools import cache

import numpy as np
import pytest

from identity.chip.reader import read_chip
from identity.crosscheck import source_trust
from identity.errors import FaceError, FaceQualityError
from identity.face.backend import Face, FaceBackend, FakeFaceBackend, backend_from_settings, load_backend
from identity.face.liveness import head_turn, require_passed
from identity.face.match import match_face, prepare_reference
from identity.face.policy import FacePolicy
from identity.face.verdict import person_trust, verify_person
from identity.fixtures import faces as F
from identity.record import TrustLevel
from tests.support.identity import citizen, pki
from tests.support.threads import hammer_in_child


@cache
def dlib() -> FaceBackend:
    return load_backend("dlib")


def live(key: str = "hopper", factor: float = 0.75) -> np.ndarray:
    """A webcam-sized frame of the person."""
    return F.on_canvas(F.scale(F.portrait(key), factor))


@cache
def hopper_chip() -> bytes:
    return F.chip_photo(F.portrait("hopper"))


def test_the_package_shipped_faces_are_there() -> None:
    assert {p.key for p in F.available()} >= {"hopper", "zidane_right"}


def test_same_person_matches_the_chip_photo() -> None:
    frame, _ = F.augment(F.portrait("hopper"), random.Random(3))
    result = match_face(dlib(), F.on_canvas(frame), hopper_chip())
    assert result.matched and result.distance < 0.35
    shown = result.as_dict()
    assert shown["matched"] is True and set(shown) == {"distance", "threshold", "matched", "quality"}


def test_different_person_does_not_match() -> None:
    result = match_face(dlib(), live("zidane_right", 1.0), hopper_chip())
    assert not result.matched and result.distance > 0.6


def test_the_threshold_comes_from_the_policy() -> None:
    frame = live()
    loose = match_face(dlib(), frame, hopper_chip(), FacePolicy(max_distance=0.6))
    strict = match_face(dlib(), frame, hopper_chip(), FacePolicy(max_distance=loose.distance / 2))
    assert loose.matched and not strict.matched and strict.distance == pytest.approx(loose.distance)


def _gate(image: np.ndarray) -> str:
    with pytest.raises(FaceQualityError) as exc:
        match_face(dlib(), image, hopper_chip())
    return exc.value.code


def test_gate_no_face() -> None:
    assert _gate(np.full((480, 640, 3), 128, np.uint8)) == "face.none"


def test_gate_several_faces() -> None:
    two = F.side_by_side(F.scale(F.portrait("hopper"), 0.6), F.portrait("zidane_right"))
    assert _gate(two) == "face.several"


def test_gate_too_small() -> None:
    assert _gate(live(factor=0.45)) == "face.too_small"


def test_gate_blurred() -> None:
    assert _gate(F.blur(live(), 4)) == "face.blurred"


def test_gate_turned() -> None:
    frame = live()
    face = dlib().detect(frame)[0]
    assert _gate(F.turned(frame, face.nose, -45, face.eye_distance * 0.6)) == "face.turned"


def test_a_gate_error_carries_both_languages_and_the_measure() -> None:
    with pytest.raises(FaceQualityError) as exc:
        match_face(dlib(), F.blur(live(), 4), hopper_chip())
    assert exc.value.vi and exc.value.en and exc.value.context["sharpness"] < FacePolicy().min_sharpness


def test_unreadable_chip_photo() -> None:
    with pytest.raises(FaceError) as exc:
        match_face(dlib(), live(), b"not a jpeg")
    assert exc.value.code == "face.image_unreadable"


def _turns(shifts: list[int]) -> list[np.ndarray]:
    frame = live()
    face = dlib().detect(frame)[0]
    return [F.turned(frame, face.nose, s, face.eye_distance * 0.6) if s else frame for s in shifts]


def test_liveness_passes_a_head_turn() -> None:
    result = require_passed(head_turn(dlib(), _turns([0, -40, 0, 40])))
    assert result.code == "liveness.ok" and min(result.yaws) < -0.15 < 0.15 < max(result.yaws)


def test_liveness_fails_a_static_face() -> None:
    result = head_turn(dlib(), _turns([0, 0, 0, 0]))
    assert not result.passed and result.code == "liveness.no_turn"
    with pytest.raises(FaceError):
        require_passed(result)


def test_liveness_fails_a_one_sided_turn() -> None:
    assert head_turn(dlib(), _turns([0, 40, 40])).code == "liveness.no_turn"


def test_liveness_fails_when_the_face_changes() -> None:
    frames = _turns([0, -40, 40])
    frames[1] = live("zidane_right", 1.0)
    assert head_turn(dlib(), frames).code == "liveness.face_changed"


def test_liveness_needs_enough_frames() -> None:
    assert head_turn(dlib(), _turns([0])).code == "liveness.too_few_frames"


def _face(yaw_px: float = 0.0) -> Face:
    # eye distance 60 px; the nose moved by yaw_px from the eyes' midpoint
    return Face((100, 100, 260, 260), ((230, 150), (210, 150), (150, 150), (170, 150), (190 + yaw_px, 200)))


def _textured(seed: int) -> np.ndarray:
    return np.random.default_rng(seed).integers(0, 255, (480, 640, 3), dtype=np.uint8)


def test_an_unknown_backend_is_refused() -> None:
    from core.backends import UnknownBackend

    with pytest.raises(UnknownBackend):
        load_backend("nope")


def test_fake_backend_scripts_faces_and_embeddings() -> None:
    fake = load_backend("fake")
    assert isinstance(fake, FakeFaceBackend)
    me, other = np.zeros(128), np.full(128, 0.1)  # distance 0.1·√128 ≈ 1.13
    frame = fake.register(_textured(1), [(_face(), me)])
    chip = fake.register(_textured(2), [(_face(), me)])
    stranger = fake.register(_textured(3), [(_face(), other)])
    assert match_face(fake, frame, chip).distance == 0.0
    assert not match_face(fake, frame, stranger).matched
    assert fake.detect(_textured(4)) == []
    assert _face(12).yaw == pytest.approx(0.2) and _face(-6).yaw == pytest.approx(-0.1)


def test_fake_backend_liveness() -> None:
    fake = FakeFaceBackend()
    frames = [
        fake.register(_textured(10 + i), [(_face(s), np.zeros(128))]) for i, s in enumerate([0, -12, 12])
    ]
    assert head_turn(fake, frames).passed
    static = [fake.register(_textured(20 + i), [(_face(), np.zeros(128))]) for i in range(3)]
    assert not head_turn(fake, static).passed


def test_trust_is_person_bound_only_after_a_passed_match() -> None:
    c = citizen(0)
    read = read_chip(pki().chip(c, face=hopper_chip()), pki().trust)
    assert read.face_image is not None
    card = source_trust([read.record])
    assert card is TrustLevel.high
    same = match_face(dlib(), live(), read.face_image)
    other = match_face(dlib(), live("zidane_right", 1.0), read.face_image)
    turn = head_turn(dlib(), _turns([0, -40, 0, 40]))
    static = head_turn(dlib(), _turns([0, 0, 0]))
    assert person_trust(card, same, turn) is TrustLevel.person_bound
    assert person_trust(card, other, turn) is TrustLevel.high
    assert person_trust(card, None) is TrustLevel.high
    assert person_trust(card, same, static) is TrustLevel.high
    assert person_trust(card, same, None) is TrustLevel.high
    assert person_trust(card, same, None, FacePolicy(require_liveness=False)) is TrustLevel.person_bound
    assert person_trust(TrustLevel.low, same, turn) is TrustLevel.low  # printed card only: no chip photo


def test_policy_from_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    from core.config import get_settings

    monkeypatch.setenv("TVP_IDENTITY_FACE_MAX_DISTANCE", "0.42")
    monkeypatch.setenv("TVP_IDENTITY_FACE_LIVENESS", "false")
    monkeypatch.setenv("TVP_IDENTITY_FACE_BACKEND", "fake")
    get_settings.cache_clear()
    try:
        policy = FacePolicy.from_settings()
        backend = backend_from_settings()
    finally:
        monkeypatch.delenv("TVP_IDENTITY_FACE_BACKEND")
        monkeypatch.delenv("TVP_IDENTITY_FACE_MAX_DISTANCE")
        monkeypatch.delenv("TVP_IDENTITY_FACE_LIVENESS")
        get_settings.cache_clear()
    assert policy.max_distance == 0.42 and not policy.require_liveness
    assert isinstance(backend, FakeFaceBackend)


def test_verify_person_binds_the_turning_face_to_the_chip() -> None:
    frames = _turns([0, -40, 0, 40])
    verdict = verify_person(dlib(), TrustLevel.high, hopper_chip(), frames)
    assert verdict.trust is TrustLevel.person_bound
    assert verdict.liveness is not None and verdict.liveness.passed
    shown = verdict.as_dict()
    assert shown["trust"] == "person_bound" and "embedding" not in str(shown)

    stranger = verify_person(dlib(), TrustLevel.high, F.chip_photo(F.portrait("zidane_right")), frames)
    assert stranger.trust is TrustLevel.high and not stranger.match.matched and stranger.liveness is None

    still = verify_person(
        dlib(), TrustLevel.high, prepare_reference(dlib(), hopper_chip()), _turns([0, 0, 0])
    )
    assert still.match.matched and still.liveness is not None and not still.liveness.passed
    assert still.trust is TrustLevel.high


def test_a_chip_photo_without_a_face_is_refused() -> None:
    blank = F.jpeg(np.full((320, 240, 3), 200, np.uint8))
    with pytest.raises(FaceError) as exc:
        match_face(dlib(), live(), blank)
    assert exc.value.code == "face.reference.none"


class CountingBackend(FakeFaceBackend):
    def __init__(self) -> None:
        super().__init__()
        self.detected: list[int] = []
        self.embedded: list[int] = []

    def detect(self, image: np.ndarray) -> list[Face]:
        self.detected.append(id(image))
        return super().detect(image)

    def embed(self, image: np.ndarray, face: Face) -> np.ndarray:
        self.embedded.append(id(image))
        return super().embed(image, face)


def test_verify_person_measures_each_image_once() -> None:
    fake = CountingBackend()
    me = np.zeros(128)
    chip = fake.register(_textured(30), [(_face(), me)])
    frames = [fake.register(_textured(31 + i), [(_face(s), me)]) for i, s in enumerate([0, -12, 12])]
    verdict = verify_person(fake, TrustLevel.high, chip, frames)
    assert verdict.trust is TrustLevel.person_bound
    images = [id(chip), *map(id, frames)]
    assert sorted(fake.detected) == sorted(images) and sorted(fake.embedded) == sorted(images)


def test_liveness_checks_the_first_frame_when_no_match_measured_it() -> None:
    fake = CountingBackend()
    frames = [
        fake.register(_textured(40 + i), [(_face(s), np.zeros(128))]) for i, s in enumerate([0, -12, 12])
    ]
    frames[0] = _textured(99)  # no face registered: the first frame holds none
    with pytest.raises(FaceQualityError) as exc:
        head_turn(fake, frames)
    assert exc.value.code == "face.none"


def test_faces_found_and_embedded_from_many_threads_at_once() -> None:
    # dlib's models keep working buffers inside: shared by the server's worker threads they gave one
    # check-in another's faces, or corrupted the heap and killed `tvp serve` (SIGABRT).
    done = hammer_in_child(
        """
        from identity.face.backend import load_backend
        from identity.fixtures import faces as F

        backend = load_backend("dlib")
        frames = [F.on_canvas(F.scale(F.portrait(k), 0.75)) for k in ("hopper", "zidane_right")]

        def work():
            return [
                [(f.box, backend.embed(x, f).round(6).tolist()) for f in backend.detect(x)] for x in frames
            ]
        """,
        rounds=4,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert done.stdout.split() == ["ok", "2"]
