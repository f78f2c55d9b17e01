"""Frames must have the size the camera file was drawn for.

Geometry (lines, zones, light region, calibration) is in pixels of the configured resolution; a frame
of another size would put every line in the wrong place, so it is refused rather than stretched. When
only the scale differs (same aspect), the message says by how much, so the operator can redraw or
rescale the file: silently scaling would also scale a light region or calibration drawn for the
full-size picture, which we cannot check here.
"""

from __future__ import annotations

import numpy as np

from detection.camera_config import CameraConfig
from detection.sources import SourceError


class FrameSizeError(SourceError):
    """A frame's size differs from the camera file's resolution."""


def frame_size_problem(config: CameraConfig, image: np.ndarray) -> str | None:
    height, width = image.shape[:2]
    want_w, want_h = config.camera.resolution
    if (width, height) == (want_w, want_h):
        return None
    message = (
        f"camera {config.camera.id}: frames are {width}×{height} but the camera file's "
        f"camera.resolution is {want_w}×{want_h}; its geometry would land in the wrong place"
    )
    if abs(width / height - want_w / want_h) < 0.01:
        return (
            f"{message} (same aspect, scale {width / want_w:.3g}: multiply every point by it and set "
            f"resolution: [{width}, {height}], or use the full-size stream)"
        )
    return f"{message} (aspect {width / height:.3f} vs {want_w / want_h:.3f}: a different camera or crop?)"


def check_frame_size(config: CameraConfig, image: np.ndarray) -> None:
    problem = frame_size_problem(config, image)
    if problem is not None:
        raise FrameSizeError(problem)
