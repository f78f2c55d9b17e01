"""Vietnamese and English text for the review page's one-screen layout (frames, clip, measured values)."""

from __future__ import annotations

REVIEW_TEXT: dict[str, dict[str, str]] = {
    "frame_before": {"vi": "Trước vi phạm", "en": "Before"},
    "frame_at": {"vi": "Lúc vi phạm", "en": "At the violation"},
    "overlay_toggle": {"vi": "Ẩn/hiện lớp đánh dấu (o)", "en": "Overlay on/off (o)"},
    "zoom_hint": {
        "vi": "Bấm vào khung hình để phóng to (kéo để di chuyển, Esc để đóng).",
        "en": "Click a frame to zoom (drag to pan, Esc closes).",
    },
    "close": {"vi": "Đóng", "en": "Close"},
    "clip": {"vi": "Đoạn phim", "en": "Clip"},
    "scrubber": {"vi": "Tua từng khung hình", "en": "Frame scrubber"},
    "crossing": {"vi": "Khung hình vi phạm", "en": "Crossing frame"},
    "measured": {"vi": "Số đo", "en": "Measured"},
    "time_into_red": {"vi": "Vượt khi đèn đỏ đã bật", "en": "Time into red"},
    "speed_limit": {"vi": "Tốc độ / giới hạn", "en": "Speed / limit"},
    "dwell": {"vi": "Thời gian dừng / cho phép", "en": "Dwell / allowed"},
    "read": {"vi": "Biển số đọc được", "en": "Plate read"},
    "no_clip": {"vi": "Không có đoạn phim.", "en": "No clip."},
}

# Measured values shown with a label: (value key, limit key or None, text key, unit).
MEASURED_ROWS = (
    ("time_into_red_s", None, "time_into_red", "s"),
    ("speed_kmh", "limit_kmh", "speed_limit", "km/h"),
    ("dwell_s", "limit_s", "dwell", "s"),
)
