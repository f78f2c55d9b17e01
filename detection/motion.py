"""Motion gating: frames that barely differ from the last processed one are not worth detecting on."""

from __future__ import annotations

import cv2
import numpy as np


class MotionGate:
    """Skips frames that barely differ from the last processed one (a still scene costs nothing)."""

    def __init__(self, threshold: float = 0.002, size: tuple[int, int] = (160, 90)):
        self.threshold = threshold
        self.size = size
        self._reference: np.ndarray | None = None

    def changed(self, frame: np.ndarray) -> bool:
        small = cv2.cvtColor(cv2.resize(frame, self.size, interpolation=cv2.INTER_AREA), cv2.COLOR_BGR2GRAY)
        if self._reference is not None:
            moving = np.count_nonzero(cv2.absdiff(small, self._reference) > 18) / small.size
            if moving < self.threshold:
                return False
        self._reference = small
        return True
