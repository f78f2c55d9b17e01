"""The int8 detectors shipped in detection/weights (`tvp models quantize --ship`), so a fresh clone needs
no export or quantisation: calibrated on real Vietnamese frames read in place from ../shared/datasets
(the training part of vn_real_dev and frames of the vn_real_footage clips), recorded with their
provenance in detection/weights/int8.json."""

from __future__ import annotations

import json
import random
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import cv2
import numpy as np

from detection.cpu import int8_exact_everywhere
from detection.images import IMAGE_SUFFIXES, load_image
from detection.models import SHIPPED, SHIPPED_INT8, resolve_fp32, sha256_file, shipped_manifest
from detection.quantize import quantize
from detection.train import held_out


def real_calibration_frames(datasets: Path, photos: int, clip_frames: int, seed: int = 0) -> list[np.ndarray]:
    """``photos`` vn_real_dev photos (never the held-out fifth) and ``clip_frames`` frames spread over
    every vn_real_footage clip."""
    rng = random.Random(seed)
    folder = datasets / "vn_real_dev" / "images"
    pool = sorted(p for p in folder.glob("*") if p.suffix.lower() in IMAGE_SUFFIXES and not held_out(p))
    clips = sorted((datasets / "vn_real_footage").glob("*.mp4"))
    if not pool or not clips:
        raise FileNotFoundError(f"no vn_real_dev photos or vn_real_footage clips under {datasets}")
    frames = [load_image(p) for p in rng.sample(pool, min(photos, len(pool)))]
    per_clip = max(1, clip_frames // len(clips))
    for clip in clips:
        cap = cv2.VideoCapture(str(clip))
        total = int(cap.get(cv2.CAP_PROP_FRAME_COUNT))
        for k in range(per_clip):
            cap.set(cv2.CAP_PROP_POS_FRAMES, (k * total) // per_clip + total // (2 * per_clip))
            ok, image = cap.read()
            if ok:
                frames.append(image)
        cap.release()
    return frames


def ship(name: str, frames: list[np.ndarray], calibration: str) -> dict[str, Any]:
    """Quantise ``name`` into detection/weights and record it in int8.json (``weight_bits`` 7: the same
    scores on CPUs with and without VNNI; 8: fp32 on CPUs without VNNI, see detection.cpu)."""
    fp32 = resolve_fp32(name)
    source_sha = sha256_file(fp32.source)
    target = SHIPPED / f"{name}-{source_sha[:12]}-int8.onnx"
    manifest = shipped_manifest()
    old = manifest.get(name)
    quantize(fp32, frames, target)
    if old and old["file"] != target.name:
        (SHIPPED / old["file"]).unlink(missing_ok=True)
    entry = {
        "file": target.name,
        "sha256": sha256_file(target),
        "precision": "int8",
        "weight_bits": 7 if int8_exact_everywhere(target) else 8,
        "source": fp32.source.name,
        "source_sha256": source_sha,
        "fp32_sha256": fp32.sha256,
        "calibration": calibration,
        "made": datetime.now(UTC).date().isoformat(),
    }
    manifest[name] = entry
    SHIPPED_INT8.write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    return entry
