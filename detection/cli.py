"""`tvp plates read`, `tvp models …`, `tvp cameras check|calibrate-light`, `tvp footage generate`."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Annotated, Any

import numpy as np
import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from core.console import err, out
from detection.images import ImageError, expand_paths, load_image

plates_app = typer.Typer(help="Read licence plates from images.", no_args_is_help=True)
models_app = typer.Typer(help="Detector models: list, train, quantize.", no_args_is_help=True)
cameras_app = typer.Typer(
    help="Cameras: check and calibrate a configuration file, run a live stream.", no_args_is_help=True
)
footage_app = typer.Typer(help="Generated test footage.", no_args_is_help=True)
GROUPS = {"plates": plates_app, "models": models_app, "cameras": cameras_app, "footage": footage_app}


@plates_app.command("read")
def read(
    paths: Annotated[list[Path], typer.Argument(help="Images or folders of images")],
    crops: Annotated[
        bool, typer.Option("--crops", help="Each image is one plate crop (no detection)")
    ] = False,
    as_json: Annotated[bool, typer.Option("--json", help="One JSON object per image on stdout")] = False,
    grammar: Annotated[
        str, typer.Option(help="vn: Vietnamese plate grammar; any: letters and digits as read")
    ] = "vn",
) -> None:
    """Read the plates in each image (Vietnamese one- and two-line plates)."""
    from ocr.foreign import AnyTextPlateReader
    from ocr.reader import PlateReader, PPOCRPlateReader

    if grammar not in ("vn", "any"):
        err.print(f"[red]--grammar must be vn or any, not {grammar!r}[/]")
        raise typer.Exit(2)
    reader: PlateReader = PPOCRPlateReader() if grammar == "vn" else AnyTextPlateReader()
    reader.read(np.full((48, 200, 3), 255, np.uint8))  # load the model before timing anything
    pipeline = None
    if not crops:
        from detection.models import ModelNotFound
        from detection.pipeline import PlatePipeline

        try:
            pipeline = PlatePipeline(reader)
            pipeline.process(np.zeros((360, 640, 3), np.uint8))  # open every model session up front
        except ModelNotFound as exc:
            err.print(f"[red]{exc}[/]")
            raise typer.Exit(2) from exc
    models = _model_tags(pipeline.provenance if pipeline else {})
    items = list(expand_paths(paths))
    failures = 0
    with _progress() as progress:
        task = progress.add_task("reading plates", total=len(items))
        for path, problem in items:
            result: dict[str, Any] = {"image": str(path), "plates": []}
            started = time.perf_counter()
            try:
                if problem:
                    raise ImageError(problem)
                image = load_image(path)
                if pipeline is not None:
                    result["plates"] = [p.as_dict() for p in pipeline.process(image).plates if p.read]
                    result["models"] = models
                else:
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


def _progress() -> Progress:
    """A progress bar on stderr (stdout stays clean for --json)."""
    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
        console=err,
        transient=True,
    )


def _model_tags(provenance: dict[str, Any]) -> dict[str, str]:
    """{"vehicle_detector": "coco-yolov8n@75cc3648650b", ...}: what produced each result."""
    return {k: f"{v['name']}@{v['sha256'][:12]}" for k, v in provenance.items() if "sha256" in v}


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


@models_app.command("list")
def models_list() -> None:
    """Show each model, where it was found and its SHA-256."""
    from rich.table import Table

    from detection.models import SPECS, ModelNotFound, find_source, plate_detector_name, sha256_file

    table = Table(
        "name", "file", "sha256", "licence", title=f"default plate detector: {plate_detector_name()}"
    )
    for name, spec in SPECS.items():
        try:
            _, path = find_source(name)
            table.add_row(name, str(path), sha256_file(path)[:16], spec.licence)
        except ModelNotFound as exc:
            table.add_row(name, f"[yellow]{exc}[/]", "", spec.licence)
    out.print(table)


def _photo_folders(photos: list[Path] | None) -> list[Path]:
    if not photos:
        err.print("[red]No labelled photo folders: pass --photos FOLDER (images/ + labels.csv).[/]")
        raise typer.Exit(2)
    return photos


@models_app.command("train-plates")
def train_plates(
    images: Annotated[int, typer.Option(help="Generated training images")] = 400,
    epochs: Annotated[int, typer.Option(help="Training epochs")] = 15,
    imgsz: Annotated[int, typer.Option(help="Training image size")] = 640,
    batch: Annotated[int, typer.Option(help="Batch size")] = 16,
    photos: Annotated[
        list[Path] | None,
        typer.Option("--photos", help="Labelled photo folders (images/ + labels.csv) to put plates into"),
    ] = None,
    extra: Annotated[
        list[Path] | None,
        typer.Option("--extra", help="Your own labelled folders (images/ + labels.csv), used as they are"),
    ] = None,
    seed: int = 0,
) -> None:
    """Fine-tune the plate detector on generated VN plates in real photos; installs it as plate-vn."""
    from detection.models import models_dir
    from detection.train import build_dataset, held_out, read_labels, train

    folders = _photo_folders(photos)
    try:
        base_photos = [item for folder in folders for item in read_labels(folder) if not held_out(item.image)]
        own = [item for folder in (extra or []) for item in read_labels(folder)]
    except FileNotFoundError as exc:
        err.print(f"[red]{exc}[/]")
        raise typer.Exit(2) from exc
    dataset = models_dir() / "datasets" / "plate-vn"
    with _progress() as progress:
        task = progress.add_task("generating training images", total=images + len(own))
        data = build_dataset(
            dataset,
            base_photos,
            images=images,
            extra=own,
            seed=seed,
            progress=lambda done, _total: progress.update(task, completed=done),
        )
    err.print(f"training on {data} ({epochs} epochs at {imgsz}) — this takes a while on a CPU")
    weights, metrics = train(data, epochs=epochs, imgsz=imgsz, batch=batch)
    out.print(f"[green]installed {weights}[/]")
    for key in ("metrics/precision(B)", "metrics/recall(B)", "metrics/mAP50(B)"):
        if key in metrics:
            out.print(f"  {key}: {metrics[key]:.3f}")


@models_app.command("train-helmets")
def train_helmets_command(
    data: Annotated[
        Path, typer.Option(help="helmet_dev folder (images/ + labels.csv + motorbikes.csv), read in place")
    ],
    epochs: Annotated[int, typer.Option(help="Training epochs")] = 12,
    imgsz: Annotated[int, typer.Option(help="Training image size")] = 320,
    batch: Annotated[int, typer.Option(help="Batch size")] = 16,
    int8: Annotated[bool, typer.Option(help="Also make the int8 ONNX (calibrated on training crops)")] = True,
    images: Annotated[
        int | None, typer.Option(help="Only the first N training photos (a quick try, not a model)")
    ] = None,
    minutes: Annotated[
        float | None,
        typer.Option(help="Train for this long instead (epochs then fit the time; on a busy CPU)"),
    ] = None,
    ship: Annotated[
        bool,
        typer.Option(
            "--ship", help="Maintainers: copy the weights into detection/weights and ship their int8 there"
        ),
    ] = False,
    start_from: Annotated[
        Path | None,
        typer.Option(help="Train on from these weights (e.g. detection/weights/helmet-yolov8n.pt)"),
    ] = None,
    bare_copies: Annotated[
        int, typer.Option(help="Extra degraded copies of each training photo/crop with a bare head")
    ] = 0,
    device: Annotated[str, typer.Option(help='"cpu" or a CUDA device ("0")')] = "cpu",
    setting: Annotated[
        list[str] | None,
        typer.Option(help="An Ultralytics training setting, KEY=VALUE (repeatable), e.g. mixup=0.1"),
    ] = None,
    seed: int = 0,
) -> None:
    """Fine-tune the helmet detector (motorbike, head_helmet, head_no_helmet) on helmet_dev's training
    part, from the COCO YOLOv8n; installs it as helmet-yolov8n.pt and exports ONNX (and int8)."""
    from detection.helmet_data import read_helmet_dev, split
    from detection.helmet_train import build_helmet_dataset, train_helmets
    from detection.models import models_dir, resolve, resolve_fp32
    from detection.train import check_device, training_settings

    try:
        settings = training_settings(setting or [])
        check_device(device)
        parts = split(read_helmet_dev(data))
    except (FileNotFoundError, ValueError) as exc:
        err.print(f"[red]{exc}[/]")
        raise typer.Exit(2) from exc
    if start_from is not None and not start_from.exists():
        err.print(f"[red]{start_from}: no such weights[/]")
        raise typer.Exit(2)
    if not parts["train"]:
        err.print(f"[red]{data}: no training photos (all {len(parts['held-out'])} are held out)[/]")
        raise typer.Exit(2)
    if images is not None:
        parts["train"] = parts["train"][:images]
    dataset = models_dir() / "datasets" / "helmets"
    with _progress() as progress:
        task = progress.add_task("cutting training images", total=len(parts["train"]))
        yaml, counts = build_helmet_dataset(
            dataset,
            parts["train"],
            seed=seed,
            bare_copies=bare_copies,
            progress=lambda done, _total: progress.update(task, completed=done),
        )
    budget = f"{minutes} minutes" if minutes else f"{epochs} epochs"
    err.print(f"training on {yaml} {counts} ({budget} at {imgsz}); {len(parts['held-out'])} held out")
    weights, metrics = train_helmets(
        yaml,
        epochs=epochs,
        imgsz=imgsz,
        batch=batch,
        minutes=minutes,
        start=start_from,
        device=device,
        settings=settings,
    )
    out.print(f"[green]installed {weights}[/]")
    for key in ("metrics/precision(B)", "metrics/recall(B)", "metrics/mAP50(B)"):
        if key in metrics:
            out.print(f"  {key}: {metrics[key]:.3f}")
    resolve.cache_clear()
    fp32 = resolve_fp32("helmet")
    out.print(f"[green]ONNX[/] {fp32.path}")
    if not (int8 or ship):
        return
    from detection.helmet_train import calibration_crops

    crops = calibration_crops(parts["train"], seed=seed)
    if ship:
        import shutil

        from detection.models import SHIPPED
        from detection.ship_int8 import ship as ship_int8

        shutil.copyfile(weights, SHIPPED / weights.name)
        entry = ship_int8(
            "helmet", crops, f"{len(crops)} rider crops of helmet_dev's training part (seed {seed})"
        )
        out.print(f"[green]shipped[/] detection/weights/{weights.name}, detection/weights/{entry['file']}")
        return
    from detection.quantize import quantize

    out.print(f"[green]int8[/] {quantize(fp32, crops)}")


@models_app.command("train-rec")
def train_rec(
    datasets: Annotated[Path, typer.Option(help="Folder holding vn_real_dev/, openalpr_us/, openalpr_eu/")],
    steps: Annotated[int, typer.Option(help="Training steps")] = 800,
    batch: Annotated[int, typer.Option(help="Lines per step")] = 16,
    lr: Annotated[float, typer.Option(help="Peak learning rate")] = 1e-4,
    warmup: Annotated[int, typer.Option(help="Warm-up steps")] = 30,
    renders: Annotated[int, typer.Option(help="Rendered VN plates added to the real lines")] = 700,
    output: Annotated[
        Path | None, typer.Option("--out", help="ONNX file to write (default: the shipped one)")
    ] = None,
    checkpoints: Annotated[Path | None, typer.Option(help="Checkpoint folder")] = None,
    seed: int = 0,
    resume: Annotated[
        Path | None,
        typer.Option(help="Start from this fine-tune (an ONNX train-rec wrote), not the stock model"),
    ] = None,
    rare_letters: Annotated[
        bool, typer.Option(help="Repeat real lines holding rare characters (J, Q, I, O, U) up to 4 times")
    ] = False,
) -> None:
    """Fine-tune the plate recogniser (PP-OCRv4 rec) on real tune-split lines and renders; writes
    the ONNX model and its JSON (ocr/weights/ by default, which LineRecognizer then uses)."""
    from datetime import UTC, datetime

    from detection.models import models_dir
    from detection.rec_train import (
        TrainSettings,
        build_lines,
        rare_letters_repeated,
        sha256_file,
        ship,
        train,
    )
    from ocr.rec_convert import load_onnx_weights, to_torch
    from ocr.recognizer import SHIPPED_RECOGNIZER, rapidocr_model

    settings = TrainSettings(steps=steps, batch=batch, lr=lr, warmup=warmup, renders=renders, seed=seed)
    with _progress() as progress:
        task = progress.add_task("cutting training lines", total=None)
        lines, counts = build_lines(
            datasets, renders, seed, progress=lambda d, t: progress.update(task, completed=d, total=t)
        )
    if not counts["vn_real_dev_tune_plates"] + counts["openalpr_tune_plates"]:
        err.print(f"[yellow]no labelled real photos under {datasets}: training on renders only[/]")
    if rare_letters:
        lines = rare_letters_repeated(lines)
        counts["rare_letter_copies"] = len(lines) - sum(
            counts[f"{s}_lines"] for s in ("vn", "alpr", "render")
        )
    err.print(f"training lines: {counts}")
    stock = rapidocr_model()
    module = to_torch(stock)
    resumed: dict[str, object] = {}
    if resume is not None:
        load_onnx_weights(module, stock, resume)
        resumed = {"resumed_from": {"file": resume.name, "sha256": sha256_file(resume)}}
    with _progress() as progress:
        task = progress.add_task("training (loss …)", total=steps)

        def show(step: int, loss: float) -> None:
            progress.update(task, completed=step, description=f"training (loss {loss:.3f})")

        losses = train(module, lines, settings, checkpoints or models_dir() / "rec-checkpoints", show)
    target = output or SHIPPED_RECOGNIZER
    manifest = ship(
        module,
        stock,
        target,
        {
            "made": datetime.now(UTC).strftime("%Y-%m-%d"),
            "training_data": counts,
            "settings": settings.__dict__,
            "final_loss": round(float(np.mean(losses[-50:])), 4),
            **resumed,
        },
    )
    out.print(f"[green]wrote {target}[/] sha256 {manifest['sha256'][:16]}")


@models_app.command("quantize")
def quantize_models(
    photos: Annotated[
        list[Path] | None,
        typer.Option("--photos", help="Labelled photo folders (images/ + labels.csv) for calibration"),
    ] = None,
    frames: Annotated[int, typer.Option(help="Calibration frames")] = 32,
    seed: int = 0,
    ship: Annotated[
        bool,
        typer.Option(
            "--ship",
            help="Make the int8 files shipped in detection/weights (maintainers): calibrated on real "
            "vn_real_dev photos and vn_real_footage frames",
        ),
    ] = False,
    datasets: Annotated[
        Path | None,
        typer.Option(help="With --ship: the folder holding vn_real_dev and vn_real_footage"),
    ] = None,
) -> None:
    """Make int8 versions of the vehicle and plate detectors (used automatically once present)."""
    import random

    from detection.models import plate_detector_name, resolve_fp32
    from detection.quantize import quantize
    from detection.synth import composite
    from detection.train import held_out, read_labels

    plate = plate_detector_name()
    if ship:
        if datasets is None:
            err.print("[red]--ship needs --datasets FOLDER (holding vn_real_dev and vn_real_footage).[/]")
            raise typer.Exit(2)
        from detection.ship_int8 import real_calibration_frames
        from detection.ship_int8 import ship as ship_int8

        try:
            real = real_calibration_frames(
                datasets, photos=frames * 3 // 4, clip_frames=frames // 4, seed=seed
            )
        except FileNotFoundError as exc:
            err.print(f"[red]{exc}[/]")
            raise typer.Exit(2) from exc
        note = (
            f"{len(real)} real frames (seed {seed}): vn_real_dev photos outside the held-out fifth "
            "and frames spread over the vn_real_footage clips"
        )
        for name in ("coco-yolov8n", plate):
            entry = ship_int8(name, real, note)
            out.print(f"[green]{name}[/]: detection/weights/{entry['file']} sha256 {entry['sha256'][:12]}")
        return
    folders = _photo_folders(photos)
    try:
        items = [i for f in folders for i in read_labels(f) if not held_out(i.image)]
    except FileNotFoundError as exc:
        err.print(f"[red]{exc}[/]")
        raise typer.Exit(2) from exc
    if not items:
        err.print("[red]No labelled photos for calibration: pass --photos FOLDER.[/]")
        raise typer.Exit(2)
    rng = random.Random(seed)
    calibration = []
    for _ in range(frames):
        src = rng.choice(items)
        calibration.append(composite(load_image(src.image), src.box, rng).image)
    for name in ("coco-yolov8n", plate):
        target = quantize(resolve_fp32(name), calibration)
        out.print(f"[green]{name}[/]: {target}")


@cameras_app.command("check")
def cameras_check(
    file: Annotated[Path, typer.Argument(help="Camera YAML file")],
    frame: Annotated[Path | None, typer.Option(help="A frame from this camera to draw on")] = None,
    png: Annotated[Path | None, typer.Option("--out", help="Overlay PNG (default FILE.overlay.png)")] = None,
    footage: Annotated[
        Path | None, typer.Option(help="Footage from this camera: print and draw each signal head's timeline")
    ] = None,
) -> None:
    """Validate a camera file and draw its zones, lanes, lines and calibration as a PNG."""
    import cv2

    from detection.camera_config import CameraConfigError, load_camera_config
    from detection.frame_size import FrameSizeError, check_frame_size
    from detection.overlay import draw_camera_overlay

    try:
        config = load_camera_config(file)
        image = load_image(frame) if frame else None
        if image is not None:
            check_frame_size(config, image)
    except (CameraConfigError, ImageError, FrameSizeError) as exc:
        err.print(f"[red]✗ {exc}[/]")
        raise typer.Exit(1) from exc
    target = png or file.with_suffix(".overlay.png")
    if not cv2.imwrite(str(target), draw_camera_overlay(config, image)):
        err.print(f"[red]✗ cannot write {target}[/]")
        raise typer.Exit(1)
    cam = config.camera
    out.print(
        f"[green]✓[/] {cam.id} v{cam.version} ({cam.location.name}): {len(config.lines)} lines, "
        f"{len(config.zones)} zones, {len(config.lanes)} lanes; overlay: {target}"
    )
    if footage is not None:
        _print_signal_timelines(config, footage, target.with_suffix(".signal.png"))


def _print_signal_timelines(config: Any, footage: Path, png: Path) -> None:
    import cv2

    from detection.signal_check import draw_timelines, read_timelines
    from detection.sources import SourceError

    try:
        timelines, duration = read_timelines(config, footage)
    except (ValueError, SourceError) as exc:
        err.print(f"[red]✗ {exc}[/]")
        raise typer.Exit(1) from exc
    for tl in timelines:
        changes = ", ".join(f"{t:.2f} s {state}" for t, state in tl.changes) or "never read"
        out.print(f"signal head [bold]{tl.name}[/]: {changes}")
    if not cv2.imwrite(str(png), draw_timelines(timelines, duration)):
        err.print(f"[red]✗ cannot write {png}[/]")
        raise typer.Exit(1)
    out.print(f"signal timeline: {png}")


@cameras_app.command("calibrate-light")
def cameras_calibrate_light(
    file: Annotated[Path, typer.Argument(help="Camera YAML file with its signal heads' boxes")],
    footage: Annotated[Path, typer.Argument(help="Footage from this camera, with the lamps changing")],
    max_frames: Annotated[int, typer.Option(help="Frames to learn from, from the start")] = 3000,
) -> None:
    """Find each signal head's lamps in the camera's own footage (where brightness changes over time)
    and how bright each is unlit and lit; prints the traffic_light section to paste into the file."""
    from detection.camera_config import CameraConfigError, load_camera_config
    from detection.signal_check import calibrate_lamps, lamps_yaml
    from detection.sources import SourceError

    try:
        config = load_camera_config(file)
        lamps = calibrate_lamps(config, footage, max_frames)
    except (CameraConfigError, ValueError, SourceError) as exc:
        err.print(f"[red]✗ {exc}[/]")
        raise typer.Exit(1) from exc
    for name, found in lamps.items():
        never = [str(lamp.colour) for lamp in found if lamp.lit is None]
        if never:
            err.print(f"[yellow]{name}: never seen lit: {', '.join(never)} (placed by the layout)[/]")
    print(lamps_yaml(config, lamps), end="")


@footage_app.command("generate")
def footage_generate(
    out_dir: Annotated[Path, typer.Argument(help="Folder for footage.mp4, camera.yaml and truth.json")],
    photos: Annotated[
        Path, typer.Option(help="Labelled photo folder (images/ + labels.csv) to take vehicles from")
    ],
) -> None:
    """Generate 1080p test footage: a car speeding on green, a car running the red, one stopping."""
    from detection.footage import Photo, generate, pick_vehicles, standard_scenario
    from detection.train import read_labels

    try:
        items = read_labels(photos)
    except FileNotFoundError as exc:
        err.print(f"[red]{exc}[/]")
        raise typer.Exit(2) from exc
    scenario = standard_scenario()
    try:
        picked = pick_vehicles([Photo(i.image, i.box) for i in items], len(scenario.drives))
    except ValueError as exc:
        err.print(f"[red]{exc}[/]")
        raise typer.Exit(2) from exc
    with err.status("rendering frames…"):
        made = generate(out_dir, picked, scenario)
    out.print(
        f"[green]footage[/] {made.video}\n[green]camera[/]  {made.camera}\n[green]truth[/]   {made.truth}"
    )
    out.print(f"recording started at {made.started_at.isoformat()} (the file's modification time)")
