"""`tvp models train-plates` end to end on a tiny budget: data generation, YOLO fine-tuning offline,
and the result becoming the default plate detector."""

from pathlib import Path

from typer.testing import CliRunner

from core.cli import app
from detection.models import plate_detector_name, resolve
from detection.train import held_out, read_labels
from tests.support.datasets import labelled


def test_train_plates_installs_vn_weights(own_data_dir: Path) -> None:
    eu = labelled("openalpr_eu")[0].image.parent.parent
    result = CliRunner().invoke(
        app,
        [
            "models",
            "train-plates",
            "--images",
            "8",
            "--epochs",
            "1",
            "--imgsz",
            "160",
            "--batch",
            "4",
            "--photos",
            str(eu),
        ],
    )
    assert result.exit_code == 0, result.output
    assert (own_data_dir / "models" / "plate-vn.pt").exists()
    labels = list((own_data_dir / "models" / "datasets" / "plate-vn").rglob("labels/*.txt"))
    assert len(labels) == 8 and all(
        line.startswith("0 ") for f in labels for line in f.read_text().splitlines()
    )
    assert plate_detector_name() == "plate-vn"
    assert resolve("plate-vn").path.suffix == ".onnx"


def test_held_out_photos_are_never_trained_on() -> None:
    items = read_labels(labelled("openalpr_us")[0].image.parent.parent)
    reserved = [i for i in items if held_out(i.image)]
    assert 0.1 < len(reserved) / len(items) < 0.3


def test_bad_photo_folder_is_a_clear_error(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["models", "train-plates", "--photos", str(tmp_path)])
    assert result.exit_code == 2 and "no labels.csv" in result.output
