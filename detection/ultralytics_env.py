"""Ultralytics, strictly offline: no hub, no pip auto-install, a project-local config dir with fonts."""

from __future__ import annotations

import contextlib
import logging
import os
import shutil
import sys
from pathlib import Path
from typing import Any

from core.config import get_settings

FONTS = [
    "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
    "/usr/share/fonts/truetype/liberation/LiberationSans-Regular.ttf",
]


def prepare() -> Path:
    config_dir = (get_settings().data_dir / "yolo").resolve()
    fonts = config_dir / "Ultralytics"
    fonts.mkdir(parents=True, exist_ok=True)
    source = next((f for f in FONTS if Path(f).exists()), None)
    for name in ("Arial.ttf", "Arial.Unicode.ttf"):
        if source and not (fonts / name).exists():
            shutil.copyfile(source, fonts / name)
    os.environ["YOLO_OFFLINE"] = "1"
    os.environ["YOLO_AUTOINSTALL"] = "0"
    os.environ["YOLO_CONFIG_DIR"] = str(config_dir)
    return config_dir


class _CurrentStderr:
    """Whatever sys.stderr is at the time of writing (test runners swap it)."""

    def write(self, text: str) -> int:
        return sys.stderr.write(text)

    def flush(self) -> None:
        sys.stderr.flush()


def ready() -> None:
    """prepare(), and Ultralytics imported with its log on stderr: it logs to stdout, where
    `tvp plates read --json` writes its results."""
    prepare()
    with contextlib.redirect_stdout(sys.stderr):  # its first import already logs
        from ultralytics.utils import LOGGER
    for handler in LOGGER.handlers:
        if (
            isinstance(handler, logging.StreamHandler)
            and handler.get_name() == "ultralytics.utils.set_logging"
        ):
            handler.setStream(_CurrentStderr())


def load_yolo(weights: Path | str) -> Any:
    ready()
    from ultralytics import YOLO

    return YOLO(str(weights))
