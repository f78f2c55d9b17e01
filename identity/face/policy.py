"""The thresholds of one face-check policy (a desk check-in, an online exam re-check…)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class FacePolicy:
    # Match: Euclidean distance between 128-d dlib embeddings. dlib's own threshold is 0.6; an ID
    # check wants fewer false accepts (see bench/identity_face.py for the FAR/FRR this gives).
    max_distance: float = 0.5
    # Quality gates on a live frame.
    min_eye_distance: float = 45.0  # px between the eye centres
    min_sharpness: float = 40.0  # variance of the Laplacian of the face crop scaled to CROP_SIZE
    max_yaw: float = 0.2  # |nose offset from the eyes' midpoint| in eye distances
    # Liveness (head turn): the yaw must pass this on each side across the frames.
    turn_yaw: float = 0.15
    min_frames: int = 3
    require_liveness: bool = True

    @classmethod
    def from_settings(cls) -> FacePolicy:
        from core.config import get_settings

        s = get_settings()
        return cls(max_distance=s.identity_face_max_distance, require_liveness=s.identity_face_liveness)
