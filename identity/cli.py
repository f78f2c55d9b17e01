"""`tvp identity fixtures|read-qr|read-mrz|read-chip`: generated test cards and the card readers."""

from __future__ import annotations

import json
import random
from pathlib import Path
from typing import Annotated, Any

import typer

from core.console import fail, out

identity_app = typer.Typer(
    help="Chip ID cards (CCCD): test fixtures and the card readers.", no_args_is_help=True
)
GROUPS = {"identity": identity_app}


@identity_app.command("fixtures")
def fixtures(
    folder: Annotated[Path, typer.Argument(help="Where to write (created)")],
    count: Annotated[int, typer.Option(help="Synthetic citizens")] = 5,
    seed: Annotated[int, typer.Option(help="Same seed, same citizens")] = 0,
) -> None:
    """Synthetic citizens with signed chip data (a fresh test CSCA → DSC), card images and photos.

    Writes csca/ (the trust store: point TVP_IDENTITY_CSCA_DIR at it), and per citizen a folder with
    citizen.json, chip/{dg1,dg2,dg13,sod}.bin, front.png, back.png and back-photo.jpg. No real person.
    """
    import cv2

    from identity.fixtures.cards import PhotoConditions, photograph, render_back, render_front
    from identity.fixtures.chip import ChipPKI
    from identity.fixtures.citizens import make_citizens

    pki = ChipPKI.create()
    pki.write_trust_dir(folder / "csca")
    for i, c in enumerate(make_citizens(count, seed=seed)):
        home = folder / f"citizen-{i:03d}"
        (home / "chip").mkdir(parents=True, exist_ok=True)
        chip = pki.chip(c, seed=i)
        for name, data in (("dg1", chip.dg1), ("dg2", chip.dg2), ("dg13", chip.dg13), ("sod", chip.sod)):
            (home / "chip" / f"{name}.bin").write_bytes(data or b"")
        (home / "citizen.json").write_text(
            json.dumps(c.record().as_dict(), ensure_ascii=False, indent=2), encoding="utf-8"
        )
        cv2.imwrite(str(home / "front.png"), render_front(c, seed=i))
        back = render_back(c, seed=i)
        cv2.imwrite(str(home / "back.png"), back)
        cond = PhotoConditions.random(random.Random(seed * 1000 + i))
        cv2.imwrite(str(home / "back-photo.jpg"), photograph(back, cond, seed=i))
    out.print(f"{count} synthetic citizens in {folder} (trust store: {folder / 'csca'})")


def _emit(payload: dict[str, Any]) -> None:
    out.print_json(json.dumps(payload, ensure_ascii=False, default=str))


def _image(path: Path) -> Any:
    from detection.images import ImageError, load_image

    try:
        return load_image(path)
    except ImageError as exc:
        raise fail(str(exc)) from exc


@identity_app.command("read-qr")
def read_qr(image: Annotated[Path, typer.Argument(help="Photo of the card front")]) -> None:
    """Decode the CCCD QR code in a photo."""
    from identity.errors import IdentityError
    from identity.qr import read_qr_image

    try:
        _emit(read_qr_image(_image(image)).as_dict())
    except IdentityError as exc:
        raise fail(str(exc)) from exc


@identity_app.command("read-mrz")
def read_mrz(image: Annotated[Path, typer.Argument(help="Photo of the card back")]) -> None:
    """Read the MRZ in a photo (every check digit verified)."""
    from identity.errors import IdentityError
    from identity.mrz_ocr import MRZReader

    try:
        read = MRZReader().read(_image(image))
    except IdentityError as exc:
        raise fail(str(exc)) from exc
    _emit({"lines": list(read.lines), "record": read.record.as_dict(), "score": round(read.score, 4)})


@identity_app.command("read-chip")
def read_chip_files(
    folder: Annotated[Path, typer.Argument(help="Folder with dg1.bin, sod.bin and optionally dg2/dg13.bin")],
) -> None:
    """Passive authentication of chip files against the CSCA store (TVP_IDENTITY_CSCA_DIR)."""
    from identity.chip.reader import ChipData, read_chip
    from identity.errors import IdentityError

    def part(name: str) -> bytes | None:
        path = folder / f"{name}.bin"
        return path.read_bytes() if path.exists() else None

    dg1, sod = part("dg1"), part("sod")
    if dg1 is None or sod is None:
        raise fail(f"{folder} needs dg1.bin and sod.bin")
    try:
        read = read_chip(ChipData(dg1=dg1, sod=sod, dg2=part("dg2"), dg13=part("dg13")))
    except IdentityError as exc:
        raise fail(str(exc)) from exc
    _emit({"record": read.record.as_dict(), "passive_auth": read.auth.__dict__})
