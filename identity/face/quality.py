"""Quality gates on a live frame: exactly one face, big enough, sharp enough, facing the camera."""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from identity.errors import FaceQualityError
from identity.face.backend import Face
from identity.face.policy import FacePolicy

CROP_SIZE = 128  # the face box is scaled to this square before measuring sharpness (size-independent)


def sharpness(image: np.ndarray, face: Face) -> float:
    """Variance of the Laplacian over the face box, scaled to CROP_SIZE²."""
    h, w = image.shape[:2]
    left, top, right, bottom = face.box
    crop = image[max(top, 0) : min(bottom, h), max(left, 0) : min(right, w)]
    if crop.size == 0:
        return 0.0
    grey = cv2.cvtColor(crop, cv2.COLOR_BGR2GRAY) if crop.ndim == 3 else crop
    grey = cv2.resize(grey, (CROP_SIZE, CROP_SIZE), interpolation=cv2.INTER_AREA)
    return float(cv2.Laplacian(grey, cv2.CV_64F).var())


@dataclass(frozen=True)
class FrameQuality:
    face: Face
    eye_distance: float
    sharpness: float
    yaw: float

    def as_dict(self) -> dict[str, float]:
        return {
            "eye_distance": round(self.eye_distance, 1),
            "sharpness": round(self.sharpness, 1),
            "yaw": round(self.yaw, 3),
        }


def count_gate(faces: list[Face]) -> Face:
    if not faces:
        raise FaceQualityError(
            "face.none",
            "Không thấy khuôn mặt nào trong khung hình.",
            "No face is visible in the frame.",
        )
    if len(faces) > 1:
        raise FaceQualityError(
            "face.several",
            f"Có {len(faces)} khuôn mặt trong khung hình; chỉ thí sinh được ở trước camera.",
            f"{len(faces)} faces are in the frame; only the candidate may face the camera.",
            faces=len(faces),
        )
    return faces[0]


def check_frame(
    image: np.ndarray, faces: list[Face], policy: FacePolicy, *, pose: bool = True
) -> FrameQuality:
    """The one face of ``image`` if it passes every gate, else FaceQualityError with the first
    failing gate's code. ``pose=False`` skips the pose gate (liveness frames are turned on purpose)."""
    face = count_gate(faces)
    q = FrameQuality(face, face.eye_distance, sharpness(image, face), face.yaw)
    if q.eye_distance < policy.min_eye_distance:
        raise FaceQualityError(
            "face.too_small",
            "Khuôn mặt quá nhỏ: hãy lại gần camera hơn.",
            "The face is too small: come closer to the camera.",
            **q.as_dict(),
        )
    if q.sharpness < policy.min_sharpness:
        raise FaceQualityError(
            "face.blurred",
            "Ảnh bị mờ: hãy giữ yên và lau ống kính camera.",
            "The image is blurred: hold still and clean the camera lens.",
            **q.as_dict(),
        )
    if pose and abs(q.yaw) > policy.max_yaw:
        raise FaceQualityError(
            "face.turned",
            "Hãy nhìn thẳng vào camera.",
            "Look straight at the camera.",
            **q.as_dict(),
        )
    return q
