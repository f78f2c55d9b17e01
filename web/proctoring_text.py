"""Vietnamese and English text of the proctor's review pages (web/proctoring.py)."""

from __future__ import annotations

from web.i18n import TEXT

TEXT.update(
    {
        "proctoring": {"vi": "Giám sát thi trực tuyến", "en": "Online exam proctoring"},
        "proctor_queue": {"vi": "Cảnh báo giám sát", "en": "Proctoring flags"},
        "online_exams": {"vi": "Kỳ thi trực tuyến", "en": "Online exams"},
        "no_online_exams": {"vi": "Chưa có kỳ thi trực tuyến nào.", "en": "No online exams yet."},
        "open_flags": {"vi": "Cảnh báo chưa xử lý", "en": "Open flags"},
        "no_flags": {"vi": "Không có cảnh báo nào.", "en": "No flags."},
        "candidate": {"vi": "Thí sinh", "en": "Candidate"},
        "flag_kind": {"vi": "Loại cảnh báo", "en": "Kind"},
        "flag_time": {"vi": "Thời điểm (giờ Việt Nam)", "en": "Time (Vietnam)"},
        "flag_frame": {"vi": "Khung hình bị gắn cảnh báo", "en": "Flagged frame"},
        "frame_purged": {"vi": "Khung hình đã bị xoá theo thời hạn lưu.", "en": "The frame was purged."},
        "distance": {"vi": "Khoảng cách / ngưỡng", "en": "Distance / threshold"},
        "over_threshold": {"vi": "vượt ngưỡng", "en": "above the threshold"},
        "within_threshold": {"vi": "trong ngưỡng", "en": "within the threshold"},
        "same_face_as": {"vi": "Cùng khuôn mặt với", "en": "Same face as"},
        "show_open": {"vi": "Chưa xử lý", "en": "Open"},
        "show_resolved": {"vi": "Đã xử lý", "en": "Resolved"},
        "show_all": {"vi": "Tất cả", "en": "All"},
        "flag_reason": {"vi": "Lý do (bắt buộc)", "en": "Reason (required)"},
        "flag_dismiss": {"vi": "Bỏ qua: không có vi phạm", "en": "Dismiss: nothing wrong"},
        "flag_confirm": {"vi": "Xác nhận vi phạm", "en": "Confirm the irregularity"},
        "flag_resolved_ok": {"vi": "Đã ghi nhận xử lý cảnh báo.", "en": "The flag is resolved."},
        "resolved_by": {"vi": "Người xử lý", "en": "Resolved by"},
        "flag_kind_no_face": {"vi": "Không thấy khuôn mặt", "en": "No face in the frame"},
        "flag_kind_several_faces": {"vi": "Nhiều khuôn mặt", "en": "Several faces"},
        "flag_kind_different_face": {
            "vi": "Khuôn mặt khác người đã vào thi",
            "en": "A different face from the one admitted",
        },
        "flag_kind_unusable": {
            "vi": "Khung hình không dùng được (mờ, quá nhỏ, quay đi)",
            "en": "Unusable frame (blurred, too small, turned away)",
        },
        "flag_kind_duplicate_face": {
            "vi": "Cùng khuôn mặt với thí sinh khác",
            "en": "Same face as another candidate",
        },
        "flag_status_open": {"vi": "Chưa xử lý", "en": "Open"},
        "flag_status_dismissed": {"vi": "Đã bỏ qua", "en": "Dismissed"},
        "flag_status_confirmed": {"vi": "Đã xác nhận vi phạm", "en": "Confirmed"},
        "proctor_error_InvalidInput": {
            "vi": "Chưa xử lý được: chọn bỏ qua hoặc xác nhận và ghi lý do từ 3 đến 500 ký tự.",
            "en": "Not saved: choose dismiss or confirm and give a reason of 3 to 500 characters.",
        },
        "proctor_error_FlagResolved": {
            "vi": "Cảnh báo này đã được xử lý trước đó; kết quả cũ được giữ nguyên.",
            "en": "This flag was already resolved; the earlier resolution stands.",
        },
        "proctor_error_FlagNotFound": {
            "vi": "Không tìm thấy cảnh báo này trong kỳ thi.",
            "en": "No such flag in this exam.",
        },
    }
)
