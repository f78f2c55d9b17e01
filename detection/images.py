"""Loading images from disk with clear, per-file errors."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path

import cv2
import numpy as np

IMAGE_SUFFIXES = {".jpg", ".jpeg", ".png", ".bmp", ".webp", ".tif", ".tiff"}


class ImageError(ValueError):
    pass


def load_image(path: Path) -> np.ndarray:
    try:
        data = np.fromfile(str(path), dtype=np.uint8)
    except OSError as exc:
        raise ImageError(f"cannot read {path}: {exc.strerror or exc}") from exc
    if data.size == 0:
        raise ImageError(f"{path} is empty")
    image = cv2.imdecode(data, cv2.IMREAD_COLOR)
    if image is None:
        raise ImageError(f"{path} is not a readable image (corrupt or not an image file)")
    return image


def expand_paths(paths: Iterable[Path]) -> Iterator[tuple[Path, str | None]]:
    """Files to process: images inside folders (sorted), files as given. Yields (path, error)."""
    for path in paths:
        if path.is_dir():
            files = sorted(p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in IMAGE_SUFFIXES)
            if not files:
                yield path, f"{path} contains no images ({', '.join(sorted(IMAGE_SUFFIXES))})"
            for f in files:
                yield f, None
        elif path.exists():
            yield path, None
        else:
            yield path, f"{path} does not exist"
