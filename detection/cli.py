"""`tvp plates …`: read plates from images."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from detection.images import ImageError, expand_paths, load_image

NAME = "plates"
app = typer.Typer(help="Read licence plates from images.", no_args_is_help=True)
err = Console(stderr=True, soft_wrap=True)
out = Console(soft_wrap=True)


@app.command("read")
def read(
    paths: Annotated[list[Path], typer.Argument(help="Images or folders of images")],
    crops: Annotated[
        bool, typer.Option("--crops", help="Each image is one plate crop (no detection)")
    ] = False,
    as_json: Annotated[bool, typer.Option("--json", help="One JSON object per image on stdout")] = False,
) -> None:
    """Read the plates in each image (Vietnamese one- and two-line plates)."""
    from ocr.reader import PPOCRPlateReader

    if not crops:
        err.print(
            "[red]Full-frame reading needs the plate detector, which is not in this build yet; "
            "pass --crops for plate crops.[/]"
        )
        raise typer.Exit(2)
    reader = PPOCRPlateReader()
    reader.warmup()
    items = list(expand_paths(paths))
    failures = 0
    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
        console=err,
        transient=True,
    ) as progress:
        task = progress.add_task("reading plates", total=len(items))
        for path, problem in items:
            result: dict[str, Any] = {"image": str(path), "plates": []}
            started = time.perf_counter()
            try:
                if problem:
                    raise ImageError(problem)
                image = load_image(path)
                plate = reader.read(image)
                if plate is not None:
                    h, w = image.shape[:2]
                    result["plates"].append({**plate.as_dict(), "box": [0, 0, w, h], "vehicle": None})
            except ImageError as exc:
                result["error"] = str(exc)
                failures += 1
            result["elapsed_ms"] = round((time.perf_counter() - started) * 1000, 1)
            _emit(result, as_json)
            progress.advance(task)
    if failures == len(items):
        raise typer.Exit(1)


def _emit(result: dict[str, Any], as_json: bool) -> None:
    if as_json:
        print(json.dumps(result, ensure_ascii=False), flush=True)
    elif "error" in result:
        err.print(f"[red]✗[/] {result['error']}")
    elif not result["plates"]:
        out.print(f"{result['image']}: [yellow]no readable plate[/]")
    else:
        texts = ", ".join(f"[bold]{p['text']}[/] ({p['confidence']:.2f})" for p in result["plates"])
        out.print(f"{result['image']}: {texts}  [dim]{result['elapsed_ms']} ms[/]")
