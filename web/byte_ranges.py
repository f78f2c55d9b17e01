"""Single byte-range responses (RFC 9110 §14) for evidence the browser plays: Chromium seeks in a video
only when its server answers ``Range`` with 206. A Range header that does not parse, or asks for more
than one range, is ignored and the whole file is sent, as the RFC allows."""

from __future__ import annotations

import re

from fastapi import Request
from fastapi.responses import Response

from core.errors import AppError

_ONE_RANGE = re.compile(r"bytes=(\d*)-(\d*)")


class RangeNotSatisfiable(AppError):
    """The requested byte range lies outside the file."""

    status_code = 416

    def __init__(self, size: int) -> None:
        self.size = size
        super().__init__(f"the file has {size} bytes; the range asked for lies outside it")

    @property
    def headers(self) -> dict[str, str]:
        return {"Content-Range": f"bytes */{self.size}"}


def _span(header: str, size: int) -> tuple[int, int] | None:
    """The inclusive (first, last) byte asked for; None to send the whole file."""
    match = _ONE_RANGE.fullmatch(header.strip())
    if match is None or match.group(1) == match.group(2) == "":
        return None
    if size == 0:
        raise RangeNotSatisfiable(size)
    first, last = match.group(1), match.group(2)
    if first == "":  # the last N bytes
        suffix = int(last)
        if suffix == 0:
            raise RangeNotSatisfiable(size)
        return max(0, size - suffix), size - 1
    start = int(first)
    if last and int(last) < start:
        return None  # not a valid range: ignored
    if start >= size:
        raise RangeNotSatisfiable(size)
    return start, min(int(last), size - 1) if last else size - 1


def ranged_response(request: Request, data: bytes, media_type: str, headers: dict[str, str]) -> Response:
    headers = {**headers, "Accept-Ranges": "bytes"}
    header = request.headers.get("range")
    span = _span(header, len(data)) if header else None
    if span is None:
        return Response(data, media_type=media_type, headers=headers)
    first, last = span
    headers["Content-Range"] = f"bytes {first}-{last}/{len(data)}"
    return Response(data[first : last + 1], status_code=206, media_type=media_type, headers=headers)
