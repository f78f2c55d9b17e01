"""Vietnamese and English text for the ops pages (camera health)."""

from __future__ import annotations

OPS_TEXT: dict[str, dict[str, str]] = {
    "replays": {"vi": "Chạy lại video", "en": "Replays"},
    "replay": {"vi": "Lượt chạy lại", "en": "Replay"},
    "replays_intro": {
        "vi": "Chạy lại video đã ghi với một phiên bản cấu hình camera, song song trên các tiến trình nền; "
        "không tạo vi phạm cho đến khi chuyển sang duyệt.",
        "en": "Run recorded footage again with a camera configuration version, in parallel on the job "
        "workers; no candidates are created until you promote them to review.",
    },
    "start_replay": {"vi": "Bắt đầu chạy lại", "en": "Start replay"},
    "footage": {"vi": "Video", "en": "Footage"},
    "footage_folder": {"vi": "Video trong thư mục video", "en": "Footage in the footage folder"},
    "or_upload": {"vi": "hoặc tải lên (mp4, avi, mkv, mov)", "en": "or upload (mp4, avi, mkv, mov)"},
    "config_version": {"vi": "Phiên bản cấu hình camera", "en": "Camera configuration version"},
    "segments": {"vi": "Số đoạn song song", "en": "Parallel segments"},
    "stride": {"vi": "Xử lý mỗi n khung hình", "en": "Process every n-th frame"},
    "no_replays": {"vi": "Chưa có lượt chạy lại.", "en": "No replays yet."},
    "no_footage": {"vi": "Thư mục video trống.", "en": "The footage folder is empty."},
    "event_time": {"vi": "Thời điểm (giờ Việt Nam)", "en": "Time (Vietnam)"},
    "progress": {"vi": "Tiến độ", "en": "Progress"},
    "frames": {"vi": "khung hình", "en": "frames"},
    "segment": {"vi": "Đoạn", "en": "Segment"},
    "events": {"vi": "Sự kiện", "en": "Events"},
    "no_events": {"vi": "Không có sự kiện.", "en": "No events."},
    "compare_with": {"vi": "So sánh với lượt trước", "en": "Compare with an earlier run"},
    "compare": {"vi": "So sánh", "en": "Compare"},
    "no_earlier": {"vi": "Chưa có lượt nào khác của video này.", "en": "No earlier run of this footage."},
    "identical": {"vi": "Giống hệt lượt trước", "en": "Identical to the earlier run"},
    "added": {"vi": "Mới", "en": "Added"},
    "removed": {"vi": "Mất", "en": "Removed"},
    "changed": {"vi": "Thay đổi", "en": "Changed"},
    "unchanged": {"vi": "Không đổi", "en": "Unchanged"},
    "measured": {"vi": "Giá trị đo", "en": "Measured"},
    "no_frames_note": {
        "vi": "Lượt chạy lại không lưu ảnh bằng chứng: ảnh là khung hình được đọc lại từ chính video"
        " đã chạy (khung đỏ: phương tiện).",
        "en": "Replays store no evidence images: each picture is the frame read back from the footage"
        " the runs used (red box: the vehicle).",
    },
    "promote": {"vi": "Chuyển các vi phạm mới sang duyệt", "en": "Promote new candidates to review"},
    "promoted": {"vi": "Đã chuyển sang duyệt", "en": "Promoted to review"},
    "replay_failed": {"vi": "Lượt chạy lại thất bại", "en": "The replay failed"},
    "camera_health": {"vi": "Tình trạng camera", "en": "Camera health"},
    "newest_run": {"vi": "Lượt xử lý gần nhất", "en": "Newest run"},
    "run_kind": {"vi": "Loại", "en": "Kind"},
    "run_started": {"vi": "Bắt đầu", "en": "Started"},
    "run_ended": {"vi": "Kết thúc", "en": "Ended"},
    "last_event": {"vi": "Sự kiện gần nhất", "en": "Last event"},
    "frames_done": {"vi": "Khung hình đã xử lý", "en": "Frames processed"},
    "last_frame": {"vi": "Khung hình gần nhất", "en": "Last frame"},
    "frames_dropped": {"vi": "Khung hình bị bỏ", "en": "Dropped frames"},
    "lease_holder": {"vi": "Tiến trình giữ camera", "en": "Lease holder"},
    "never": {"vi": "chưa bao giờ", "en": "never"},
    "inactive": {"vi": "ngừng hoạt động", "en": "inactive"},
    "no_cameras": {"vi": "Chưa có camera.", "en": "No cameras yet."},
    "times_in_vn": {"vi": "Giờ Việt Nam (UTC+7).", "en": "Times in Vietnam time (UTC+7)."},
    "leases_note": {
        "vi": "Tiến trình giữ camera: worker (máy:pid) đang giữ camera trực tiếp hoặc đang xử lý video "
        "của camera; khi worker dừng, worker khác nhận lại trong vài giây. Khung hình gần nhất: thời điểm "
        "chụp của khung hình mới nhất lượt xử lý đã lưu (vài giây một lần). Khung hình bị bỏ: số khung "
        "hình hàng đợi của camera trực tiếp đã bỏ khi quá tải (cũng là tvp_frames_dropped_total trên "
        "/metrics).",
        "en": "Lease holder: the worker (host:pid) holding the live camera or processing its footage; when "
        "it dies another takes over within seconds. Last frame: when the newest frame the run saved was "
        "captured (saved every few seconds). Dropped: frames a live camera's queue dropped under overload "
        "(also tvp_frames_dropped_total on /metrics).",
    },
}
