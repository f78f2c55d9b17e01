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
    # The queue for a working day (web/review_queue.py)
    "my_claims": {"vi": "Vụ tôi đang giữ", "en": "My claims"},
    "all_items": {"vi": "Tất cả", "en": "All"},
    "release": {"vi": "Trả lại", "en": "Release"},
    "export_csv": {"vi": "Xuất CSV (cả hàng đợi đã lọc)", "en": "Export CSV (the whole filtered queue)"},
    "per_violation": {"vi": "Theo hành vi", "en": "Per violation"},
    "per_camera": {"vi": "Theo camera", "en": "Per camera"},
    "clear_filter": {"vi": "bỏ lọc", "en": "clear"},
    "my_figures": {"vi": "Số liệu của tôi hôm nay", "en": "My figures today"},
    "decisions_today": {"vi": "Quyết định hôm nay", "en": "Decisions today"},
    "median_seconds": {"vi": "Trung vị giây mỗi quyết định", "en": "Median seconds per decision"},
    "age_legend": {
        "vi": "Thời hạn gửi thông báo 10 ngày kể từ ngày vi phạm (ngày Việt Nam):",
        "en": "The notice must go out within 10 days of the violation (Vietnam days):",
    },
    "band_green": {"vi": "dưới 5 ngày", "en": "under 5 days"},
    "band_amber": {"vi": "5–7 ngày", "en": "5–7 days"},
    "band_red": {"vi": "từ 8 ngày (còn ≤ 2 ngày)", "en": "8 days or more (≤ 2 days left)"},
    "days_left": {"vi": "còn {n} ngày", "en": "{n} days left"},
    # Helmet and overload findings: each rider (web/review_view.py rider_views)
    "riders": {"vi": "Người trên xe", "en": "Riders"},
    "rider_driver": {"vi": "Người điều khiển", "en": "Driver"},
    "rider_passenger": {"vi": "Người được chở", "en": "Passenger"},
    "helmet_worn": {"vi": "Có mũ bảo hiểm", "en": "Helmet worn"},
    "helmet_missing": {"vi": "Không đội mũ bảo hiểm", "en": "No helmet"},
    "helmet_unclear": {"vi": "Không rõ", "en": "Unclear"},
    "rider_confidence": {"vi": "độ tin cậy", "en": "confidence"},
    "rider_subject": {"vi": "người vi phạm trong vụ này", "en": "the offender in this finding"},
    "head_crop": {"vi": "Đầu (phóng to)", "en": "Head (enlarged)"},
    "rider_look": {"vi": "Khung hình rõ nhất", "en": "Best frame"},
    "possible_child": {"vi": "Có thể là trẻ em", "en": "Possibly a child"},
    "child_exempt_helmet": {
        "vi": "Trẻ em dưới 06 tuổi được miễn (NĐ 168/2024 Điều 7 khoản 2 điểm i): camera không xác định "
        "được tuổi, người duyệt quyết định.",
        "en": "Children under 6 are exempt (ND 168/2024 Art. 7(2)(i)): the camera cannot tell an age, "
        "the reviewer decides.",
    },
    "child_exempt_overload": {
        "vi": "Chở trẻ em dưới 12 tuổi được miễn (NĐ 168/2024 Điều 7 khoản 2 điểm g): camera không xác "
        "định được tuổi, người duyệt quyết định.",
        "en": "Carrying a child under 12 is exempt (ND 168/2024 Art. 7(2)(g)): the camera cannot tell an "
        "age, the reviewer decides.",
    },
    "passenger_fined": {
        "vi": "Người bị phạt là người được chở (NĐ 168/2024 Điều 12 khoản 5 điểm b), không phải chủ xe: "
        "ghi nhận vi phạm không gửi thông báo cho chủ xe.",
        "en": "The person fined is the passenger (ND 168/2024 Art. 12(5)(b)), not the owner: recorded "
        "without a notice to the vehicle's owner.",
    },
    "rider_count": {"vi": "Số người trên xe / người được chở", "en": "Riders / passengers"},
    "drop_rider": {"vi": "Bỏ người này khỏi vụ", "en": "Drop this rider"},
    "drop_reason": {"vi": "Lý do (bắt buộc)", "en": "Reason (required)"},
    "dropped_by": {"vi": "Đã bỏ", "en": "Dropped"},
    "drop_falls": {
        "vi": "Bỏ người vi phạm duy nhất: vụ này không còn vi phạm và bị loại.",
        "en": "Dropping the only offending rider: the finding falls and the candidate is rejected.",
    },
}

# Measured values shown with a label: (value key, limit key or None, text key, unit).
MEASURED_ROWS = (
    ("time_into_red_s", None, "time_into_red", "s"),
    ("speed_kmh", "limit_kmh", "speed_limit", "km/h"),
    ("dwell_s", "limit_s", "dwell", "s"),
)
