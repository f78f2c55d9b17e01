"""What the one-screen review page shows: frames paired with their originals, the crossing moment in
the clip, the measured values with labels."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from penalties.candidates.models import EvidenceItem, EvidenceKind, ViolationCandidate
from web.review_view import crossing_seconds, frame_views, measured_rows

AT = datetime(2026, 3, 1, 1, 30, tzinfo=UTC)


def _item(kind: EvidenceKind, at: datetime | None) -> EvidenceItem:
    return EvidenceItem(id=uuid.uuid4(), kind=kind, sha256="0" * 64, captured_at=at)


def test_overlays_pair_with_their_originals_by_capture_time() -> None:
    before, at = AT - timedelta(seconds=1), AT
    o_at, o_before = _item(EvidenceKind.overlay, at), _item(EvidenceKind.overlay, before)
    f_before, f_at = _item(EvidenceKind.frame, before), _item(EvidenceKind.frame, at)
    views = frame_views({EvidenceKind.overlay: [o_at, o_before], EvidenceKind.frame: [f_at, f_before]})
    assert [(v.label, v.shown, v.original) for v in views] == [
        ("frame_before", o_before, f_before),
        ("frame_at", o_at, f_at),
    ]


def test_an_overlay_without_original_cannot_be_toggled_and_originals_alone_are_shown() -> None:
    overlay = _item(EvidenceKind.overlay, None)
    (view,) = frame_views({EvidenceKind.overlay: [overlay]})
    assert (view.label, view.shown, view.original) == ("frame", overlay, None)
    frame = _item(EvidenceKind.frame, AT)
    (view,) = frame_views({EvidenceKind.frame: [frame]})
    assert (view.shown, view.original) == (frame, frame)


def test_crossing_is_seconds_from_the_clip_start() -> None:
    candidate = ViolationCandidate(detected_at=AT)
    assert crossing_seconds(candidate, _item(EvidenceKind.clip, AT - timedelta(seconds=1.5))) == 1.5
    assert crossing_seconds(candidate, _item(EvidenceKind.clip, None)) is None
    assert crossing_seconds(candidate, _item(EvidenceKind.clip, AT + timedelta(seconds=1))) is None


def test_measured_values_with_their_limits_and_the_rest_as_stored() -> None:
    rows, rest = measured_rows({"speed_kmh": 62.5, "limit_kmh": 50, "speed_se_kmh": 1.2, "zone": None})
    assert (rows, rest) == ([("speed_limit", "62.5 / 50 km/h")], {"speed_se_kmh": 1.2})
    rows, rest = measured_rows({"dwell_s": 45.0, "limit_s": 30, "zone": "bus stop"})
    assert (rows, rest) == ([("dwell", "45 / 30 s")], {"zone": "bus stop"})
    rows, _ = measured_rows({"time_into_red_s": 1.6, "stop_line": "stop-line"})
    assert rows == [("time_into_red", "1.6 s")]
