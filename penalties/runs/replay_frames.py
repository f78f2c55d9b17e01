"""One frame of a run's footage as a JPEG with the event's box drawn on it. Replays keep no evidence
images; the footage they ran on is the record, so the replay page and its diff show each event's key
frame read back from that file — refused once the file is gone or no longer the bytes the run read."""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path

import cv2
import numpy as np

from core.errors import Conflict
from penalties.runs.models import ProcessingRun
from penalties.runs.replay_ops import FootageNotFound
from penalties.runs.replays import ReplayError
from penalties.runs.runner import footage_sha256

FRAME_WIDTH = 640  # the picture's width at most (a thumbnail on the page links to it)
JPEG_QUALITY = 85
BOX_COLOUR = (0, 0, 255)  # BGR: red


@lru_cache(maxsize=32)
def _digest(path: str, size: int, mtime_ns: int) -> str:
    """The footage's sha256, hashed once per file version (size and modification time)."""
    return footage_sha256(Path(path))


def parse_box(text: str | None) -> tuple[float, float, float, float] | None:
    """``x1,y1,x2,y2`` in frame pixels (as events record it), or None; ReplayError when malformed."""
    if not text:
        return None
    try:
        x1, y1, x2, y2 = (float(v) for v in text.split(","))
    except ValueError:
        raise ReplayError(f"box: four numbers x1,y1,x2,y2, not {text!r}") from None
    if not (0 <= x1 < x2 and 0 <= y1 < y2):
        raise ReplayError(f"box: x1 < x2 and y1 < y2, not negative ({text!r})")
    return (x1, y1, x2, y2)


def frame_jpeg(run: ProcessingRun, index: int, box: Sequence[float] | None = None) -> bytes:
    path = Path(run.source)
    if not path.is_file():
        raise FootageNotFound(f"the footage of this run is no longer there ({path.name})")
    stat = path.stat()
    if run.footage_sha256 and _digest(str(path), stat.st_size, stat.st_mtime_ns) != run.footage_sha256:
        raise Conflict(f"{path.name} has changed since the run: its frames are not the ones the run saw")
    image = _read_frame(path, index)
    scale = min(1.0, FRAME_WIDTH / image.shape[1])
    if scale < 1:
        size = (FRAME_WIDTH, round(image.shape[0] * scale))
        image = cv2.resize(image, size, interpolation=cv2.INTER_AREA)
    if box is not None:  # drawn at the picture's size: a crisp two-pixel line
        x1, y1, x2, y2 = (round(v * scale) for v in box)
        cv2.rectangle(image, (x1, y1), (x2, y2), BOX_COLOUR, 2)
    ok, data = cv2.imencode(".jpg", image, [cv2.IMWRITE_JPEG_QUALITY, JPEG_QUALITY])
    if not ok:
        raise ReplayError(f"frame {index} of {path.name} could not be encoded")
    return data.tobytes()


def _read_frame(path: Path, index: int) -> np.ndarray:
    cap = cv2.VideoCapture(str(path))
    try:
        total = int(cap.get(cv2.CAP_PROP_FRAME_COUNT)) if cap.isOpened() else 0
        if not 0 <= index < total:
            raise FootageNotFound(f"no frame {index} in {path.name} ({total} frames)")
        cap.set(cv2.CAP_PROP_POS_FRAMES, index)
        ok, image = cap.read()
    finally:
        cap.release()
    if not ok or image is None:
        raise ReplayError(f"frame {index} of {path.name} does not decode")
    return np.ascontiguousarray(image)
