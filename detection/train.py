"""`tvp models train-plates`: fine-tune the YOLO plate detector on Vietnamese plates, offline.

The training set is generated: synthetic VN plates warped into real photographs at their labelled
plate positions (../shared/datasets or any folder with images/ + labels.csv), plus any labelled data
the user brings, used as it is. The best weights become the default plate detector (plate-vn).
"""

from __future__ import annotations

import csv
import hashlib
import random
import shutil
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import cv2
import yaml

from detection.images import load_image
from detection.models import VN_PLATE_WEIGHTS, find_source, models_dir
from detection.synth import composite

MAX_SIDE = 1280


@dataclass(frozen=True)
class LabelledImage:
    image: Path
    box: tuple[int, int, int, int]


def held_out(image: Path) -> bool:
    """One photo in five (by a hash of its name) is reserved for tests and benchmarks, never trained on."""
    return int(hashlib.sha256(image.name.encode()).hexdigest(), 16) % 5 == 0


def read_labels(folder: Path) -> list[LabelledImage]:
    labels = folder / "labels.csv"
    if not labels.exists():
        raise FileNotFoundError(f"{folder} has no labels.csv (columns image,plate_text,x1,y1,x2,y2)")
    with open(labels, newline="") as fh:
        return [
            LabelledImage(
                folder / r["image"],
                (int(float(r["x1"])), int(float(r["y1"])), int(float(r["x2"])), int(float(r["y2"]))),
            )
            for r in csv.DictReader(fh)
        ]


def _yolo_line(box: tuple[int, int, int, int], w: int, h: int) -> str:
    x1, y1, x2, y2 = box
    return f"0 {(x1 + x2) / 2 / w:.6f} {(y1 + y2) / 2 / h:.6f} {(x2 - x1) / w:.6f} {(y2 - y1) / h:.6f}"


def _save(image, boxes: Sequence[tuple[int, int, int, int]], split_dir: Path, name: str) -> None:  # type: ignore[no-untyped-def]
    h, w = image.shape[:2]
    scale = min(1.0, MAX_SIDE / max(h, w))
    if scale < 1.0:
        image = cv2.resize(image, (int(w * scale), int(h * scale)), interpolation=cv2.INTER_AREA)
        boxes = [tuple(int(v * scale) for v in b) for b in boxes]  # type: ignore[misc]
        h, w = image.shape[:2]
    (split_dir / "images").mkdir(parents=True, exist_ok=True)
    (split_dir / "labels").mkdir(parents=True, exist_ok=True)
    cv2.imwrite(str(split_dir / "images" / f"{name}.jpg"), image, [cv2.IMWRITE_JPEG_QUALITY, 92])
    (split_dir / "labels" / f"{name}.txt").write_text("\n".join(_yolo_line(b, w, h) for b in boxes) + "\n")


def build_dataset(
    out: Path,
    photos: list[LabelledImage],
    *,
    images: int,
    extra: list[LabelledImage],
    seed: int = 0,
    val_fraction: float = 0.15,
    progress: Callable[[int, int], None] | None = None,
) -> Path:
    """Write a YOLO dataset of composites (and the user's own labelled images); returns data.yaml."""
    if not photos:
        raise ValueError("no labelled photographs to composite plates into")
    rng = random.Random(seed)
    shutil.rmtree(out, ignore_errors=True)
    # Split by source photo so that validation never sees a photo used in training.
    order = list(range(len(photos)))
    rng.shuffle(order)
    n_val = max(1, int(len(order) * val_fraction))
    val_ids, train_ids = set(order[:n_val]), order[n_val:] or order[:1]
    total = images + len(extra)
    for i in range(images):
        split = "val" if i % max(2, round(1 / val_fraction)) == 0 else "train"
        src = photos[rng.choice(sorted(val_ids) if split == "val" else train_ids)]
        comp = composite(load_image(src.image), src.box, rng)
        _save(comp.image, [comp.box], out / split, f"synth{i:05d}")
        if progress:
            progress(i + 1, total)
    for j, item in enumerate(extra):
        _save(load_image(item.image), [item.box], out / ("val" if j % 7 == 0 else "train"), f"user{j:05d}")
        if progress:
            progress(images + j + 1, total)
    data = out / "data.yaml"
    data.write_text(f"path: {out.resolve()}\ntrain: train/images\nval: val/images\nnames:\n  0: plate\n")
    return data


def train(
    data: Path, *, epochs: int, imgsz: int, batch: int, base: str = "plate-mahdi", workdir: Path | None = None
) -> tuple[Path, dict[str, float]]:
    """Fine-tune from ``base`` and install the best weights as plate-vn. Returns (weights, metrics)."""
    from detection.ultralytics_env import load_yolo

    _, base_weights = find_source(base)
    project = (workdir or models_dir() / "training").resolve()
    model = load_yolo(base_weights)
    return fine_tune(
        model,
        data,
        project=project,
        name="plate-vn",
        target=VN_PLATE_WEIGHTS,
        epochs=epochs,
        imgsz=imgsz,
        batch=batch,
    )


def training_settings(pairs: list[str]) -> dict[str, Any]:
    """``KEY=VALUE`` pairs as Ultralytics training settings (values read as YAML: 0.1, true, AdamW);
    ValueError for a malformed pair or a key Ultralytics does not know."""
    from detection.ultralytics_env import ready

    ready()
    from ultralytics.cfg import DEFAULT_CFG_DICT

    settings: dict[str, Any] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        key = key.strip()
        if not sep or not key:
            raise ValueError(f"{pair!r}: a training setting is KEY=VALUE, e.g. mixup=0.1")
        if key not in DEFAULT_CFG_DICT:
            raise ValueError(f"{key!r} is not an Ultralytics training setting")
        settings[key] = yaml.safe_load(value) if value.strip() else None
    return settings


def check_device(device: str) -> None:
    """ValueError unless ``device`` is "cpu" or a CUDA device this machine has."""
    if device == "cpu":
        return
    import torch

    if not device.isdigit():
        raise ValueError(f"device {device!r}: use cpu or a CUDA device number (0)")
    if int(device) >= torch.cuda.device_count():
        raise ValueError(f"device {device}: this machine has {torch.cuda.device_count()} CUDA device(s)")


def fine_tune(
    model: Any,
    data: Path,
    *,
    project: Path,
    name: str,
    target: str,
    epochs: int,
    device: str = "cpu",
    **settings: Any,
) -> tuple[Path, dict[str, float]]:
    """Train an Ultralytics model, reproducibly (seeded; on the CPU deterministic, no AMP, no loader
    processes), early stop after a third of the epochs without progress; ``settings`` override any of
    these. ``device``: "cpu" or a CUDA device ("0"). The best weights are installed in the models folder
    as ``target``. Returns (weights, Ultralytics' metrics on its val images)."""
    on_cpu = device == "cpu"
    arguments: dict[str, Any] = {
        "data": str(data),
        "epochs": epochs,
        "device": device,
        "workers": 0 if on_cpu else 4,
        "project": str(project),
        "name": name,
        "exist_ok": True,
        "plots": False,
        "verbose": False,
        "patience": max(5, epochs // 3),
        "seed": 0,
        "deterministic": on_cpu,
        "amp": False,
    }
    results = model.train(**{**arguments, **settings})
    best = project / name / "weights" / "best.pt"
    installed = models_dir() / target
    installed.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(best, installed)
    metrics = {k: float(v) for k, v in (getattr(results, "results_dict", None) or {}).items()}
    return installed, metrics
