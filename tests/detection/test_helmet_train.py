"""helmet_dev's split, the helmet training set and `tvp models train-helmets` on a tiny budget."""

import csv
import random
from pathlib import Path

import numpy as np
import pytest
import yaml
from typer.testing import CliRunner

from core.cli import app
from detection.helmet_data import group_key, helmet_part, read_helmet_dev, rider_crop, split
from detection.helmet_train import build_helmet_dataset, cctv_degrade, crop_labels
from tests.support.datasets import helmet_dev


@pytest.fixture(scope="module")
def parts() -> dict:
    return split(read_helmet_dev(helmet_dev()))


def test_near_identical_camera_frames_share_a_group() -> None:
    a = "helmonzy__Screenshot-253-_png.rf.2d0bbb697c516d7e0e0a4e4ccc81810e.jpg"
    b = "helmonzy__Screenshot-256-_png.rf.0000.jpg"
    far = "helmonzy__Screenshot-305-_png.rf.0000.jpg"
    assert group_key(a) == group_key(b) != group_key(far)
    assert group_key("helmonzy__yosiabattch3-102-_jpg.rf.x.jpg") == group_key(
        "helmonzy__yosiabattch3-107-_jpg.rf.y.jpg"
    )
    assert group_key("helmonzy__103_jpg.rf.x.jpg") == "helmonzy__103_jpg.rf.x.jpg"  # a stock photo: itself
    assert helmet_part(a) == helmet_part(b)


def test_the_split_is_about_70_30_and_keeps_groups_whole(parts: dict) -> None:
    train, held = parts["train"], parts["held-out"]
    assert 0.25 <= len(held) / (len(train) + len(held)) <= 0.35
    assert not {group_key(i.image.name) for i in train} & {group_key(i.image.name) for i in held}
    bare_held = sum(1 for i in held for h in i.heads if not h.helmet)
    assert bare_held >= 40 and sum(1 for i in held for h in i.heads if h.helmet) >= 100
    assert any(i.fixed_camera for i in held) and any(not i.fixed_camera for i in held)


def test_crop_labels_keep_heads_above_the_motorbike(parts: dict) -> None:
    item = next(i for i in parts["train"] if len(i.motorbikes) == 1 and len(i.heads) == 1)
    crop = rider_crop(item.motorbikes[0].box, 10_000, 10_000)
    labels = crop_labels(item, crop)
    assert sorted(c for c, _ in labels) == [0, 1 if item.heads[0].helmet else 2]
    x1, y1, x2, y2 = item.heads[0].box
    head = next(b for c, b in labels if c > 0)
    assert head == (x1 - crop[0], y1 - crop[1], x2 - crop[0], y2 - crop[1])


def test_the_dataset_holds_training_photos_only(parts: dict, tmp_path: Path) -> None:
    data, counts = build_helmet_dataset(tmp_path / "ds", parts["train"][:6])
    written = {p.stem for p in (tmp_path / "ds").rglob("images/*.jpg")}
    held = {i.image.stem[:60] for i in parts["held-out"]}
    assert counts["photos"] == 6 and counts["crops"] >= 6 and not written & held
    lines = [ln for f in (tmp_path / "ds").rglob("labels/*.txt") for ln in f.read_text().splitlines()]
    assert {ln.split()[0] for ln in lines} <= {"0", "1", "2"} and {"0", "1"} <= {
        ln.split()[0] for ln in lines
    }
    assert all(0.0 <= float(v) <= 1.0 for ln in lines for v in ln.split()[1:])
    assert "2: head_no_helmet" in data.read_text()


def test_photos_and_crops_with_bare_heads_are_oversampled_in_train_only(parts: dict, tmp_path: Path) -> None:
    from detection.helmet_train import val_photo

    items = [i for i in parts["train"] if not val_photo(i.image.name) and any(not h.helmet for h in i.heads)][
        :3
    ]
    items += [i for i in parts["train"] if all(h.helmet for h in i.heads)][:2]
    items += [i for i in parts["train"] if val_photo(i.image.name) and any(not h.helmet for h in i.heads)][:1]
    _, plain = build_helmet_dataset(tmp_path / "plain", items)
    _, counts = build_helmet_dataset(tmp_path / "ds", items, bare_copies=2)
    copies = sorted((tmp_path / "ds").rglob("labels/*-bare*.txt"))
    assert plain["bare_copies"] == 0 and counts["bare_copies"] == len(copies) >= 2 * 3
    assert all(p.parent.parent.name == "train" for p in copies)  # never into the val photos
    assert all("2" in {ln.split()[0] for ln in p.read_text().splitlines()} for p in copies)
    assert {p.stem.split("-bare")[0].split("-m")[0] for p in copies} <= {i.image.stem[:60] for i in items[:3]}


def test_cctv_degrade_keeps_the_shape_and_changes_the_pixels() -> None:
    image = np.random.default_rng(0).integers(0, 255, (120, 90, 3), np.uint8)
    out = cctv_degrade(image, random.Random(0))
    assert out.shape == image.shape and np.abs(out.astype(int) - image).mean() > 5


def test_unfused_starting_weights_compute_what_the_fused_ones_do(own_data_dir: Path) -> None:
    import torch

    from detection.helmet_train import trainable_coco
    from detection.ultralytics_env import load_yolo

    trainable = trainable_coco()
    fused = next(p for p in trainable.parent.glob("coco-yolov8n-*.pt") if "trainable" not in p.name)
    a, b = load_yolo(fused).model.eval(), load_yolo(trainable).model.eval()
    assert any(isinstance(m, torch.nn.BatchNorm2d) for m in b.modules())  # trainable: has batch norms
    x = torch.rand(1, 3, 160, 160)
    with torch.no_grad():
        ya, yb = a(x)[0], b(x)[0]
    assert torch.allclose(ya, yb, atol=0.1, rtol=1e-3)


def test_train_helmets_installs_a_model(own_data_dir: Path) -> None:
    args = ["models", "train-helmets", "--data", str(helmet_dev()), "--images", "4", "--epochs", "1"]
    settings = ["--setting", "mixup=0.1", "--setting", "optimizer=AdamW"]
    result = CliRunner().invoke(app, [*args, "--imgsz", "64", "--batch", "4", "--no-int8", *settings])
    assert result.exit_code == 0, result.output
    assert (own_data_dir / "models" / "helmet-yolov8n.pt").exists()
    used = yaml.safe_load((own_data_dir / "models" / "training" / "helmets" / "args.yaml").read_text())
    assert (used["mixup"], used["optimizer"], used["hsv_v"], used["device"]) == (0.1, "AdamW", 0.5, "cpu")
    from detection.models import resolve

    model = resolve("helmet")
    assert model.path.suffix == ".onnx" and dict(model.classes)[2] == "head_no_helmet"


def test_missing_starting_weights_are_a_clear_error(tmp_path: Path) -> None:
    args = ["models", "train-helmets", "--data", str(helmet_dev()), "--start-from", str(tmp_path / "x.pt")]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 2 and "no such weights" in result.output


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--setting", "mixup"], "KEY=VALUE"),
        (["--setting", "colour=red"], "'colour' is not an Ultralytics training setting"),
        (["--device", "gpu"], "use cpu or a CUDA device number"),
        (["--device", "7"], "CUDA device(s)"),
    ],
)
def test_bad_training_settings_and_devices_are_clear_errors(extra: list[str], message: str) -> None:
    result = CliRunner().invoke(app, ["models", "train-helmets", "--data", str(helmet_dev()), *extra])
    assert result.exit_code == 2 and message in result.output, result.output


def test_bad_helmet_folders_are_clear_errors(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["models", "train-helmets", "--data", str(tmp_path)])
    assert result.exit_code == 2 and "no labels.csv" in result.output
    with open(tmp_path / "labels.csv", "w", newline="") as fh:
        csv.writer(fh).writerows(
            [["image", "class", "x1", "y1", "x2", "y2"], ["images/a.jpg", "hat", 1, 2, 3, 4]]
        )
    result = CliRunner().invoke(app, ["models", "train-helmets", "--data", str(tmp_path)])
    assert result.exit_code == 2 and "unknown class 'hat'" in result.output
