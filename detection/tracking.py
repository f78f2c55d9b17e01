"""ByteTrack (our numpy implementation, detection/bytetrack.py) over our Detections."""

from __future__ import annotations

import numpy as np

from detection.bytetrack import ByteTrack
from detection.types import Detections


class Tracker:
    def __init__(
        self,
        *,
        track_buffer: int = 30,
        high: float = 0.25,
        low: float = 0.1,
        new_track: float = 0.25,
        match: float = 0.8,
        buffer: float = 0.3,
    ):
        """``buffer``: boxes are matched enlarged by this fraction of their size on each side (buffered
        IoU, as in C-BIoU), so a fast vehicle seen at a low frame rate still overlaps its last box."""
        self.buffer = buffer
        self._tracker = ByteTrack(
            high=high, low=low, new_track=new_track, track_buffer=track_buffer, match=match
        )  # scores are not fused with IoU: fused with low detector scores, fast vehicles never confirm

    def update(self, detections: Detections) -> Detections:
        """The detections that belong to a track, with ``tracker_id`` set (boxes as detected)."""
        xyxy = detections.xyxy.astype(np.float32)
        if self.buffer and len(xyxy):
            size = xyxy[:, 2:] - xyxy[:, :2]
            xyxy = np.concatenate(
                [xyxy[:, :2] - size * self.buffer, xyxy[:, 2:] + size * self.buffer], axis=1
            )
        tracks = self._tracker.update(xyxy, detections.confidence)
        if not tracks:
            tracked = Detections.empty(detections.class_names)
            tracked.tracker_id = np.zeros(0, np.int64)
            return tracked
        idx = np.array([d for d, _ in tracks], dtype=np.int64)
        tracked = detections[idx]
        tracked.tracker_id = np.array([t for _, t in tracks], dtype=np.int64)
        return tracked
