"""A camera processor's in-flight state (tracker, live tracks with their plate votes, pending events,
the light reader, the motion gate) as text for a run's checkpoint, so an interrupted run over footage
where vehicles are always in view resumes where it stopped instead of at its last quiet frame.

The state is pickled, compressed and signed with the data dir's secret key: it is only ever loaded
back by the tvp that wrote it, and a checkpoint altered in the database is refused, never unpickled.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import pickle
import zlib
from typing import Any

from core.config import get_settings

VERSION = 1


class CheckpointError(ValueError):
    pass


def _mac(raw: bytes) -> str:
    key = get_settings().secret_key.encode()
    return hmac.new(key, raw, hashlib.sha256).hexdigest()


def pack(state: Any) -> str:
    raw = zlib.compress(pickle.dumps((VERSION, state), protocol=pickle.HIGHEST_PROTOCOL), 6)
    return f"{_mac(raw)}:{base64.b64encode(raw).decode()}"


def unpack(text: str) -> Any:
    mac, _, body = text.partition(":")
    try:
        raw = base64.b64decode(body, validate=True)
    except ValueError as exc:
        raise CheckpointError("checkpoint state is not base64") from exc
    if not hmac.compare_digest(mac, _mac(raw)):
        raise CheckpointError("checkpoint state fails its signature (altered, or another data dir's key)")
    version, state = pickle.loads(zlib.decompress(raw))  # noqa: S301 - signed by us, checked above
    if version != VERSION:
        raise CheckpointError(f"checkpoint state version {version}, this tvp reads {VERSION}")
    return state
