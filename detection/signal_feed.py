"""The light's state from the signal controller instead of the camera image.

A controller log is JSON: a list of ``{"at": ISO 8601 with zone, "state": red|amber|green}`` changes
(or JSON Lines with one such object per line). ``feed_url`` is a file path, ``file://`` URL, or an
``http(s)://`` URL serving the same JSON (fetched again at most once per ``refresh_s``; when the
controller cannot be reached the last known changes are kept and the failure is logged).

The camera loop must not wait on the network: ``update(now)`` never blocks. When the footage time says
a refresh is due it asks a background thread to fetch (one fetch at a time), and it folds in the
answer of a fetch that has finished. Refreshes stay gated on footage time, not wall time, so recorded
footage asks at the same moments of the recording however fast it is processed; whoever needs the
answer before going on (a test, a replay) calls ``wait()``.
"""

from __future__ import annotations

import json
import logging
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import datetime
from pathlib import Path
from urllib.parse import urlparse

import httpx

from detection.rules.base import Light, SignalTimeline

logger = logging.getLogger(__name__)


class SignalFeedError(ValueError):
    pass


def parse_changes(text: str, origin: str) -> list[tuple[datetime, Light]]:
    text = text.strip()
    try:
        items = (
            json.loads(text) if text.startswith("[") else [json.loads(ln) for ln in text.splitlines() if ln]
        )
    except json.JSONDecodeError as exc:
        raise SignalFeedError(f"{origin}: not JSON ({exc.msg}, line {exc.lineno})") from exc
    changes = []
    for i, item in enumerate(items):
        try:
            at = datetime.fromisoformat(item["at"])
            state = Light(item["state"])
        except (KeyError, TypeError, ValueError) as exc:
            raise SignalFeedError(f"{origin}: change {i}: needs 'at' (ISO 8601) and 'state' ({exc})") from exc
        if at.tzinfo is None:
            raise SignalFeedError(f"{origin}: change {i}: 'at' must carry a time zone")
        changes.append((at, state))
    return changes


class SignalFeed:
    def __init__(self, url: str, *, refresh_s: float = 1.0, timeout_s: float = 2.0):
        self.url = url
        self.refresh_s = refresh_s
        self.timeout_s = timeout_s
        self.timeline = SignalTimeline([])
        self._fetched_at: datetime | None = None
        self._fetching: Future[list[tuple[datetime, Light]]] | None = None
        parsed = urlparse(url)
        self.remote = parsed.scheme in ("http", "https")
        self._fetcher = ThreadPoolExecutor(1, thread_name_prefix="signal-feed") if self.remote else None
        if not self.remote:
            self.path = Path(parsed.path if parsed.scheme == "file" else url)
            if not self.path.exists():
                raise SignalFeedError(f"signal controller log {self.path} does not exist")
            self._merge(parse_changes(self.path.read_text(encoding="utf-8"), str(self.path)))

    def update(self, now: datetime) -> None:
        """Fold in a finished fetch; ask for the next one when ``refresh_s`` of footage time has passed
        since the last ask and none is in flight. Never waits for the controller."""
        if self._fetcher is None:
            return
        self._fold()
        if self._fetching is not None:
            return
        if self._fetched_at is not None and (now - self._fetched_at).total_seconds() < self.refresh_s:
            return
        self._fetched_at = now
        self._fetching = self._fetcher.submit(self._fetch)

    def wait(self, timeout_s: float | None = None) -> None:
        """Wait for the fetch in flight, if any, and fold its answer in."""
        if self._fetching is not None:
            try:
                self._fetching.exception(timeout=timeout_s if timeout_s is not None else self.timeout_s + 1)
            except TimeoutError:
                return
            self._fold()

    def _fetch(self) -> list[tuple[datetime, Light]]:
        response = httpx.get(self.url, timeout=self.timeout_s)
        response.raise_for_status()
        return parse_changes(response.text, self.url)

    def _fold(self) -> None:
        if self._fetching is None or not self._fetching.done():
            return
        fetched, self._fetching = self._fetching, None
        try:
            self._merge(fetched.result())
        except (httpx.HTTPError, SignalFeedError) as exc:
            logger.warning("signal controller %s: %s (keeping the last known states)", self.url, exc)

    def _merge(self, changes: list[tuple[datetime, Light]]) -> None:
        known = set(self.timeline.changes)
        for change in changes:
            if change not in known:
                self.timeline.add(*change)
