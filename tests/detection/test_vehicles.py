"""One vocabulary of vehicle classes from the detector to the fine tables."""

from pathlib import Path

import pytest

from detection.camera_config import load_camera_config
from detection.models import SPECS
from detection.vehicles import DETECTED, FineCategory, VehicleClass
from registry.models import Vehicle

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "camera-hcm-q1-001.yaml"


def test_the_detector_the_lanes_and_the_registry_speak_it() -> None:
    assert set(SPECS["coco-yolov8n"].classes.values()) == set(DETECTED)
    assert all(type(name) is VehicleClass for name in SPECS["coco-yolov8n"].classes.values())
    assert Vehicle.__table__.c.vehicle_type.type.enum_class is VehicleClass  # type: ignore[attr-defined]
    lanes = load_camera_config(EXAMPLE).lanes
    assert lanes[1].allowed_classes == [VehicleClass.motorbike, VehicleClass.car]


def test_an_older_camera_file_saying_motorcycle_still_loads(tmp_path: Path) -> None:
    old = tmp_path / "camera.yaml"
    text = EXAMPLE.read_text().replace("[motorbike, car]", "[motorcycle, car]")
    old.write_text(text + "  motorcycle: 40\n")  # under speed_limits_kmh, the file's last section
    config = load_camera_config(old)
    assert config.lanes[1].allowed_classes == [VehicleClass.motorbike, VehicleClass.car]
    assert config.speed_limit(VehicleClass.motorbike) == 40


@pytest.mark.parametrize(
    ("word", "parsed", "category"),
    [
        ("car", VehicleClass.car, FineCategory.car),
        ("bus", VehicleClass.bus, FineCategory.car),
        ("truck", VehicleClass.truck, FineCategory.car),
        ("motorbike", VehicleClass.motorbike, FineCategory.motorbike),
        ("motorcycle", VehicleClass.motorbike, FineCategory.motorbike),  # stored before migration 0007
        ("other", VehicleClass.other, None),
        ("tractor", None, None),
        (None, None, None),
    ],
)
def test_words_and_their_fine_category(
    word: str | None, parsed: VehicleClass | None, category: FineCategory | None
) -> None:
    assert VehicleClass.parse(word) is parsed
    assert (parsed.fine_category if parsed else None) is category
    assert VehicleClass.fined(word) is (parsed if category else None)
