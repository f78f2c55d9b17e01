"""Full frames through the real detectors and OCR: real photographs and generated VN composites."""

import random

import numpy as np
import pytest

from detection.images import load_image
from detection.models import plate_detector_name
from detection.pipeline import PlatePipeline, _best_per_vehicle, _merge_duplicates, read_boxes
from detection.synth import composite
from detection.train import held_out
from detection.types import iou
from ocr.foreign import AnyTextPlateReader
from ocr.plate_format import PlateFamily, PlateNumber
from ocr.reader import PlateRead, PlateReader, PPOCRPlateReader
from ocr.vote import agreed_read
from tests.support.datasets import labelled


def _fold(text: str) -> str:
    return text.replace("O", "0")


@pytest.fixture(scope="module")
def vn_pipeline() -> PlatePipeline:
    return PlatePipeline(PPOCRPlateReader())


def test_real_eu_photographs() -> None:
    pipeline = PlatePipeline(AnyTextPlateReader(), plate_model="plate-mahdi")  # trained on foreign plates
    items = labelled("openalpr_eu")[:30]
    found = exact = 0
    for item in items:
        result = pipeline.process(load_image(item.image))
        boxes = np.array([p.box for p in result.plates], np.float32).reshape(-1, 4)
        found += bool(len(boxes)) and iou(np.array([item.box], np.float32), boxes).max() >= 0.5
        exact += any(p.read and _fold(p.read.compact) == _fold(item.text) for p in result.plates)
    assert found / len(items) >= 0.7, f"recall {found}/{len(items)}"
    assert exact / len(items) >= 0.55, f"exact {exact}/{len(items)}"


def test_generated_vn_plates_in_real_photographs(vn_pipeline: PlatePipeline) -> None:
    rng = random.Random(31)
    photos = [p for p in labelled("openalpr_eu") + labelled("openalpr_us") if held_out(p.image)]
    exact = 0
    for _ in range(30):
        src = rng.choice(photos)
        comp = composite(load_image(src.image), src.box, rng)
        result = vn_pipeline.process(comp.image)
        exact += any(p.read and p.read.compact == comp.spec.plate.compact for p in result.plates)
        for p in result.plates:
            assert p.vehicle_class in (None, "car", "motorbike", "bus", "truck")
    assert exact / 30 >= 0.5, f"{exact}/30"


def test_result_carries_model_provenance(vn_pipeline: PlatePipeline) -> None:
    result = vn_pipeline.process(np.zeros((480, 640, 3), np.uint8))
    assert result.plates == []
    prov = result.provenance
    assert (
        prov["vehicle_detector"]["name"] == "coco-yolov8n" and len(prov["vehicle_detector"]["sha256"]) == 64
    )
    assert prov["plate_detector"]["name"] == plate_detector_name()


def test_vehicle_input_size_comes_from_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    from pydantic import ValidationError

    from core.config import Settings, reset_settings

    monkeypatch.setenv("TVP_VEHICLE_IMGSZ", "512")
    reset_settings()
    try:
        pipeline = PlatePipeline(PPOCRPlateReader())
        assert pipeline.vehicles.imgsz == 512
        frame = load_image(labelled("openalpr_eu")[0].image)
        assert len(pipeline.vehicles.detect(frame)) >= 1  # the car is still found at 512
    finally:
        monkeypatch.delenv("TVP_VEHICLE_IMGSZ")
        reset_settings()
    with pytest.raises(ValidationError, match="vehicle_imgsz"):
        Settings(vehicle_imgsz=500)  # the network's stride is 32


def test_a_plate_seen_in_a_vehicle_and_the_whole_frame_is_one_plate_of_that_vehicle() -> None:
    tight = (np.array([100, 100, 160, 130], np.float32), 0.6, 2)
    loose = (np.array([96, 98, 166, 134], np.float32), 0.9, None)
    other = (np.array([300, 100, 360, 130], np.float32), 0.5, None)
    merged = _merge_duplicates([tight, loose, other])
    assert [(m[1], m[2]) for m in merged] == [(0.9, 2), (0.5, None)]


def test_camera_frames_keep_one_plate_per_vehicle() -> None:
    plates: list[tuple[np.ndarray, float, int | None]] = [
        (np.array([0, 0, 10, 5], np.float32), 0.4, 1),
        (np.array([50, 0, 60, 5], np.float32), 0.8, 1),
        (np.array([90, 0, 99, 5], np.float32), 0.3, 2),
    ]
    assert [(p[1], p[2]) for p in _best_per_vehicle(plates)] == [(0.8, 1), (0.3, 2)]


def _read(text: str, confidence: float) -> PlateRead:
    plate = PlateNumber(compact=text, family=PlateFamily.other, province="", series="", number=text)
    return PlateRead(plate, confidence, tuple(confidence for _ in text), 1)


READS_BY_WIDTH = {12: _read("ABC12", 0.99), 20: _read("ABC123", 0.9), 30: _read("ABC123", 0.8)}


class _ReadsByWidth(PlateReader):
    """Reads a crop by its width: what each margin's crop would show of a clipped plate."""

    crop_margins = ((0.1, 0.1), (0.5, 0.1), (1.0, 0.1))

    def __init__(self) -> None:
        self.calls: list[list[tuple[int, int]]] = []

    def read(self, crop: np.ndarray) -> PlateRead | None:
        return READS_BY_WIDTH.get(crop.shape[1])

    def read_many(self, crops: list[np.ndarray]) -> list[PlateRead | None]:  # type: ignore[override]
        self.calls.append([c.shape[:2] for c in crops])
        return super().read_many(crops)


def test_each_crop_margin_is_read_and_the_reads_vote() -> None:
    reader = _ReadsByWidth()
    frame = np.zeros((100, 200, 3), np.uint8)
    boxes = [np.array([50, 40, 60, 50], np.float32), np.array([150, 40, 160, 50], np.float32)]
    crops, reads = read_boxes(reader, frame, boxes)
    # one call per margin, the box grown by its share of the width on each side
    assert reader.calls == [[(12, 12), (12, 12)], [(12, 20), (12, 20)], [(12, 30), (12, 30)]]
    assert [c.shape[:2] for c in crops] == [(12, 12), (12, 12)]  # the first margin's crops
    # two looks agree on ABC123 (0.9 + 0.8) against one surer look at the clipped ABC12
    assert [r.compact if r else None for r in reads] == ["ABC123", "ABC123"]
    assert reads[0] is READS_BY_WIDTH[20]  # the winning text's most confident read


def test_agreed_read_of_one_look_is_that_look() -> None:
    look = _read("51A12345", 0.7)
    assert agreed_read([look]) is look
    assert agreed_read([None, None]) is None
    assert agreed_read([None, look]) is look
