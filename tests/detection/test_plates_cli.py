import json
import random
from pathlib import Path

import cv2
import pytest
from typer.testing import CliRunner

from core.cli import app
from detection.images import load_image
from ocr.render import degrade, random_spec, render_plate


def test_read_crops_json_with_per_image_errors(tmp_path: Path) -> None:
    rng = random.Random(9)
    specs = [random_spec(rng) for _ in range(3)]
    for s in specs:
        cv2.imwrite(str(tmp_path / f"{s.plate.compact}.png"), degrade(render_plate(s), rng, target_width=220))
    (tmp_path / "corrupt.jpg").write_bytes(b"\xff\xd8\xff\xe0 truncated jpeg")
    (tmp_path / "notes.png").write_text("this is text, not an image")
    empty = tmp_path / "empty"
    empty.mkdir()
    result = CliRunner().invoke(app, ["plates", "read", str(tmp_path), str(empty), "--crops", "--json"])
    assert result.exit_code == 0, result.output
    lines = [json.loads(line) for line in result.stdout.splitlines() if line.startswith("{")]
    by_name = {Path(r["image"]).name: r for r in lines}
    for s in specs:
        r = by_name[f"{s.plate.compact}.png"]
        assert r["plates"][0]["compact"] == s.plate.compact
        assert set(r["plates"][0]) >= {"text", "compact", "confidence", "box", "lines", "vehicle"}
        assert r["elapsed_ms"] >= 0
    assert "not a readable image" in by_name["corrupt.jpg"]["error"]
    assert "not a readable image" in by_name["notes.png"]["error"]
    assert "contains no images" in by_name["empty"]["error"]


def test_all_inputs_bad_exits_nonzero(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["plates", "read", str(tmp_path / "missing.jpg"), "--crops"])
    assert result.exit_code == 1
    assert "does not exist" in result.output


def test_read_full_frames_json(tmp_path: Path) -> None:
    from detection.synth import composite
    from detection.train import held_out
    from tests.support.datasets import labelled

    rng = random.Random(12)
    photos = [p for p in labelled("openalpr_eu") if held_out(p.image)][:3]
    for i, src in enumerate(photos):
        comp = composite(load_image(src.image), src.box, rng)
        cv2.imwrite(str(tmp_path / f"frame{i}.jpg"), comp.image)
    result = CliRunner().invoke(app, ["plates", "read", str(tmp_path), "--json"])
    assert result.exit_code == 0, result.output
    lines = [json.loads(line) for line in result.stdout.splitlines() if line.startswith("{")]
    assert len(lines) == 3
    for r in lines:
        assert set(r) == {"image", "plates", "elapsed_ms", "models"}
        assert r["models"]["vehicle_detector"].startswith("coco-yolov8n@")
        for plate in r["plates"]:
            assert len(plate["box"]) == 4 and plate["lines"] in (1, 2)
            assert plate["vehicle"] is None or set(plate["vehicle"]) == {"class", "box"}
    assert sum(len(r["plates"]) for r in lines) >= 1


def test_grammar_free_reading_of_a_foreign_plate(monkeypatch: pytest.MonkeyPatch) -> None:
    from core.config import reset_settings
    from tests.support.datasets import labelled

    monkeypatch.setenv("TVP_PLATE_DETECTOR", "plate-mahdi")  # foreign plates: the detector trained on them
    reset_settings()
    item = next(i for i in labelled("openalpr_eu") if i.text == "M5XSX")
    result = CliRunner().invoke(app, ["plates", "read", str(item.image), "--grammar", "any", "--json"])
    assert result.exit_code == 0, result.output
    plates = json.loads(result.stdout.splitlines()[-1])["plates"]
    assert "M5XSX" in [p["text"] for p in plates]
    bad = CliRunner().invoke(app, ["plates", "read", str(item.image), "--grammar", "klingon"])
    assert bad.exit_code == 2 and "--grammar must be vn or any" in bad.output
    monkeypatch.undo()
    reset_settings()


def test_first_run_stdout_holds_only_json(tmp_path: Path) -> None:
    """A fresh models folder needs no export with the shipped int8 models; in fp32 the models are rebuilt
    and exported first, and Ultralytics' log of that goes to stderr, so that `--json` output stays one
    JSON object per line."""
    import os
    import subprocess
    import sys

    from tests.support.datasets import labelled

    image = labelled("openalpr_eu")[0].image
    models = tmp_path / "models"

    def read(precision: str) -> subprocess.CompletedProcess[str]:
        env = {
            **os.environ,
            "TVP_ENV": "dev",
            "TVP_DATA_DIR": str(tmp_path / "data"),
            "TVP_MODELS_DIR": str(models),
            "TVP_MODEL_PRECISION": precision,
        }
        command = [str(Path(sys.executable).parent / "tvp"), "plates", "read", str(image)]
        run = subprocess.run(
            [*command, "--grammar", "any", "--json"], capture_output=True, text=True, env=env, timeout=300
        )
        assert run.returncode == 0, run.stderr
        lines = run.stdout.splitlines()
        assert len(lines) == 1 and json.loads(lines[0])["plates"], run.stdout
        return run

    read("int8")  # the shipped int8 models (what auto takes on a CPU with VNNI): nothing to export
    assert not list(models.glob("*.onnx"))
    run = read("fp32")
    assert "Ultralytics" in run.stderr  # the export did happen, and was logged there
    assert list(models.glob("coco-yolov8n-*-dynamic.onnx"))
