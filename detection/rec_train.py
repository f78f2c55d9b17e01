"""`tvp models train-rec`: fine-tune the PP-OCRv4 recogniser on plate lines, on the CPU.

The stock model (converted to torch by ``ocr.rec_convert``, with its classifier cut to the blank and
the plate symbols, so step 0 reads as the stock model does) is trained with CTC on real lines (the
vn_real_dev tune part, the OpenALPR US and EU tune halves — never a held-out or check photo) and
rendered VN plates, augmented; the stem (its first convolutions) stays frozen. Checkpoints are saved
as it goes; the result is written back into the stock ONNX graph with a JSON beside it.
"""

from __future__ import annotations

import csv
import hashlib
import json
import math
import random
import re
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import cv2
import numpy as np

from detection.rec_data import LabelledPlate, Line, augment
from detection.splits import alpr_half, vn_real_part
from ocr.recognizer import MIN_WIDTH, REC_HEIGHT, SYMBOLS

MAX_WIDTH = 320
FROZEN_CONVS = 20  # the stem: the first convolutions (high resolution, most of the backward's time)
REAL_SHARE = 0.65


@dataclass(frozen=True)
class TrainSettings:
    steps: int = 800
    batch: int = 16
    lr: float = 1e-4
    warmup: int = 30
    renders: int = 700
    seed: int = 0
    checkpoint_every: int = 100


def training_plates(datasets: Path) -> list[LabelledPlate]:
    """Readable plates of the photos that may be trained on: vn_real_dev "tune", OpenALPR "tune"."""
    plates: list[LabelledPlate] = []
    vn = datasets / "vn_real_dev"
    if (vn / "labels.csv").exists():
        with open(vn / "image_meta.csv", newline="") as fh:
            parts = {r["image"]: vn_real_part(r["sha256"]) for r in csv.DictReader(fh)}
        with open(vn / "labels.csv", newline="") as fh:
            for r in csv.DictReader(fh):
                if r["readable"] == "1" and parts[r["image"]] == "tune":
                    plates.append(LabelledPlate(vn / r["image"], _box(r), r["plate_text"], r["layout"]))
    for name in ("openalpr_us", "openalpr_eu"):
        folder = datasets / name
        if (folder / "labels.csv").exists():
            with open(folder / "labels.csv", newline="") as fh:
                for r in csv.DictReader(fh):
                    if alpr_half(Path(r["image"])) == "tune":
                        plates.append(LabelledPlate(folder / r["image"], _box(r), r["plate_text"], "foreign"))
    return plates


def _box(row: dict[str, str]) -> tuple[int, int, int, int]:
    x1, y1, x2, y2 = (int(float(row[k])) for k in ("x1", "y1", "x2", "y2"))
    return x1, y1, x2, y2


def line_width(image: np.ndarray) -> int:
    return min(MAX_WIDTH, max(1, math.ceil(REC_HEIGHT * image.shape[1] / max(1, image.shape[0]))))


def to_batch(images: Sequence[np.ndarray]) -> tuple[np.ndarray, list[int]]:
    """Images as the recogniser's input: 48 px high, normalised, zero-padded to the widest."""
    widths = [line_width(im) for im in images]
    batch = np.zeros((len(images), 3, REC_HEIGHT, max(max(widths), MIN_WIDTH)), np.float32)
    for i, (img, w) in enumerate(zip(images, widths, strict=True)):
        resized = cv2.resize(img, (w, REC_HEIGHT), interpolation=cv2.INTER_LINEAR).astype(np.float32)
        batch[i, :, :, :w] = (resized.transpose(2, 0, 1) / 255.0 - 0.5) / 0.5
    return batch, widths


def sample_batch(lines: Sequence[Line], size: int, rng: random.Random) -> list[Line]:
    """Real and rendered lines mixed; of four times as many candidates, a run of similar widths
    (less padding)."""
    real = [ln for ln in lines if ln.source != "render"]
    renders = [ln for ln in lines if ln.source == "render"]
    pool = [
        rng.choice(real if real and (not renders or rng.random() < REAL_SHARE) else renders)
        for _ in range(size * 4)
    ]
    pool.sort(key=lambda ln: ln.image.shape[1] / max(1, ln.image.shape[0]))
    start = rng.randrange(0, len(pool) - size + 1)
    return pool[start : start + size]


def rare_letters_repeated(lines: Sequence[Line], max_copies: int = 4) -> list[Line]:
    """``lines`` plus extra copies of the real lines holding a rare character (J, Q, I, O, U in the
    OpenALPR tune halves): a line whose rarest character is seen less than half as often as the
    median character gets up to ``max_copies`` in all, in proportion to how rare it is."""
    real = [ln for ln in lines if ln.source != "render"]
    seen = Counter(c for ln in real for c in ln.text)
    if not seen:
        return list(lines)
    median = sorted(seen.values())[len(seen) // 2]
    extra: list[Line] = []
    for ln in real:
        rarest = min(seen[c] for c in ln.text)
        if rarest < median / 2:
            extra.extend([ln] * (min(max_copies, round(median / rarest)) - 1))
    return [*lines, *extra]


def trainable(module: Any) -> list[Any]:
    """The parameters trained: all but the stem's convolutions."""
    params = []
    for name, param in module.named_parameters():
        stem = re.match(r"p2o/Conv/(\d+)\.", name)
        param.requires_grad = not (stem and int(stem.group(1)) < FROZEN_CONVS)
        if param.requires_grad:
            params.append(param)
    return params


def train(
    module: Any,
    lines: Sequence[Line],
    settings: TrainSettings,
    checkpoints: Path | None = None,
    progress: Callable[[int, float], None] = lambda _step, _loss: None,
) -> list[float]:
    """CTC fine-tuning in place (batch norms frozen: the module stays in eval mode). Returns the losses."""
    import torch

    torch.set_num_threads(1)
    torch.manual_seed(settings.seed)
    rng = random.Random(settings.seed)
    params = trainable(module)
    module.eval()
    optimiser = torch.optim.AdamW(params, lr=settings.lr, weight_decay=1e-4)

    def lr_at(step: int) -> float:
        if step < settings.warmup:
            return (step + 1) / settings.warmup
        return 0.5 * (
            1 + math.cos(math.pi * (step - settings.warmup) / max(1, settings.steps - settings.warmup))
        )

    schedule = torch.optim.lr_scheduler.LambdaLR(optimiser, lr_at)
    ctc = torch.nn.CTCLoss(blank=0, zero_infinity=True)
    index = {c: i + 1 for i, c in enumerate(SYMBOLS)}
    losses: list[float] = []
    for step in range(1, settings.steps + 1):
        chosen = sample_batch(lines, settings.batch, rng)
        images = [augment(ln.image, rng) if rng.random() < 0.7 else ln.image for ln in chosen]
        batch, widths = to_batch(images)
        logits = module(torch.from_numpy(batch))
        steps_out = logits.shape[1]
        targets = torch.tensor([index[c] for ln in chosen for c in ln.text], dtype=torch.long)
        loss = ctc(
            logits.log_softmax(2).permute(1, 0, 2),
            targets,
            torch.tensor([min(steps_out, math.ceil(w / 8)) for w in widths], dtype=torch.long),
            torch.tensor([len(ln.text) for ln in chosen], dtype=torch.long),
        )
        optimiser.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(params, 5.0)
        optimiser.step()
        schedule.step()
        losses.append(float(loss.detach()))
        progress(step, float(np.mean(losses[-20:])))
        if checkpoints is not None and (step % settings.checkpoint_every == 0 or step == settings.steps):
            checkpoints.mkdir(parents=True, exist_ok=True)
            torch.save(module.state_dict(), checkpoints / f"rec-step{step:05d}.pt")
    return losses


def sha256_file(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def ship(module: Any, stock: Path, out: Path, info: dict[str, Any]) -> dict[str, Any]:
    """The trained module as ONNX at ``out`` with ``out``.json beside it (name, sha256, ``info``)."""
    from ocr.rec_convert import to_onnx

    out.parent.mkdir(parents=True, exist_ok=True)
    to_onnx(module, stock, out, {"character": "\n".join(SYMBOLS), "tvp_name": out.stem})
    manifest = {
        "name": out.stem,
        "file": out.name,
        "sha256": sha256_file(out),
        "base": stock.name,
        "base_sha256": sha256_file(stock),
        "symbols": SYMBOLS,
        **info,
    }
    out.with_suffix(".json").write_text(json.dumps(manifest, indent=2) + "\n")
    return manifest


def build_lines(
    datasets: Path,
    renders: int,
    seed: int = 0,
    progress: Callable[[int, int], None] = lambda _done, _total: None,
) -> tuple[list[Line], dict[str, int]]:
    """The training lines and how many came from each source (and from how many real plates)."""
    from detection.rec_data import LineMaker, real_lines, render_lines

    plates = training_plates(datasets)
    total = len(plates) + 1
    lines = list(real_lines(plates, LineMaker(), progress=lambda done: progress(done, total)))
    lines.extend(render_lines(renders, seed))
    progress(total, total)
    counts = {
        "vn_real_dev_tune_plates": sum(p.layout != "foreign" for p in plates),
        "openalpr_tune_plates": sum(p.layout == "foreign" for p in plates),
        "rendered_plates": renders,
    }
    for source in ("vn", "alpr", "render"):
        counts[f"{source}_lines"] = sum(ln.source == source for ln in lines)
    return lines, counts
