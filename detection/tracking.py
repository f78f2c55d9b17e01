"""ByteTrack (Ultralytics' implementation) over our Detections."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np

from detection.types import Detections


class _BoxesView:
    """The Results-like view ByteTrack expects: conf, cls, xywh, boolean indexing."""

    def __init__(self, xyxy: np.ndarray, conf: np.ndarray, cls: np.ndarray):
        self.xyxy, self.conf, self.cls = xyxy, conf, cls
        self.xywh = np.concatenate([(xyxy[:, :2] + xyxy[:, 2:]) / 2, xyxy[:, 2:] - xyxy[:, :2]], axis=1)

    def __len__(self) -> int:
        return len(self.conf)

    def __getitem__(self, mask: np.ndarray) -> _BoxesView:
        return _BoxesView(self.xyxy[mask], self.conf[mask], self.cls[mask])


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
        from detection.ultralytics_env import ready

        ready()
        from ultralytics.trackers.byte_tracker import BYTETracker

        args = SimpleNamespace(
            track_high_thresh=high,
            track_low_thresh=low,
            new_track_thresh=new_track,
            track_buffer=track_buffer,
            match_thresh=match,
            fuse_score=False,  # fused with low detector scores, fast vehicles never confirm a track
        )
        self._tracker = BYTETracker(args)

    def update(self, detections: Detections) -> Detections:
        """The detections that belong to a track, with ``tracker_id`` set (boxes as detected)."""
        xyxy = detections.xyxy.astype(np.float32)
        if self.buffer and len(xyxy):
            size = xyxy[:, 2:] - xyxy[:, :2]
            xyxy = np.concatenate(
                [xyxy[:, :2] - size * self.buffer, xyxy[:, 2:] + size * self.buffer], axis=1
            )
        view = _BoxesView(
            xyxy,
            detections.confidence.astype(np.float32),
            detections.class_id.astype(np.float32),
        )
        out = self._tracker.update(view)
        if len(out) == 0:
            tracked = Detections.empty(detections.class_names)
            tracked.tracker_id = np.zeros(0, np.int64)
            return tracked
        idx = out[:, 7].astype(np.int64)
        tracked = detections[idx]
        tracked.tracker_id = out[:, 4].astype(np.int64)
        return tracked
