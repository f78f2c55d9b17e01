"""Secrets generated once per data dir for dev, test and demo runs, so that no published default secret
works anywhere. Production never uses these: it refuses to start without real secrets."""

from __future__ import annotations

import contextlib
import math
import os
import secrets
from collections import Counter
from pathlib import Path

MIN_SECRET_CHARS = 32
MIN_SECRET_BITS = 96  # estimated; a random 32-char hex or 43-char url-safe token passes, "a" * 40 fails


def write_once(path: Path, data: bytes) -> bytes:
    """Create ``path`` (0600) holding ``data`` unless it exists; the bytes on disk either way. Safe when
    threads or processes race: the first file linked into place wins and every caller reads it."""
    with contextlib.suppress(FileNotFoundError):
        return path.read_bytes()
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    tmp = path.with_name(f".{path.name}.{secrets.token_hex(4)}")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(data)
    try:
        os.link(tmp, path)  # fails if another made it first: theirs wins
    except FileExistsError:
        pass
    finally:
        tmp.unlink()
    return path.read_bytes()


def local_secret(data_dir: Path, name: str) -> str:
    """The secret ``name`` of this data dir, created (0600) on first use. Safe when processes race."""
    return write_once(data_dir / "secrets" / name, secrets.token_urlsafe(48).encode()).decode().strip()


def estimated_bits(value: str) -> float:
    """Shannon estimate of a secret's entropy: length × bits per character of its own distribution."""
    if not value:
        return 0.0
    counts = Counter(value)
    per_char = -sum(n / len(value) * math.log2(n / len(value)) for n in counts.values())
    return per_char * len(value)


def weakness(value: str) -> str | None:
    """Why ``value`` is not good enough for a production secret, or None."""
    if len(value) < MIN_SECRET_CHARS:
        return f"shorter than {MIN_SECRET_CHARS} characters"
    if "insecure" in value.lower() or "change-me" in value.lower():
        return "a published development default"
    if estimated_bits(value) < MIN_SECRET_BITS:
        return "too predictable (repeated characters): use e.g. secrets.token_urlsafe(48)"
    return None
