"""Motion gating: frames that barely differ from the last processed one are not worth detecting on."""

from __future__ import annotations

import cv2
import numpy as np


class MotionGate:
    """Skips frames that barely differ from the last processed one (a still scene costs nothing).

    The difference is taken against the last *processed* frame, so a vehicle creeping a pixel per frame
    (or a recording with repeated frames) still adds up to a change; with a ``mask`` (the detection zones)
    only motion inside it counts, as a share of the masked area; and at least every ``max_skip``-th
    candidate frame is processed whatever the difference, so a track is never left unseen for long."""

    def __init__(
        self,
        threshold: float = 0.002,
        size: tuple[int, int] = (160, 90),
        *,
        mask: np.ndarray | None = None,
        max_skip: int | None = None,
        level: int = 18,
    ):
        self.threshold = threshold
        self.size = size
        self.level = level
        self.max_skip = max_skip
        self._mask = None if mask is None else cv2.resize(mask, size, interpolation=cv2.INTER_NEAREST) > 0
        self._reference: np.ndarray | None = None
        self._skipped = 0

    def changed(self, frame: np.ndarray) -> bool:
        small = cv2.cvtColor(cv2.resize(frame, self.size, interpolation=cv2.INTER_AREA), cv2.COLOR_BGR2GRAY)
        due = self.max_skip is not None and self._skipped >= self.max_skip
        if self._reference is not None and not due:
            moving = cv2.absdiff(small, self._reference) > self.level
            if self._mask is not None and self._mask.any():
                share = np.count_nonzero(moving & self._mask) / np.count_nonzero(self._mask)
            else:
                share = np.count_nonzero(moving) / moving.size
            if share < self.threshold:
                self._skipped += 1
                return False
        self._reference = small
        self._skipped = 0
        return True
