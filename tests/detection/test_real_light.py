"""Signal heads on real Hanoi camera footage (../shared/datasets/vn_real_footage): lamps learned from
the footage, and the timeline read against the hand-made ground truth."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from detection.camera_config import CameraConfig, load_camera_config
from detection.cli import cameras_app
from detection.light import Lamp
from detection.signal_check import HeadTimeline, calibrate_lamps, read_timelines
from tests.support.datasets import real_footage

CAMERAS = Path(__file__).resolve().parents[2] / "bench" / "cameras"
CLIPS = {
    "hanoi_ly_thuong_kiet_hang_bai_red_to_green.mp4": "hanoi-ltk-hang-bai.yaml",
    "hanoi_giang_vo_lang_ha_green_to_red_queue.mp4": "hanoi-giang-vo-lang-ha.yaml",
}
CHANGE_TOLERANCE_S = 0.5


def state_of(name: str) -> str:
    return "unknown" if name.startswith("dark") else name  # a dark head is no state, not amber


def uncalibrated(config: CameraConfig) -> CameraConfig:
    """The camera file as first written: head boxes only, no learned lamps."""
    data = config.model_dump(mode="json")
    for head in data["traffic_light"]["heads"]:
        head["lamps"] = []
    return CameraConfig.model_validate(data)


def with_lamps(config: CameraConfig, lamps: dict[str, list[Lamp]]) -> CameraConfig:
    data = config.model_dump(mode="json")
    for head in data["traffic_light"]["heads"]:
        head["lamps"] = [lamp.config().model_dump(mode="json") for lamp in lamps[head["name"]]]
    return CameraConfig.model_validate(data)


def assert_matches_truth(timeline: HeadTimeline, truth: dict) -> None:
    head = truth["signal_heads"][0]
    read = [(t, str(s)) for t, s in timeline.changes]
    first = head["timeline"][0]
    assert read[0] == (0.0, state_of(first["state"])), read  # the state shown from the first frame
    expected = [(c["time_s"], state_of(c["to"])) for c in head["changes"]]
    assert [s for _, s in read[1:]] == [s for _, s in expected], read
    for (t, _), (true_t, state) in zip(read[1:], expected, strict=True):
        assert abs(t - true_t) <= CHANGE_TOLERANCE_S, f"change to {state} read at {t:.2f} s, truth {true_t} s"


@pytest.fixture(scope="module", params=sorted(CLIPS))
def clip(request: pytest.FixtureRequest) -> tuple[Path, dict, CameraConfig]:
    video, truth = real_footage(request.param)
    return video, truth, load_camera_config(CAMERAS / CLIPS[request.param])


@pytest.fixture(scope="module")
def learned(clip) -> dict[str, list[Lamp]]:
    video, _, config = clip
    return calibrate_lamps(uncalibrated(config), video)


def test_lamps_are_found_where_they_are(clip, learned) -> None:
    _, truth, _ = clip
    centres = truth["signal_heads"][0]["lamp_centres"]
    lit_seen = {state_of(span["state"]) for span in truth["signal_heads"][0]["timeline"]}
    for lamp in learned["near-right"]:
        true_x, true_y = centres[str(lamp.colour)]
        tolerance = 3.0 if str(lamp.colour) in lit_seen else 5.0  # never lit: placed by the layout
        assert abs(lamp.centre[0] - true_x) <= tolerance and abs(lamp.centre[1] - true_y) <= tolerance, lamp
        assert lamp.dark is not None
        assert (lamp.lit is not None) == (str(lamp.colour) in lit_seen), lamp


def test_timeline_from_learned_lamps_matches_ground_truth(clip, learned) -> None:
    video, truth, config = clip
    timelines, _ = read_timelines(with_lamps(uncalibrated(config), learned), video)
    assert_matches_truth(timelines[0], truth)


def test_timeline_from_the_shipped_camera_file(clip) -> None:
    video, truth, config = clip
    timelines, _ = read_timelines(config, video)
    assert_matches_truth(timelines[0], truth)


def test_saturated_head_needs_no_calibration() -> None:
    """The red→green head has a bright red, cyan green: the default layout alone reads it."""
    name = "hanoi_ly_thuong_kiet_hang_bai_red_to_green.mp4"
    video, truth = real_footage(name)
    timelines, _ = read_timelines(uncalibrated(load_camera_config(CAMERAS / CLIPS[name])), video)
    assert_matches_truth(timelines[0], truth)


def test_cli_calibrate_light_and_check_footage(tmp_path: Path) -> None:
    name = "hanoi_giang_vo_lang_ha_green_to_red_queue.mp4"
    video, _ = real_footage(name)
    raw = yaml.safe_load((CAMERAS / CLIPS[name]).read_text(encoding="utf-8"))
    raw["traffic_light"] = {"heads": [{"name": "main", "box": raw["traffic_light"]["heads"][0]["box"]}]}
    camera = tmp_path / "camera.yaml"
    camera.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")

    calibrated = CliRunner().invoke(cameras_app, ["calibrate-light", str(camera), str(video)])
    assert calibrated.exit_code == 0, calibrated.output
    assert "never seen lit: amber" in calibrated.stderr
    raw["traffic_light"] = yaml.safe_load(calibrated.stdout)["traffic_light"]
    camera.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")

    checked = CliRunner().invoke(
        cameras_app, ["check", str(camera), "--footage", str(video), "--out", str(tmp_path / "o.png")]
    )
    assert checked.exit_code == 0, checked.output
    assert "signal head main: 0.00 s green, 1.20 s unknown, 4.16 s red" in checked.stdout
    assert (tmp_path / "o.signal.png").stat().st_size > 0


def test_calibrate_light_needs_a_head(tmp_path: Path) -> None:
    name = "hanoi_giang_vo_lang_ha_green_to_red_queue.mp4"
    video, _ = real_footage(name)
    raw = yaml.safe_load((CAMERAS / CLIPS[name]).read_text(encoding="utf-8"))
    del raw["traffic_light"]
    camera = tmp_path / "camera.yaml"
    camera.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    result = CliRunner().invoke(cameras_app, ["calibrate-light", str(camera), str(video)])
    assert result.exit_code == 1
    assert "has no signal head" in result.stderr
