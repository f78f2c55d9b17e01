"""Privacy copies of evidence frames: every face and every plate but the offender's own, blurred.

Pure CV (no DB, no web). Faces come from dlib's frontal face detector (upsampled for small faces) and
from the head part of every COCO ``person`` box of the vehicle detector's model (riders seen from the
side or the back, whom dlib misses); plates from our plate detector. The offender's plate is kept when
it is recognised: inside the offender's vehicle box and, when the plate text is known, reading as that
plate (or, in a clip, tracked on from the frame where it read so). Anything else that looks like a
plate is blurred: an unreadable plate is never assumed to be the offender's.

After blurring, the detectors run again on the result and whatever they still find is blurred too (a
few passes), so the copy is checked by the very detectors that define "a face" and "a plate" here.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import cached_property
from typing import Any

import cv2
import numpy as np

from core.instances import InstancePool
from detection.models import plate_detector_name, resolve
from detection.types import Detections
from detection.yolo import YoloDetector
from ocr.reader import PlateReader, PPOCRPlateReader

Box = tuple[int, int, int, int]

PERSON_CLASS = 0  # COCO
PERSON_CONF = 0.3
PLATE_CONF = 0.25  # the plate detector's own threshold: what counts as "a plate" when checking a copy
BLUR_PLATE_CONF = 0.15  # blurred from here: a margin below it (blurring nearby can raise a score)
HEAD_SHARE = 0.3  # the top of a person box that holds the head (a rider's or a pedestrian's)
FACE_MARGIN = 0.3  # of the box's size on each side
PLATE_MARGIN = 0.25
MIN_TEXT_MATCH = 0.75  # 1 - edit distance / length: one misread character in a 9-character plate
TRACK_IOU = 0.3  # a clip's kept plate continues into the next frame's overlapping box
MAX_PASSES = 4
DLIB_UPSAMPLE_MAX_SIDE = 1600  # upsample once (faces down to ~40 px) when the image stays this small


@dataclass(frozen=True)
class Region:
    kind: str  # "face" | "plate"
    box: Box
    source: str  # "dlib" | "person" | "plate-detector"


@dataclass(frozen=True)
class Offender:
    """What identifies the offender's own plate in a frame (any of them may be missing)."""

    plate_text: str | None = None  # compact form (letters and digits)
    vehicle_box: Box | None = None
    plate_box: Box | None = None


@dataclass
class Blurred:
    image: np.ndarray
    regions: list[Region]
    kept: Box | None  # the offender's plate, left readable

    def counts(self) -> dict[str, int]:
        return {kind: sum(r.kind == kind for r in self.regions) for kind in ("face", "plate")}


def compact(text: str | None) -> str:
    return "".join(ch for ch in (text or "").upper() if ch.isalnum())


def text_match(a: str | None, b: str | None) -> float:
    """1 - Levenshtein distance / the longer length (0 when either is empty)."""
    a, b = compact(a), compact(b)
    if not a or not b:
        return 0.0
    row = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        prev, row[0] = row[0], i
        for j, cb in enumerate(b, 1):
            prev, row[j] = row[j], min(row[j] + 1, row[j - 1] + 1, prev + (ca != cb))
    return 1.0 - row[-1] / max(len(a), len(b))


def _iou(a: Box, b: Box) -> float:
    w = min(a[2], b[2]) - max(a[0], b[0])
    h = min(a[3], b[3]) - max(a[1], b[1])
    if w <= 0 or h <= 0:
        return 0.0
    inter = w * h
    union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter
    return inter / max(union, 1)


def _centre_inside(box: Box, outer: Box) -> bool:
    cx, cy = (box[0] + box[2]) / 2, (box[1] + box[3]) / 2
    return outer[0] <= cx <= outer[2] and outer[1] <= cy <= outer[3]


def _covered(box: Box, areas: list[Box]) -> bool:
    """The box lies (almost) wholly inside one area already blurred (a person still seen after their
    head was blurred needs no second pass)."""
    size = max((box[2] - box[0]) * (box[3] - box[1]), 1)
    for a in areas:
        w = min(a[2], box[2]) - max(a[0], box[0])
        h = min(a[3], box[3]) - max(a[1], box[1])
        if w > 0 and h > 0 and w * h / size >= 0.9:
            return True
    return False


def _int_box(xyxy: Iterable[float]) -> Box:
    x1, y1, x2, y2 = (round(float(v)) for v in xyxy)
    return x1, y1, x2, y2


def _as_bgr(image: np.ndarray) -> np.ndarray:
    if image.ndim == 2:
        return cv2.cvtColor(image, cv2.COLOR_GRAY2BGR)
    if image.shape[2] == 4:
        return cv2.cvtColor(image, cv2.COLOR_BGRA2BGR)
    if image.shape[2] == 1:
        return cv2.cvtColor(image[:, :, 0], cv2.COLOR_GRAY2BGR)
    return image


def blur_region(image: np.ndarray, box: Box, margin: float, *, solid: bool = False) -> Box:
    """Pixelate then smooth the box plus a margin, in place; the area blurred (clipped to the image).
    Coarse blocks leave no strokes to read; the smoothing removes the block edges, which a detector
    could otherwise take for a plate's or a face's outline. ``solid``: one flat colour (the mean)."""
    h, w = image.shape[:2]
    bw, bh = box[2] - box[0], box[3] - box[1]
    x1, y1 = max(0, int(box[0] - bw * margin)), max(0, int(box[1] - bh * margin))
    x2, y2 = min(w, int(np.ceil(box[2] + bw * margin))), min(h, int(np.ceil(box[3] + bh * margin)))
    if x2 <= x1 or y2 <= y1:
        return x1, y1, x1, y1
    patch = image[y1:y2, x1:x2]
    if solid:
        patch[...] = patch.reshape(-1, *patch.shape[2:]).mean(axis=0).astype(patch.dtype)
        return x1, y1, x2, y2
    ph, pw = patch.shape[:2]
    blocks = max(1, min(pw, ph) // 6 or 1)
    small = cv2.resize(patch, (max(1, pw // blocks), max(1, ph // blocks)), interpolation=cv2.INTER_AREA)
    mosaic = cv2.resize(small, (pw, ph), interpolation=cv2.INTER_NEAREST)
    k = max(3, (min(pw, ph) // 2) | 1)
    image[y1:y2, x1:x2] = cv2.GaussianBlur(mosaic, (k, k), 0).reshape(patch.shape)
    return x1, y1, x2, y2


class PrivacyFilter:
    """The detectors, loaded once (build one per process and reuse it: loading takes seconds)."""

    def __init__(self, reader: PlateReader | None = None, *, plate_model: str | None = None):
        coco = resolve("coco-yolov8n")
        self.persons = YoloDetector(
            dataclasses.replace(coco, classes={PERSON_CLASS: "person"}), conf=PERSON_CONF
        )
        self.plates = YoloDetector(resolve(plate_model or plate_detector_name()), conf=PLATE_CONF)
        self._reader = reader

    @cached_property
    def faces_detectors(self) -> InstancePool[Any]:
        import dlib

        return InstancePool(dlib.get_frontal_face_detector)

    @property
    def reader(self) -> PlateReader:
        if self._reader is None:
            self._reader = PPOCRPlateReader()
        return self._reader

    @property
    def provenance(self) -> dict[str, Any]:
        import dlib

        return {
            "faces": f"dlib {dlib.__version__} get_frontal_face_detector (HOG)",
            "persons": {**self.persons.model.provenance, "class": "person (COCO 0)"},
            "plates": self.plates.model.provenance,
            "ocr": type(self.reader).__name__,
            "method": "pixelate + Gaussian blur with margin",
            "margins": {"face": FACE_MARGIN, "plate": PLATE_MARGIN, "head_share": HEAD_SHARE},
        }

    # -- detection

    def find_faces(self, image: np.ndarray) -> list[Region]:
        """dlib's frontal faces and the head of every person the COCO detector sees."""
        bgr = _as_bgr(image)
        if bgr.size == 0:
            return []
        h, w = bgr.shape[:2]
        upsample = 1 if max(h, w) <= DLIB_UPSAMPLE_MAX_SIDE else 0
        rgb = np.ascontiguousarray(cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB))
        with self.faces_detectors.borrow() as detector:
            found = [
                Region("face", (r.left(), r.top(), r.right(), r.bottom()), "dlib")
                for r in detector(rgb, upsample)
            ]
        for x1, y1, x2, y2 in self.persons.detect(bgr).xyxy:
            head = min((y2 - y1) * HEAD_SHARE, (x2 - x1) * 1.2)
            found.append(Region("face", _int_box((x1, y1, x2, y1 + head)), "person"))
        return found

    def find_plates(self, image: np.ndarray, conf: float | None = None) -> Detections:
        bgr = _as_bgr(image)
        if bgr.size == 0:
            return Detections.empty(self.plates.names)
        return self.plates.detect_many([bgr], conf=conf)[0]

    def offender_plate(
        self, image: np.ndarray, plates: Detections, offender: Offender, tracked: Box | None = None
    ) -> Box | None:
        """Which detected plate is the offender's: see the module's docstring."""
        boxes = [_int_box(b) for b in plates.xyxy]
        if offender.vehicle_box is not None:
            boxes = [b for b in boxes if _centre_inside(b, offender.vehicle_box)]
        if not boxes:
            return None
        if offender.plate_box is not None:
            best = max(boxes, key=lambda b: _iou(b, offender.plate_box))  # type: ignore[arg-type]
            if _iou(best, offender.plate_box) >= TRACK_IOU:
                return best
        if offender.plate_text:
            bgr = _as_bgr(image)
            reads = self.reader.read_many([bgr[b[1] : b[3], b[0] : b[2]] for b in boxes])
            scored = [
                (text_match(r.compact if r else None, offender.plate_text), b)
                for r, b in zip(reads, boxes, strict=True)
            ]
            score, best = max(scored, key=lambda s: s[0])
            if score >= MIN_TEXT_MATCH:
                return best
            if tracked is not None:
                # No plate reads as theirs: the plate where theirs was a frame ago is theirs, unreadable or
                # misread (a smudge, motion blur); another vehicle's plate is not there a frame later.
                near = max(boxes, key=lambda b: _iou(b, tracked))
                return near if _iou(near, tracked) >= TRACK_IOU else None
            return None
        if offender.vehicle_box is not None:  # no text to check: the vehicle's own (most confident) plate
            return boxes[0]
        return None

    # -- blurring

    def blur(
        self,
        image: np.ndarray,
        offender: Offender | None = None,
        *,
        plates: bool = True,
        tracked: Box | None = None,
    ) -> Blurred:
        """A blurred copy (the input is never changed). ``plates=False`` leaves every plate (a crop of
        the offender's own plate); ``tracked``: the offender's plate in the clip's previous frame."""
        out = image.copy()
        regions: list[Region] = []
        if out.size == 0:
            return Blurred(out, regions, None)
        kept: Box | None = None
        for pass_no in range(MAX_PASSES):
            found = self.find_faces(out)
            if plates:
                dets = self.find_plates(out, BLUR_PLATE_CONF)
                if pass_no == 0:
                    kept = self.offender_plate(out, dets, offender or Offender(), tracked)
                found += [
                    Region("plate", b, "plate-detector")
                    for b in map(_int_box, dets.xyxy)
                    if kept is None or _iou(b, kept) < 0.5
                ]
            done = [r.box for r in regions]
            # A person still seen once their head is blurred needs nothing more; a face or a plate still
            # found where it was blurred already gets a solid fill.
            found = [f for f in found if f.source != "person" or not _covered(f.box, done)]
            if not found:
                break
            for region in found:
                margin = FACE_MARGIN if region.kind == "face" else PLATE_MARGIN
                solid = _covered(region.box, done)
                area = blur_region(out, region.box, margin, solid=solid)
                regions.append(Region(region.kind, area, region.source))
        return Blurred(out, regions, kept)

    def blur_clip(self, frames: Iterable[np.ndarray], offender: Offender) -> Iterator[Blurred]:
        """Every frame blurred; the offender's plate is kept where it reads as theirs and followed on
        through frames where it does not read (IoU with the previous frame's kept box)."""
        tracked: Box | None = None
        for frame in frames:
            done = self.blur(frame, Offender(plate_text=offender.plate_text), tracked=tracked)
            tracked = done.kept
            yield done
