"""A webcam frame from base64: strictly decoded, bounded, and re-encoded as JPEG for the evidence store
(one format to serve, whatever the camera sent)."""

from __future__ import annotations

import base64
import binascii

import cv2
import numpy as np

from exams.proctoring.exceptions import FrameInputError
from exams.schemas import FILE_MAX_BYTES
from identity.errors import FaceError
from identity.face.match import decode_image


def decode_frame(value: str) -> np.ndarray:
    try:
        data = base64.b64decode(value.encode("ascii"), validate=True)
    except (binascii.Error, ValueError, UnicodeEncodeError) as exc:
        raise FrameInputError(
            "input.base64", "Khung hình không phải base64 hợp lệ.", "The frame is not valid base64."
        ) from exc
    if not data:
        raise FrameInputError("input.empty", "Khung hình rỗng.", "The frame is empty.")
    if len(data) > FILE_MAX_BYTES:
        raise FrameInputError(
            "input.too_large",
            f"Khung hình quá lớn (tối đa {FILE_MAX_BYTES} byte).",
            f"The frame is too large (at most {FILE_MAX_BYTES} bytes).",
        )
    try:
        return decode_image(data, "frame")
    except FaceError as exc:
        raise FrameInputError(exc.code, exc.vi, exc.en) from exc


def jpeg(image: np.ndarray) -> bytes:
    ok, buf = cv2.imencode(".jpg", image, [cv2.IMWRITE_JPEG_QUALITY, 90])
    if not ok:  # pragma: no cover - a decoded BGR image always encodes
        raise RuntimeError("JPEG encoding failed")
    return bytes(buf.tobytes())
