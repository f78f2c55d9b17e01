"""Date fields as the card sources write them (QR ``DDMMYYYY``, MRZ ``YYMMDD``)."""

from __future__ import annotations

from datetime import date


def parse_ddmmyyyy(text: str) -> date | None:
    """``01011990`` → 1990-01-01; None when it is not a real date."""
    if len(text) != 8 or not text.isascii() or not text.isdigit():
        return None
    try:
        return date(int(text[4:]), int(text[2:4]), int(text[:2]))
    except ValueError:
        return None


def parse_yymmdd(text: str, century: int) -> date | None:
    """``990101`` with century 1900 → 1999-01-01; None when it is not a real date."""
    if len(text) != 6 or not text.isascii() or not text.isdigit():
        return None
    try:
        return date(century + int(text[:2]), int(text[2:4]), int(text[4:]))
    except ValueError:
        return None


def yymmdd(value: date) -> str:
    return value.strftime("%y%m%d")


def ddmmyyyy(value: date) -> str:
    return f"{value.day:02d}{value.month:02d}{value.year:04d}"
