"""`tvp models train-rec`: training lines from the tune split only, and a 1-step smoke run."""

import csv
import json
from pathlib import Path

import cv2
import numpy as np
from typer.testing import CliRunner

from core.cli import app
from detection.rec_data import Line, clean, edit_distance
from detection.rec_train import rare_letters_repeated, training_plates
from detection.splits import alpr_half


def _write(folder: Path, header: list[str], rows: list[list[str]]) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    with open(folder / "labels.csv", "w", newline="") as fh:
        csv.writer(fh).writerows([header, *rows])


def test_training_plates_are_from_the_tune_split_only(tmp_path: Path) -> None:
    vn = tmp_path / "vn_real_dev"
    header = ["image", "plate_text", "x1", "y1", "x2", "y2", "readable", "layout"]
    _write(
        vn,
        header,
        [
            ["images/a.jpg", "30G 497.29", "1", "2", "30", "20", "1", "car_2line"],
            ["images/b.jpg", "18A-123.45", "1", "2", "30", "20", "1", "car_1line"],
            ["images/a.jpg", "", "1", "2", "30", "20", "0", "other"],
        ],
    )
    with open(vn / "image_meta.csv", "w", newline="") as fh:
        csv.writer(fh).writerows(
            [["image", "sha256"], ["images/a.jpg", "5" + "f" * 63], ["images/b.jpg", "6" + "0" * 63]]
        )
    names = [f"p{i}.jpg" for i in range(12)]
    _write(
        tmp_path / "openalpr_us",
        ["image", "plate_text", "x1", "y1", "x2", "y2"],
        [[f"images/{n}", "ABC123", "1", "2", "30", "20"] for n in names],
    )
    plates = training_plates(tmp_path)
    vn_plates = [p for p in plates if p.layout != "foreign"]
    assert [(p.image.name, p.text) for p in vn_plates] == [("a.jpg", "30G 497.29")]
    foreign = sorted(p.image.name for p in plates if p.layout == "foreign")
    assert foreign == sorted(n for n in names if alpr_half(Path(n)) == "tune") and 0 < len(foreign) < 12


def test_labels_and_edit_distance() -> None:
    assert clean("29-Đ1 123.45") == "29-D1123.45"
    assert edit_distance("51F97022", "51F-970.22") == 2


def test_train_rec_smoke_run_writes_a_checked_model(tmp_path: Path) -> None:
    out = tmp_path / "rec.onnx"
    result = CliRunner().invoke(
        app,
        [
            "models",
            "train-rec",
            "--steps",
            "2",
            "--batch",
            "2",
            "--renders",
            "3",
            "--datasets",
            str(tmp_path / "none"),
            "--out",
            str(out),
            "--checkpoints",
            str(tmp_path / "ck"),
        ],
    )
    assert result.exit_code == 0, result.output
    manifest = json.loads(out.with_suffix(".json").read_text())
    assert manifest["settings"]["steps"] == 2 and manifest["training_data"]["rendered_plates"] == 3
    assert (tmp_path / "ck" / "rec-step00002.pt").exists()
    from ocr.recognizer import LineRecognizer

    recogniser = LineRecognizer(out)
    slots = recogniser.recognize([cv2.cvtColor(np.full((40, 160), 255, np.uint8), cv2.COLOR_GRAY2BGR)])
    assert recogniser.manifest is not None and recogniser.manifest["sha256"] == manifest["sha256"]
    assert isinstance(slots[0], list)

    again = tmp_path / "rec2.onnx"
    args = ["models", "train-rec", "--steps", "1", "--batch", "2", "--renders", "3", "--warmup", "1"]
    args += ["--datasets", str(tmp_path / "none"), "--rare-letters"]
    result = CliRunner().invoke(
        app,
        [*args, "--out", str(again), "--resume", str(out)],
    )
    assert result.exit_code == 0, result.output
    resumed = json.loads(again.with_suffix(".json").read_text())
    assert resumed["resumed_from"]["sha256"] == manifest["sha256"] and resumed["settings"]["warmup"] == 1


def test_rare_letters_are_repeated_in_proportion_to_their_rarity() -> None:
    image = np.zeros((8, 8, 3), np.uint8)
    common = [Line(image, "ABC123", "alpr") for _ in range(20)]
    rare = Line(image, "J12", "alpr")  # J: seen once against a median of 20
    rendered = Line(image, "Q99", "render")  # renders are not counted nor repeated
    lines = rare_letters_repeated([*common, rare, rendered])
    assert sum(ln is rare for ln in lines) == 4 and sum(ln is rendered for ln in lines) == 1
    assert len(lines) == len(common) + 4 + 1
