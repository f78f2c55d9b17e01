"""What the exam pages show beyond the stored attempt: the chip photo and a live frame of the check-in
being answered, as data: URIs of that one response (never stored), and error messages in the page's
language."""

from __future__ import annotations

import base64
from typing import Any

import cv2
import numpy as np
from fastapi import Request

from exams.checkin import CardInput
from identity.chip.datagroups import decode_dg2
from identity.errors import IdentityError
from identity.face.match import decode_image
from web.i18n import lang_of, translator


def _jpeg_uri(image: np.ndarray) -> str:
    ok, buf = cv2.imencode(".jpg", image, [cv2.IMWRITE_JPEG_QUALITY, 85])
    return "data:image/jpeg;base64," + base64.b64encode(buf.tobytes()).decode() if ok else ""


def card_photos(card: CardInput) -> dict[str, str | None]:
    """The chip's DG2 photo (as presented, authentic or not) and the first live frame."""
    chip: str | None = None
    if card.chip is not None and card.chip.dg2:
        try:
            chip = _jpeg_uri(decode_image(decode_dg2(card.chip.dg2)))
        except (IdentityError, ValueError):
            chip = None  # the result says why; there is simply no photo to show
    live = _jpeg_uri(card.frames[0]) if card.frames else None
    return {"chip": chip or None, "live": live or None}


def message_of(request: Request, exc: Exception) -> str:
    """The engine's {code, vi, en} in the page's language; else our text for the error, or its detail."""
    lang = lang_of(request)
    detail: Any = getattr(exc, "detail", None)
    if isinstance(detail, dict) and "vi" in detail:
        return f"{detail.get(lang, detail['vi'])} ({detail.get('code', '')})"
    t = translator(lang)
    key = f"exam_error_{type(exc).__name__}"
    said = t(key)
    if said != key:
        return said
    if isinstance(detail, list):
        return "; ".join(str(d) for d in detail)
    return str(detail if detail is not None else exc)
