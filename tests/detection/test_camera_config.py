"""Camera YAML: strict validation with field and line in every error; the overlay a person checks."""

from pathlib import Path

import cv2
import numpy as np
import pytest
from typer.testing import CliRunner

from core.cli import app
from detection.camera_config import CameraConfigError, load_camera_config
from detection.overlay import draw_camera_overlay
from detection.vehicles import VehicleClass

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "camera-hcm-q1-001.yaml"


def test_example_loads() -> None:
    config = load_camera_config(EXAMPLE)
    assert config.camera.id == "HCM-Q1-001" and config.camera.resolution == (1920, 1080)
    assert [line.kind.value for line in config.lines] == ["stop_line", "solid"]
    assert config.speed_limit(VehicleClass.truck) == 40 and config.speed_limit(VehicleClass.car) == 50
    assert config.zones[0].dwell_limit_s == 30


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        (
            "  fps: 25\n",
            "  fps: 25\n  colour: blue\n",
            "line 7: camera.colour: Extra inputs are not permitted",
        ),
        (
            "    kind: solid\n",
            "    kind: dotted\n",
            "line 19: lines.1.kind: Input should be 'stop_line', 'solid' or 'junction_entry'",
        ),
        ("  id: HCM-Q1-001\n", "  id: hcm q1\n", "line 3: camera.id: String should match pattern"),
        (
            "    speed_limit_kmh: 50\n",
            "    speed_limit_kmh: -5\n",
            "line 13: camera.location.speed_limit_kmh",
        ),
        ("    dwell_limit_s: 30\n", "", "zones.0: Value error, a no_stopping zone needs dwell_limit_s"),
        (
            "    direction: [0, -1]\n    allowed_classes: [car, bus, truck]\n",
            "    direction: [0, 0]\n    allowed_classes: [car, bus, truck]\n",
            "lanes.0.direction",
        ),
        (
            "    allowed_classes: [car, bus, truck]\n",
            "    allowed_classes: [car, tank]\n",
            "lanes.0.allowed_classes.1: Input should be 'car', 'motorbike', 'bus', 'truck' or 'other'",
        ),
        ("  region: [1760, 120, 1820, 300]\n", "  region: [1820, 120, 1760, 300]\n", "x1 < x2"),
        (
            "    points: [[300, 760], [1700, 760]]\n",
            "    points: [[300, 760], [2700, 760]]\n",
            "line 17: lines.0.points.1: point [2700, 760] is outside the 1920×1080 image",
        ),
        (
            "    polygon: [[1450, 820], [1900, 820], [1900, 1060], [1450, 1060]]\n",
            "    polygon: [[1450, 820], [1900, 820], [1900, 1100.5], [1450, 1060]]\n",
            "line 24: zones.0.polygon.2: point [1900, 1100.5] is outside the 1920×1080 image",
        ),
        (
            "  region: [1760, 120, 1820, 300]\n",
            "  region: [1760, 120, 1980, 300]\n",
            "line 36: traffic_light.region: region [1760, 120, 1980, 300] is outside the 1920×1080 image",
        ),
        (
            "  region: [1760, 120, 1820, 300]\n",
            "  heads:\n    - name: main\n      box: [1760, 900, 1820, 1090]\n",
            "line 38: traffic_light.heads.0.box: box [1760, 900, 1820, 1090] is outside the 1920×1080 image",
        ),
        (
            "  image_points: [[620, 560], [1340, 560], [1700, 1080], [300, 1080]]\n",
            "  image_points: [[620, 560], [1340, 560], [1700, 1080], [-3, 1080]]\n",
            "line 38: calibration.image_points.3: point [-3, 1080] is outside the 1920×1080 image",
        ),
        (
            "  image_points: [[620, 560], [1340, 560], [1700, 1080], [300, 1080]]\n",
            "  image_points: [[620, 560], [1340, 560], [1700, 1080]]\n",
            "calibration.image_points",
        ),
    ],
)
def test_bad_fields_name_field_and_line(tmp_path: Path, old: str, new: str, expected: str) -> None:
    text = EXAMPLE.read_text()
    assert old in text
    bad = tmp_path / "camera.yaml"
    bad.write_text(text.replace(old, new, 1))
    with pytest.raises(CameraConfigError) as info:
        load_camera_config(bad)
    assert expected in str(info.value)


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        ("camera: [unclosed\n", "not valid YAML"),
        ("- just\n- a list\n", "expected a mapping"),
        ("", "expected a mapping"),
    ],
)
def test_unusable_files(tmp_path: Path, content: str, expected: str) -> None:
    path = tmp_path / "camera.yaml"
    path.write_text(content)
    with pytest.raises(CameraConfigError, match=expected):
        load_camera_config(path)
    with pytest.raises(CameraConfigError, match="cannot read"):
        load_camera_config(tmp_path / "missing.yaml")


def test_overlay_draws_the_geometry() -> None:
    config = load_camera_config(EXAMPLE)
    frame = np.full((1080, 1920, 3), 90, np.uint8)
    overlay = draw_camera_overlay(config, frame)
    assert overlay.shape == (1080, 1920, 3)
    b, g, r = overlay[760, 1000].astype(int)  # on the stop line: red
    assert r > 150 and g < 100 and b < 100
    assert (frame == 90).all()  # the original frame is never modified


def test_cli_check_writes_png_and_reports_errors(tmp_path: Path) -> None:
    out = tmp_path / "overlay.png"
    ok = CliRunner().invoke(app, ["cameras", "check", str(EXAMPLE), "--out", str(out)])
    assert ok.exit_code == 0, ok.output
    assert "HCM-Q1-001 v1" in ok.output
    image = cv2.imread(str(out))
    assert image is not None and image.shape == (1080, 1920, 3)
    bad = tmp_path / "bad.yaml"
    bad.write_text(EXAMPLE.read_text().replace("kind: solid", "kind: dashed"))
    failed = CliRunner().invoke(app, ["cameras", "check", str(bad)])
    assert failed.exit_code == 1 and "lines.1.kind" in failed.output
