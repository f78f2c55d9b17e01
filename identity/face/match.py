"""Compare the face in a live frame with the chip's DG2 photo.

The result keeps the measured distance and the decision; embeddings and images live only inside the
call (nothing biometric is returned or stored).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import cv2
import numpy as np

from identity.errors import FaceError
from identity.face.backend import FaceBackend
from identity.face.policy import FacePolicy
from identity.face.quality import FrameQuality, check_frame, count_gate


def decode_image(data: bytes, what: str = "chip photo") -> np.ndarray:
    """A BGR image from JPEG / JPEG 2000 / PNG bytes."""
    image = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_COLOR) if data else None
    if image is None:
        raise FaceError(
            "face.image_unreadable",
            f"Không đọc được ảnh ({what}).",
            f"The {what} cannot be decoded.",
        )
    return image


def reference_embedding(backend: FaceBackend, photo: np.ndarray) -> np.ndarray:
    """The embedding of the one face in the chip photo (no quality gates: the card photo is what it is)."""
    try:
        face = count_gate(backend.detect(photo))
    except FaceError as exc:
        raise FaceError(
            "face.reference." + exc.code.rsplit(".", 1)[-1],
            "Ảnh trong chip không có đúng một khuôn mặt.",
            f"The chip photo does not hold exactly one face ({exc.code}).",
        ) from exc
    return backend.embed(photo, face)


@dataclass(frozen=True)
class ChipFace:
    """The chip photo's face embedding, made once per attempt (it can be made as soon as the card is
    read, while the candidate turns to the camera) and dropped with the attempt."""

    embedding: np.ndarray = field(repr=False)


def prepare_reference(backend: FaceBackend, chip_photo: bytes | np.ndarray) -> ChipFace:
    photo = decode_image(chip_photo) if isinstance(chip_photo, bytes) else chip_photo
    return ChipFace(reference_embedding(backend, photo))


@dataclass(frozen=True)
class LiveFace:
    """A live frame's gated face and its embedding, measured once per attempt: the match and the
    liveness challenge share the first frame's (the embedding is dropped with the attempt)."""

    quality: FrameQuality
    embedding: np.ndarray = field(repr=False)


def measure_live(
    backend: FaceBackend, frame: np.ndarray, policy: FacePolicy, *, pose: bool = True
) -> LiveFace:
    """Raises FaceQualityError for a frame that fails a gate (``pose=False``: the pose gate skipped)."""
    quality = check_frame(frame, backend.detect(frame), policy, pose=pose)
    return LiveFace(quality, backend.embed(frame, quality.face))


@dataclass(frozen=True)
class MatchResult:
    distance: float
    threshold: float
    quality: FrameQuality

    @property
    def matched(self) -> bool:
        return self.distance <= self.threshold

    def as_dict(self) -> dict[str, Any]:
        return {
            "distance": round(self.distance, 4),
            "threshold": self.threshold,
            "matched": self.matched,
            "quality": self.quality.as_dict(),
        }


def match_face(
    backend: FaceBackend,
    live: np.ndarray,
    chip_photo: bytes | np.ndarray | ChipFace,
    policy: FacePolicy | None = None,
) -> MatchResult:
    """Gate the live frame, then measure its face's distance to the chip photo's face.

    Raises FaceQualityError for a frame that fails a gate, FaceError for an unusable chip photo.
    """
    policy = policy or FacePolicy()
    return match_live(backend, measure_live(backend, live, policy), chip_photo, policy)


def match_live(
    backend: FaceBackend, live: LiveFace, chip_photo: bytes | np.ndarray | ChipFace, policy: FacePolicy
) -> MatchResult:
    """The distance of an already measured live face to the chip photo's face."""
    ref = chip_photo if isinstance(chip_photo, ChipFace) else prepare_reference(backend, chip_photo)
    return MatchResult(backend.distance(live.embedding, ref.embedding), policy.max_distance, live.quality)
