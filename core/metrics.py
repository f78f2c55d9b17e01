"""Prometheus metrics counted in code: HTTP requests, camera frames, detection latency, candidates.

Every process keeps its own counters. With several worker processes (uvicorn --workers, gunicorn) set
PROMETHEUS_MULTIPROC_DIR to an empty folder shared by them before they start: ``render`` then merges
the processes' files (prometheus_client's multiprocess mode). Gauges read from the database are made
at scrape time by each package's ``gauges.gauges(session)`` (core/gauges.py for the job outbox).
Only prometheus_client here: the camera pipeline (detection/) imports this module.
"""

from __future__ import annotations

import os
from collections.abc import Iterable

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client.core import Metric
from prometheus_client.registry import REGISTRY, Collector

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"

HTTP_REQUESTS = Counter(
    "tvp_http_requests", "HTTP requests by route template, method and status", ["route", "method", "status"]
)
HTTP_LATENCY = Histogram(
    "tvp_http_request_duration_seconds", "HTTP request latency by route template", ["route", "method"]
)
FRAMES_PROCESSED = Counter(
    "tvp_camera_frames_processed", "Frames run through detection, per camera", ["camera"]
)
FRAMES_SKIPPED = Counter(
    "tvp_camera_frames_skipped",
    "Frames read but not run through detection (stride or no motion in the zones), per camera",
    ["camera"],
)
STREAM_DROPS = Counter(
    "tvp_camera_stream_drops", "Live streams lost or unreachable (reconnects), per camera", ["camera"]
)
FRAMES_DROPPED = Counter(
    "tvp_frames_dropped",
    "Live frames dropped unprocessed because the camera's frame queue was full (the oldest go), per camera",
    ["camera"],
)
CAMERA_FPS = Gauge(
    "tvp_camera_frames_per_second",
    "Frames a live camera's processor took from its queue per second (last few seconds), per camera",
    ["camera"],
    multiprocess_mode="livemax",
)
DETECTION_LATENCY = Histogram(
    "tvp_detection_duration_seconds",
    "Time to detect, track and judge one frame, per camera",
    ["camera"],
    buckets=(0.01, 0.025, 0.05, 0.1, 0.15, 0.25, 0.5, 1.0, 2.5),
)
HELMET_LATENCY = Histogram(
    "tvp_helmet_duration_seconds",
    "Time the helmet detector adds to one frame with motorbikes in view (batched crops), per camera",
    ["camera"],
    buckets=(0.002, 0.005, 0.01, 0.015, 0.025, 0.05, 0.1, 0.25),
)
CANDIDATES_RECORDED = Counter(
    "tvp_candidates_recorded", "Violation candidates recorded, per rule (violation code)", ["rule"]
)


class _Fixed(Collector):
    def __init__(self, metrics: Iterable[Metric]) -> None:
        self.metrics = list(metrics)

    def collect(self) -> Iterable[Metric]:
        return self.metrics


def render(extra: Iterable[Metric] = ()) -> bytes:
    """The text exposition of this process's metrics (all processes' in multiprocess mode) + ``extra``."""
    registry = CollectorRegistry()
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.MultiProcessCollector(registry)
    else:
        registry.register(_Fixed(metric for metric in REGISTRY.collect()))
    registry.register(_Fixed(extra))
    return generate_latest(registry)
