"""Files a citizen attaches to a dispute. Nothing is stored as sent: an image is decoded and encoded
again (which drops anything hidden in it: metadata, trailing bytes, polyglot payloads), anything else
is refused with a clear reason. A PDF is parsed and written again page by page, keeping only the pages'
content: no scripts, open actions, embedded files, forms or links survive."""

from __future__ import annotations

import io
from dataclasses import dataclass

from PIL import Image, UnidentifiedImageError
from pypdf import PdfReader, PdfWriter
from pypdf.errors import PdfReadError
from pypdf.generic import NameObject

from penalties.responses.exceptions import AttachmentRejected

IMAGE_TYPES = {"JPEG": "image/jpeg", "PNG": "image/png", "WEBP": "image/webp"}
MAX_PIXELS = 40_000_000  # a 5 MB file cannot be a larger honest photo; refuse decompression bombs
PDF_MAGIC = b"%PDF-"
MAX_PDF_PAGES = 30
PAGE_KEYS_DROPPED = ("/AA", "/Annots", "/Metadata", "/PieceInfo")  # actions, links, widgets, extras


@dataclass(frozen=True)
class CleanFile:
    filename: str
    content_type: str
    data: bytes


def _name(filename: str) -> str:
    base = filename.replace("\\", "/").rsplit("/", 1)[-1].strip()
    return "".join(ch for ch in base if ch.isprintable())[:200] or "attachment"


def _reencode(image: Image.Image, fmt: str) -> bytes:
    out = io.BytesIO()
    if fmt == "JPEG":
        image.convert("RGB").save(out, "JPEG", quality=90)
    elif fmt == "PNG":
        keep = image if image.mode in ("1", "L", "LA", "P", "RGB", "RGBA") else image.convert("RGBA")
        keep.save(out, "PNG")
    else:
        image.convert("RGBA" if "A" in image.mode else "RGB").save(out, "WEBP", quality=90)
    return out.getvalue()


def _rewrite_pdf(name: str, data: bytes) -> bytes:
    try:
        reader = PdfReader(io.BytesIO(data), strict=True)
        if reader.is_encrypted:
            raise AttachmentRejected(f"{name}: the PDF is password-protected")
        if not 0 < len(reader.pages) <= MAX_PDF_PAGES:
            raise AttachmentRejected(f"{name}: a PDF of 1 to {MAX_PDF_PAGES} pages is accepted")
        writer = PdfWriter()
        for page in reader.pages:
            added = writer.add_page(page)
            for key in PAGE_KEYS_DROPPED:
                added.pop(NameObject(key), None)
        out = io.BytesIO()
        writer.write(out)
    except AttachmentRejected:
        raise
    except (PdfReadError, OSError, ValueError, KeyError, TypeError, AttributeError, RecursionError):
        raise AttachmentRejected(f"{name}: the PDF is damaged and cannot be read") from None
    return out.getvalue()


def clean(filename: str, data: bytes, *, max_bytes: int) -> CleanFile:
    """The file, re-encoded, or AttachmentRejected (422) saying why."""
    name = _name(filename)
    if not data:
        raise AttachmentRejected(f"{name}: the file is empty")
    if len(data) > max_bytes:
        raise AttachmentRejected(f"{name}: larger than {max_bytes // 1_048_576} MB")
    if data.startswith(PDF_MAGIC):
        return CleanFile(name, "application/pdf", _rewrite_pdf(name, data))
    try:
        with Image.open(io.BytesIO(data)) as probe:
            fmt = probe.format or ""
            if fmt not in IMAGE_TYPES:
                raise AttachmentRejected(f"{name}: only JPEG, PNG or WebP images are accepted, not {fmt}")
            if probe.width * probe.height > MAX_PIXELS:
                raise AttachmentRejected(f"{name}: the image is too large ({probe.width}×{probe.height})")
            probe.load()  # decodes every pixel: a truncated or corrupt file fails here
            cleaned = _reencode(probe, fmt)
    except AttachmentRejected:
        raise
    except (UnidentifiedImageError, Image.DecompressionBombError, ImportError):
        # ImportError: once Ultralytics is imported in the process, its patched Image.open tries to load
        # a HEIF plugin for any file Pillow cannot identify (and fails when it is not installed).
        raise AttachmentRejected(f"{name}: not a JPEG, PNG or WebP image") from None
    except (OSError, SyntaxError, ValueError):
        raise AttachmentRejected(f"{name}: the image is damaged and cannot be read") from None
    return CleanFile(name, IMAGE_TYPES[fmt], cleaned)
