"""Vietnamese and English text of the citizen app (web/citizen.py, static/citizen.js)."""

from __future__ import annotations

TEXT: dict[str, dict[str, str]] = {
    "app_name": {"vi": "Vi phạm giao thông của tôi", "en": "My traffic violations"},
    "language": {"vi": "English", "en": "Tiếng Việt"},
    "sign_in_intro": {
        "vi": "Xem thông báo vi phạm, chứng cứ và kiểm tra tính toàn vẹn của chứng cứ.",
        "en": "See your violation notices and their evidence, and check that the evidence is intact.",
    },
    "sign_in": {"vi": "Đăng nhập bằng VNeID", "en": "Sign in with VNeID"},
    "signing_in": {"vi": "Đang đăng nhập…", "en": "Signing in…"},
    "sign_in_failed": {
        "vi": "Đăng nhập không thành công. Vui lòng thử lại.",
        "en": "Sign-in failed. Please try again.",
    },
    "sign_out": {"vi": "Đăng xuất", "en": "Sign out"},
    "my_notices": {"vi": "Thông báo vi phạm của tôi", "en": "My notices"},
    "loading": {"vi": "Đang tải…", "en": "Loading…"},
    "no_notices": {"vi": "Bạn không có thông báo vi phạm nào.", "en": "You have no notices."},
    "new_notice": {
        "vi": "Có cập nhật mới — danh sách đã được làm mới.",
        "en": "Something new — the list is up to date.",
    },
    "due_today": {"vi": "Số tiền phải nộp hôm nay", "en": "To pay today"},
    "late_charge": {"vi": "gồm tiền chậm nộp", "en": "including the late charge"},
    "days_left": {"vi": "còn {n} ngày", "en": "{n} days left"},
    "days_passed": {"vi": "đã quá {n} ngày", "en": "{n} days ago"},
    "open": {"vi": "Xem chi tiết", "en": "Open"},
    "back": {"vi": "← Danh sách", "en": "← All notices"},
    "not_found": {"vi": "Không tìm thấy thông báo vi phạm.", "en": "Notice not found."},
    "error": {"vi": "Đã có lỗi, vui lòng thử lại.", "en": "Something went wrong; please try again."},
    "violation": {"vi": "Hành vi vi phạm", "en": "Violation"},
    "legal_basis": {"vi": "Căn cứ pháp lý", "en": "Legal basis"},
    "measured": {"vi": "Giá trị đo", "en": "Measured"},
    "place_time": {"vi": "Địa điểm, thời gian", "en": "Place and time"},
    "plate": {"vi": "Biển số", "en": "Plate"},
    "fine": {"vi": "Mức phạt", "en": "Fine"},
    "points": {"vi": "Điểm trừ GPLX", "en": "Licence points"},
    "evidence": {"vi": "Hình ảnh, video chứng cứ (đã làm mờ)", "en": "Evidence pictures and video (blurred)"},
    "evidence_missing": {
        "vi": "Chưa xem được hình ảnh, video chứng cứ.",
        "en": "The evidence cannot be shown yet.",
    },
    "integrity": {"vi": "Tính toàn vẹn của chứng cứ", "en": "Evidence integrity"},
    "manifest_hash": {"vi": "Mã băm bảng kê (SHA-256)", "en": "Manifest hash (SHA-256)"},
    "chain_link": {"vi": "Mắt xích chuỗi chứng cứ", "en": "Evidence chain link"},
    "verify": {"vi": "Kiểm tra toàn vẹn", "en": "Verify integrity"},
    "document": {"vi": "Văn bản thông báo (PDF)", "en": "Notice document (PDF)"},
    "actions": {"vi": "Việc cần làm", "en": "What to do"},
}
