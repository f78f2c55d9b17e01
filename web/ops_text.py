"""Vietnamese and English text for the ops pages (camera health)."""

from __future__ import annotations

OPS_TEXT: dict[str, dict[str, str]] = {
    "camera_health": {"vi": "Tình trạng camera", "en": "Camera health"},
    "newest_run": {"vi": "Lượt xử lý gần nhất", "en": "Newest run"},
    "run_kind": {"vi": "Loại", "en": "Kind"},
    "run_started": {"vi": "Bắt đầu", "en": "Started"},
    "run_ended": {"vi": "Kết thúc", "en": "Ended"},
    "last_event": {"vi": "Sự kiện gần nhất", "en": "Last event"},
    "frames_done": {"vi": "Khung hình đã xử lý", "en": "Frames processed"},
    "lease_holder": {"vi": "Tiến trình giữ camera", "en": "Lease holder"},
    "never": {"vi": "chưa bao giờ", "en": "never"},
    "inactive": {"vi": "ngừng hoạt động", "en": "inactive"},
    "no_cameras": {"vi": "Chưa có camera.", "en": "No cameras yet."},
    "times_in_vn": {"vi": "Giờ Việt Nam (UTC+7).", "en": "Times in Vietnam time (UTC+7)."},
    "leases_note": {
        "vi": "Tiến trình giữ camera: worker (máy:pid) đang giữ camera trực tiếp hoặc đang xử lý video "
        "của camera; khi worker dừng, worker khác nhận lại trong vài giây. Sự kiện gần nhất là lúc lượt "
        "xử lý ghi nhận vi phạm gần nhất, không phải khung hình gần nhất. Khung hình bị bỏ: "
        "tvp_frames_dropped_total trên /metrics.",
        "en": "Lease holder: the worker (host:pid) holding the live camera or processing its footage; when "
        "it dies another takes over within seconds. The last event is when the run last recorded a "
        "finding, not its last frame. Dropped frames: tvp_frames_dropped_total on /metrics.",
    },
}
