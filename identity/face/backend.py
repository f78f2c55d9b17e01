"""Face backends: find faces with five landmarks, and embed one face as a vector compared by distance.

The five landmarks follow dlib's 5-point model: the outer and inner corner of the eye on the image's
right, the outer and inner corner of the eye on the image's left, then the base of the nose.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar

import numpy as np

from core.backends import Backend

Box = tuple[int, int, int, int]  # left, top, right, bottom
Point = tuple[float, float]


@dataclass(frozen=True)
class Face:
    box: Box
    landmarks: tuple[Point, Point, Point, Point, Point]

    @property
    def eyes(self) -> tuple[Point, Point]:
        """The centre of the eye on the image's left, then the one on the image's right."""
        p = self.landmarks
        right = ((p[0][0] + p[1][0]) / 2, (p[0][1] + p[1][1]) / 2)
        left = ((p[2][0] + p[3][0]) / 2, (p[2][1] + p[3][1]) / 2)
        return left, right

    @property
    def nose(self) -> Point:
        return self.landmarks[4]

    @property
    def eye_distance(self) -> float:
        (lx, ly), (rx, ry) = self.eyes
        return float(np.hypot(rx - lx, ry - ly))

    @property
    def yaw(self) -> float:
        """Head turn proxy: the nose's offset from the eyes' midpoint along the eye line, in eye
        distances (0 frontal; positive = nose towards the image's right)."""
        (lx, ly), (rx, ry) = self.eyes
        d = self.eye_distance or 1.0
        ux, uy = (rx - lx) / d, (ry - ly) / d
        nx, ny = self.nose[0] - (lx + rx) / 2, self.nose[1] - (ly + ry) / 2
        return (nx * ux + ny * uy) / d


class FaceBackend(Backend):
    """Finds faces in a BGR image and embeds one of them."""

    registry: ClassVar[dict[str, type[Any]]] = {}

    def detect(self, image: np.ndarray) -> list[Face]:
        raise NotImplementedError

    def embed(self, image: np.ndarray, face: Face) -> np.ndarray:
        raise NotImplementedError

    @staticmethod
    def distance(a: np.ndarray, b: np.ndarray) -> float:
        return float(np.linalg.norm(np.asarray(a, np.float64) - np.asarray(b, np.float64)))


def _digest(image: np.ndarray) -> str:
    return hashlib.sha256(np.ascontiguousarray(image).tobytes() + str(image.shape).encode()).hexdigest()


@dataclass
class FakeFaceBackend(FaceBackend):
    """For tests: each image is registered with the faces it holds and their embeddings; an unknown
    image holds no face."""

    name: ClassVar[str] = "fake"
    scripted: dict[str, list[tuple[Face, np.ndarray]]] = field(default_factory=dict)

    def register(
        self, image: np.ndarray, faces: Sequence[tuple[Face, Sequence[float] | np.ndarray]]
    ) -> np.ndarray:
        self.scripted[_digest(image)] = [(f, np.asarray(e, np.float64)) for f, e in faces]
        return image

    def detect(self, image: np.ndarray) -> list[Face]:
        return [f for f, _ in self.scripted.get(_digest(image), [])]

    def embed(self, image: np.ndarray, face: Face) -> np.ndarray:
        for f, e in self.scripted.get(_digest(image), []):
            if f == face:
                return e
        raise LookupError("face not registered with this image")


def load_backend(name: str) -> FaceBackend:
    """An instance of the backend called ``name`` (``dlib``, ``fake``)."""
    if name == "dlib":
        import identity.face.dlib_backend  # noqa: F401  (registers itself)
    backend: FaceBackend = FaceBackend.by_name(name)()
    return backend


def backend_from_settings() -> FaceBackend:
    """The backend named by ``TVP_IDENTITY_FACE_BACKEND`` (default ``dlib``)."""
    from core.config import get_settings

    return load_backend(get_settings().identity_face_backend)
