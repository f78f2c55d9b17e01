"""A simple liveness challenge: turn the head to one side and then the other across a few frames.

With the 5-point landmarks a blink cannot be measured (that needs the 68-point eye contours), so the
challenge is a head turn: the yaw proxy must pass ``turn_yaw`` on both sides, every frame must hold
exactly one sharp, big-enough face (pose not gated) and each face must be the first frame's person.
A printed photo held up to the camera cannot turn; a replayed video of a turn is not caught (no
presentation-attack detection here).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from identity.errors import FaceError
from identity.face.backend import FaceBackend
from identity.face.match import LiveFace, measure_live
from identity.face.policy import FacePolicy


@dataclass(frozen=True)
class LivenessResult:
    passed: bool
    code: str  # liveness.ok, liveness.no_turn, liveness.face_changed, liveness.too_few_frames
    yaws: tuple[float, ...]
    max_distance: float  # largest distance of a frame's face to the first frame's
    vi: str
    en: str

    def as_dict(self) -> dict[str, Any]:
        return {
            "passed": self.passed,
            "code": self.code,
            "yaws": [round(y, 3) for y in self.yaws],
            "max_distance": round(self.max_distance, 4),
            "vi": self.vi,
            "en": self.en,
        }


def head_turn(
    backend: FaceBackend,
    frames: Sequence[np.ndarray],
    policy: FacePolicy | None = None,
    *,
    first: LiveFace | None = None,
) -> LivenessResult:
    """Raises FaceQualityError for a frame without exactly one usable face. ``first``: the first
    frame's face as the match already measured it (its gates are a superset of these), not redone."""
    policy = policy or FacePolicy()
    if len(frames) < policy.min_frames:
        return LivenessResult(
            False,
            "liveness.too_few_frames",
            (),
            0.0,
            f"Cần ít nhất {policy.min_frames} khung hình.",
            f"At least {policy.min_frames} frames are needed.",
        )
    faces = [first if first is not None else measure_live(backend, frames[0], policy, pose=False)]
    faces += [measure_live(backend, frame, policy, pose=False) for frame in frames[1:]]
    yaws = [f.quality.yaw for f in faces]
    distances = [backend.distance(f.embedding, faces[0].embedding) for f in faces]
    far = max(distances)
    if far > policy.max_distance:
        return LivenessResult(
            False,
            "liveness.face_changed",
            tuple(yaws),
            far,
            "Khuôn mặt thay đổi giữa các khung hình.",
            "The face changed between the frames.",
        )
    if min(yaws) > -policy.turn_yaw or max(yaws) < policy.turn_yaw:
        return LivenessResult(
            False,
            "liveness.no_turn",
            tuple(yaws),
            far,
            "Chưa thấy quay đầu sang trái rồi sang phải.",
            "No head turn to the left and then the right was seen.",
        )
    return LivenessResult(
        True, "liveness.ok", tuple(yaws), far, "Đã xác nhận người thật.", "Liveness confirmed."
    )


def require_passed(result: LivenessResult) -> LivenessResult:
    if not result.passed:
        raise FaceError(result.code, result.vi, result.en, yaws=list(result.yaws))
    return result
