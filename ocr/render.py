"""Synthetic Vietnamese plates: real sizes and character layout (Circular 79/2024 Appendix 04), colours
by owner, and photographic degradations. Used to train the plate detector and to test the reader.

Geometry is drawn in millimetres and scaled; each glyph is fitted to its legal cell (63×38 mm for cars,
55×22 mm for motorbikes), so any condensed sans font gives the plate's proportions.
"""

from __future__ import annotations

import io
import random
from dataclasses import dataclass
from enum import StrEnum
from functools import lru_cache
from pathlib import Path

import cv2
import numpy as np
from PIL import Image, ImageDraw, ImageFont

from ocr.plate_format import PlateFamily, PlateNumber, parse_plate

FONT_CANDIDATES = [
    "/usr/share/fonts/truetype/liberation/LiberationSansNarrow-Bold.ttf",
    "/usr/share/fonts/truetype/dejavu/DejaVuSansCondensed-Bold.ttf",
    "/usr/share/fonts/truetype/liberation/LiberationSans-Bold.ttf",
    "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf",
]
L20 = "ABCDEFGHKLMNPSTUVXYZ"
L11 = "ABCDEFGHKLM"
CAR_PROVINCES = [
    f"{n:02d}" for n in (11, 12, *range(14, 42), 43, *range(47, 87), 88, 89, 90, 92, 93, 94, 95, 97, 98, 99)
]


class Layout(StrEnum):
    car_long = "car_long"  # 520 × 110, one line
    car_short = "car_short"  # 330 × 165, two lines
    motorbike = "motorbike"  # 190 × 140, two lines


class Colour(StrEnum):
    white = "white"
    yellow = "yellow"
    blue = "blue"


PLATE_MM = {Layout.car_long: (520, 110), Layout.car_short: (330, 165), Layout.motorbike: (190, 140)}
BACKGROUND = {
    Colour.white: (250, 250, 248),
    Colour.yellow: (35, 223, 247),
    Colour.blue: (200, 119, 82),
}  # BGR
INK = {Colour.white: (20, 20, 20), Colour.yellow: (20, 20, 20), Colour.blue: (250, 250, 250)}


class FontMissing(RuntimeError):
    pass


@dataclass(frozen=True)
class PlateSpec:
    plate: PlateNumber
    layout: Layout
    colour: Colour = Colour.white

    @property
    def lines(self) -> tuple[str, ...]:
        if self.layout is Layout.car_long:
            return (self.plate.display,)
        if self.layout is Layout.car_short:
            num = self.plate.lines[-1].split("-")[-1]
            return (f"{self.plate.province}{self.plate.series}", num)
        return self.plate.lines


def available_fonts() -> list[str]:
    fonts = [f for f in FONT_CANDIDATES if Path(f).exists()]
    if not fonts:
        raise FontMissing(
            "no plate font found; install Debian's fonts-liberation or fonts-dejavu-core (looked in: "
            + ", ".join(FONT_CANDIDATES)
            + ")"
        )
    return fonts


@lru_cache(maxsize=512)
def _glyph(char: str, font_path: str) -> np.ndarray:
    """The glyph's ink as a 0..255 mask, cropped tight."""
    font = ImageFont.truetype(font_path, 200)
    canvas = Image.new("L", (260, 300), 0)
    ImageDraw.Draw(canvas).text((20, 10), char, font=font, fill=255)
    mask = np.array(canvas)
    ys, xs = np.nonzero(mask > 40)
    return mask[ys.min() : ys.max() + 1, xs.min() : xs.max() + 1]


def _line_items(text: str, moto: bool, top_row: bool) -> list[tuple[str, float]]:
    """(character, advance width in mm) for one printed row."""
    char_w, gap = (22.0, 5.0 if top_row else 10.0) if moto else (38.0, 10.0)
    items = []
    for ch in text:
        if ch == "-":
            items.append((ch, (12.0 if moto else 14.0) + gap))
        elif ch == ".":
            items.append((ch, (7.0 if moto else 10.0) + gap))
        elif ch == " ":
            continue
        else:
            items.append((ch, char_w + gap))
    return items


def _draw_row(
    img: np.ndarray,
    text: str,
    *,
    y_top: float,
    height: float,
    plate_w: float,
    moto: bool,
    top_row: bool,
    scale: float,
    ink: tuple[int, int, int],
    font: str,
) -> None:
    items = _line_items(text, moto, top_row)
    gap = (5.0 if top_row else 10.0) if moto else 10.0
    char_w = 22.0 if moto else 38.0
    total = sum(w for _, w in items) - gap
    x = (plate_w - total) / 2
    for ch, advance in items:
        w = advance - gap
        if ch == "-":
            box = (x, y_top + height * 0.45, x + w, y_top + height * 0.45 + (7 if moto else 10))
            _fill(img, box, scale, ink)
        elif ch == ".":
            d = 7.0 if moto else 10.0
            box = (x, y_top + height - d, x + d, y_top + height)
            _fill(img, box, scale, ink)
        else:
            glyph = _glyph(ch, font)
            gw = char_w * (0.6 if ch == "1" else 1.0)
            gx = x + (char_w - gw) / 2 if ch == "1" else x
            _paste(img, glyph, (gx, y_top, gx + gw, y_top + height), scale, ink)
        x += advance


def _fill(
    img: np.ndarray, box: tuple[float, float, float, float], scale: float, ink: tuple[int, int, int]
) -> None:
    x1, y1, x2, y2 = (round(v * scale) for v in box)
    img[y1:y2, x1:x2] = ink


def _paste(
    img: np.ndarray,
    glyph: np.ndarray,
    box: tuple[float, float, float, float],
    scale: float,
    ink: tuple[int, int, int],
) -> None:
    x1, y1, x2, y2 = (round(v * scale) for v in box)
    if x2 <= x1 or y2 <= y1:
        return
    alpha = (
        cv2.resize(glyph, (x2 - x1, y2 - y1), interpolation=cv2.INTER_AREA).astype(np.float32)[..., None]
        / 255
    )
    region = img[y1:y2, x1:x2].astype(np.float32)
    img[y1:y2, x1:x2] = (region * (1 - alpha) + np.array(ink, np.float32) * alpha).astype(np.uint8)


def render_plate(spec: PlateSpec, *, px_per_mm: float = 2.0, font: str | None = None) -> np.ndarray:
    """A clean, front-on plate image (BGR uint8)."""
    font = font or available_fonts()[0]
    w_mm, h_mm = PLATE_MM[spec.layout]
    w, h = int(w_mm * px_per_mm), int(h_mm * px_per_mm)
    bg, ink = BACKGROUND[spec.colour], INK[spec.colour]
    img = np.full((h, w, 3), bg, np.uint8)
    rim = max(2, int(3.5 * px_per_mm))
    cv2.rectangle(img, (rim // 2, rim // 2), (w - rim // 2 - 1, h - rim // 2 - 1), ink, rim, cv2.LINE_AA)
    moto = spec.layout is Layout.motorbike
    lines = spec.lines
    if spec.layout is Layout.car_long:
        rows = [(23.0, 63.0)]
    elif spec.layout is Layout.car_short:
        rows = [(12.0, 63.0), (90.0, 63.0)]
    else:
        rows = [(9.0, 54.0), (74.0, 53.0)]
    for i, (text, (y_top, height)) in enumerate(zip(lines, rows, strict=True)):
        _draw_row(
            img,
            text,
            y_top=y_top,
            height=height,
            plate_w=w_mm,
            moto=moto,
            top_row=i == 0 and len(lines) == 2,
            scale=px_per_mm,
            ink=ink,
            font=font,
        )
    return img


def random_spec(rng: random.Random, layout: Layout | None = None) -> PlateSpec:
    """A random, valid plate with a realistic layout and colour."""
    layout = layout or rng.choices(list(Layout), weights=[40, 15, 45])[0]
    prov = rng.choice(CAR_PROVINCES)
    number = f"{rng.randint(0, 99999):05d}" if rng.random() < 0.9 else f"{rng.randint(0, 9999):04d}"
    if layout is Layout.motorbike:
        roll = rng.random()
        if roll < 0.5:
            series = rng.choice(L20) + str(rng.randint(1, 9))
        elif roll < 0.95:
            series = rng.choice(L20) + rng.choice(L20)
        else:
            series = "MD" + str(rng.randint(1, 9))
        colour = Colour.blue if rng.random() < 0.05 else Colour.white
        if colour is Colour.blue:
            series = rng.choice(L11) + str(rng.randint(1, 9))
        text, family = f"{prov}-{series} {number}", PlateFamily.motorbike
    else:
        colour = rng.choices(list(Colour), weights=[70, 22, 8])[0]
        letters = L11 if colour is Colour.blue else L20
        series = rng.choice(letters) if rng.random() < 0.93 else rng.choice(["LD", "KT", "RM", "HC"])
        text, family = f"{prov}{series}{number}", PlateFamily.car
    return PlateSpec(parse_plate(text, family=family), layout, colour)


def degrade(
    img: np.ndarray,
    rng: random.Random,
    *,
    target_width: int | None = None,
    applied: set[str] | None = None,
) -> np.ndarray:
    """Photographic damage: perspective tilt, scale, blur, light, dirt, noise and JPEG.

    ``applied`` collects the names of the optional kinds that were applied (gradient, dirt, blur,
    motion_blur), for benchmarks that break results down by damage."""
    applied = set() if applied is None else applied
    h, w = img.shape[:2]
    pad = int(0.08 * w)
    border = tuple(int(v) for v in np.clip(np.array(img[h // 2, 2], float) * rng.uniform(0.3, 1.0), 0, 255))
    img = cv2.copyMakeBorder(img, pad, pad, pad, pad, cv2.BORDER_CONSTANT, value=border)
    h, w = img.shape[:2]
    jitter = 0.06
    src = np.array([[pad, pad], [w - pad, pad], [w - pad, h - pad], [pad, h - pad]], np.float32)
    dst = src + np.array(
        [[rng.uniform(-jitter, jitter) * w, rng.uniform(-jitter, jitter) * h] for _ in range(4)], np.float32
    )
    matrix = cv2.getPerspectiveTransform(src, dst)
    img = cv2.warpPerspective(img, matrix, (w, h), borderMode=cv2.BORDER_REPLICATE)
    x1, y1 = dst.min(axis=0).clip(0)
    x2, y2 = dst.max(axis=0)
    mx, my = rng.uniform(0.0, 0.06) * w, rng.uniform(0.0, 0.08) * h
    img = img[int(max(0, y1 - my)) : int(min(h, y2 + my)), int(max(0, x1 - mx)) : int(min(w, x2 + mx))]
    if rng.random() < 0.5:  # uneven light: a gradient across the plate
        applied.add("gradient")
        gh, gw = img.shape[:2]
        ramp = np.linspace(rng.uniform(0.5, 1.0), rng.uniform(0.8, 1.2), gw, dtype=np.float32)[None, :, None]
        img = np.clip(img.astype(np.float32) * ramp, 0, 255).astype(np.uint8)
    if rng.random() < 0.35:  # dirt
        applied.add("dirt")
        for _ in range(rng.randint(1, 6)):
            gh, gw = img.shape[:2]
            centre = (rng.randint(0, gw - 1), rng.randint(0, gh - 1))
            axes = (rng.randint(2, max(3, gw // 12)), rng.randint(2, max(3, gh // 8)))
            shade = int(rng.uniform(60, 140))
            cv2.ellipse(img, centre, axes, rng.uniform(0, 180), 0, 360, (shade, shade, shade - 10), -1)
    width = target_width or rng.randint(70, 260)
    scale = width / img.shape[1]
    img = cv2.resize(img, (width, max(8, int(img.shape[0] * scale))), interpolation=cv2.INTER_AREA)
    if rng.random() < 0.5:
        applied.add("blur")
        k = rng.choice([3, 5]) if width > 120 else 3
        img = cv2.GaussianBlur(img, (k, k), rng.uniform(0.3, 1.2))
    if rng.random() < 0.2:  # motion blur
        applied.add("motion_blur")
        k = rng.randint(3, 6)
        kernel = np.zeros((k, k), np.float32)
        kernel[k // 2, :] = 1.0 / k
        img = cv2.filter2D(img, -1, kernel)
    alpha, beta = rng.uniform(0.6, 1.3), rng.uniform(-40, 40)
    img = np.clip(img.astype(np.float32) * alpha + beta, 0, 255)
    img = np.clip(
        img + np.random.default_rng(rng.randint(0, 2**31)).normal(0, rng.uniform(0, 8), img.shape), 0, 255
    )
    img = img.astype(np.uint8)
    ok, buf = cv2.imencode(".jpg", img, [cv2.IMWRITE_JPEG_QUALITY, rng.randint(35, 95)])
    decoded = cv2.imdecode(buf, cv2.IMREAD_COLOR) if ok else None
    return np.asarray(decoded) if decoded is not None else img


def to_png(img: np.ndarray) -> bytes:
    out = io.BytesIO()
    Image.fromarray(cv2.cvtColor(img, cv2.COLOR_BGR2RGB)).save(out, format="PNG")
    return out.getvalue()
