"""Vietnamese (default) and English text for the staff pages."""

from __future__ import annotations

from collections.abc import Callable

from fastapi import Request

LANGS = ("vi", "en")
TEXT: dict[str, dict[str, str]] = {
    "app_name": {"vi": "Hệ thống xử lý vi phạm giao thông", "en": "Traffic violation processing"},
    "sign_in": {"vi": "Đăng nhập", "en": "Sign in"},
    "sign_out": {"vi": "Đăng xuất", "en": "Sign out"},
    "username": {"vi": "Tên đăng nhập", "en": "Username"},
    "password": {"vi": "Mật khẩu", "en": "Password"},
    "wrong_login": {"vi": "Sai tên đăng nhập hoặc mật khẩu", "en": "Wrong username or password"},
    "too_many_attempts": {
        "vi": "Quá nhiều lần đăng nhập sai. Vui lòng thử lại sau {minutes} phút.",
        "en": "Too many failed sign-ins. Try again in {minutes} min.",
    },
    "dashboard": {"vi": "Tổng quan", "en": "Dashboard"},
    "roles": {"vi": "Vai trò", "en": "Roles"},
    "pending_review": {"vi": "Chờ duyệt", "en": "Awaiting review"},
    "cameras": {"vi": "Camera", "en": "Cameras"},
    "citizens": {"vi": "Công dân", "en": "Citizens"},
    "vehicles": {"vi": "Phương tiện", "en": "Vehicles"},
    "jobs": {"vi": "Tác vụ nền", "en": "Background jobs"},
    "dead_letters": {"vi": "Tác vụ lỗi (hết lượt thử)", "en": "Dead letters"},
    "no_dead": {"vi": "Không có tác vụ lỗi.", "en": "No dead jobs."},
    "retry": {"vi": "Chạy lại", "en": "Retry"},
    "name": {"vi": "Tên", "en": "Name"},
    "attempts": {"vi": "Số lần thử", "en": "Attempts"},
    "error": {"vi": "Lỗi", "en": "Error"},
    "created": {"vi": "Tạo lúc", "en": "Created"},
    "forbidden": {"vi": "Bạn không có quyền xem trang này.", "en": "Your role does not allow this page."},
    "not_found": {"vi": "Không tìm thấy.", "en": "Not found."},
    "page": {"vi": "Trang", "en": "Page"},
    "prev": {"vi": "Trước", "en": "Previous"},
    "next": {"vi": "Sau", "en": "Next"},
    "language": {"vi": "English", "en": "Tiếng Việt"},
    "status": {"vi": "Trạng thái", "en": "Status"},
    "review": {"vi": "Duyệt vi phạm", "en": "Review"},
    "review_queue": {"vi": "Hàng đợi duyệt", "en": "Review queue"},
    "camera": {"vi": "Camera", "en": "Camera"},
    "violation": {"vi": "Hành vi vi phạm", "en": "Violation"},
    "from": {"vi": "Từ ngày", "en": "From"},
    "to": {"vi": "Đến ngày", "en": "To"},
    "min_conf": {"vi": "Độ tin cậy tối thiểu", "en": "Min. confidence"},
    "filter": {"vi": "Lọc", "en": "Filter"},
    "review_next": {"vi": "Duyệt vụ tiếp theo", "en": "Review the next one"},
    "queue_empty": {"vi": "Không còn vụ nào chờ duyệt.", "en": "Nothing left to review."},
    "age": {"vi": "Đã qua", "en": "Age"},
    "days": {"vi": "ngày", "en": "days"},
    "detected": {"vi": "Thời điểm vi phạm", "en": "Detected"},
    "plate": {"vi": "Biển số", "en": "Plate"},
    "confidence": {"vi": "Độ tin cậy", "en": "Confidence"},
    "claimed": {"vi": "đang được duyệt", "en": "being reviewed"},
    "open": {"vi": "Mở", "en": "Open"},
    "escalated": {"vi": "Chuyển cấp trên", "en": "Escalated"},
    "queue_keys": {
        "vi": "Phím tắt: j/k chọn dòng, Enter mở, n vụ tiếp theo.",
        "en": "Keys: j/k move, Enter opens, n takes the next one.",
    },
    "review_keys": {
        "vi": "Phím tắt: c xác nhận, r từ chối (chọn lý do, Enter), p sửa biển số, e chuyển cấp trên, n vụ tiếp, q hàng đợi, Esc thoát ô nhập.",
        "en": "Keys: c confirm, r reject (pick a reason, Enter), p correct plate, e escalate, n next, q queue, Esc leaves a field.",
    },
    "saved_next": {"vi": "Đã lưu. Vụ tiếp theo:", "en": "Saved. Next one:"},
    "frame": {"vi": "Khung hình", "en": "Frame"},
    "no_evidence": {"vi": "Không có hình ảnh.", "en": "No images."},
    "alternatives": {"vi": "Cách đọc khác", "en": "Other reads"},
    "vehicle_class": {"vi": "Loại xe (camera)", "en": "Vehicle class (camera)"},
    "signal": {"vi": "Đèn tín hiệu", "en": "Signal"},
    "registry": {"vi": "Đăng ký xe", "en": "Registration"},
    "registry_down": {
        "vi": "Không tra cứu được đăng ký xe lúc này.",
        "en": "The registry cannot be reached now.",
    },
    "owner": {"vi": "Chủ phương tiện", "en": "Owner"},
    "address": {"vi": "Địa chỉ", "en": "Address"},
    "vehicle": {"vi": "Phương tiện", "en": "Vehicle"},
    "registration": {"vi": "Tình trạng đăng ký", "en": "Registration status"},
    "not_registered": {
        "vi": "Biển số không có trong cơ sở dữ liệu đăng ký.",
        "en": "Plate not in the registry.",
    },
    "note": {"vi": "Ghi chú", "en": "Note"},
    "notice": {"vi": "Thông báo vi phạm", "en": "Notice"},
    "claim": {"vi": "Nhận duyệt", "en": "Take it"},
    "ack_flags": {"vi": "Đã đọc các cảnh báo", "en": "I have read the warnings"},
    "circumstances": {"vi": "Tình tiết tăng nặng", "en": "Aggravating circumstances"},
    "aggravating": {"vi": "Tình tiết (ngăn cách bằng ;)", "en": "Circumstances (separated by ;)"},
    "amount": {"vi": "Số tiền phạt", "en": "Fine"},
    "confirm": {"vi": "Xác nhận vi phạm", "en": "Confirm"},
    "correct_plate": {"vi": "Sửa biển số", "en": "Correct the plate"},
    "save": {"vi": "Lưu", "en": "Save"},
    "reject": {"vi": "Từ chối", "en": "Reject"},
    "escalate": {"vi": "Chuyển cấp trên", "en": "Escalate"},
    "escalate_hint": {"vi": "Cần cấp trên quyết định gì?", "en": "What should the supervisor decide?"},
    "reason_plate_unreadable": {"vi": "Không đọc được biển số", "en": "Plate unreadable"},
    "reason_not_a_violation": {"vi": "Không phải vi phạm", "en": "Not a violation"},
    "reason_emergency_vehicle": {"vi": "Xe ưu tiên làm nhiệm vụ", "en": "Emergency vehicle"},
    "reason_duplicate": {"vi": "Trùng lặp", "en": "Duplicate"},
    "reason_wrong_vehicle": {"vi": "Nhầm phương tiện", "en": "Wrong vehicle"},
    "reason_equipment_fault": {"vi": "Lỗi thiết bị", "en": "Equipment fault"},
    "reason_limitation_expired": {"vi": "Hết thời hiệu", "en": "Limitation expired"},
    "reason_other": {"vi": "Lý do khác (ghi chú)", "en": "Other (say why)"},
    "notice_title": {"vi": "THÔNG BÁO VI PHẠM GIAO THÔNG", "en": "TRAFFIC VIOLATION NOTICE"},
    "notice_heading": {
        "vi": "Thông báo vi phạm phát hiện qua phương tiện kỹ thuật nghiệp vụ",
        "en": "Violation detected by technical equipment",
    },
    "legal_basis": {"vi": "Căn cứ pháp lý", "en": "Legal basis"},
    "points": {"vi": "Điểm trừ giấy phép lái xe", "en": "Licence points"},
    "due_date": {"vi": "Hạn nộp phạt", "en": "Pay by"},
    "how_to_pay": {"vi": "Cách nộp phạt", "en": "How to pay"},
    "pay_instructions": {
        "vi": "Nộp trực tuyến trên ứng dụng công dân hoặc Cổng dịch vụ công quốc gia với số thông báo {number}.",
        "en": "Pay online in the citizen app or on the National Public Service Portal with notice number {number}.",
    },
    "late_charge": {
        "vi": "Quá hạn: cộng 0,05% số tiền chưa nộp cho mỗi ngày chậm (Luật XLVPHC Điều 78).",
        "en": "After the due date 0.05% of the unpaid amount is added per day (Law on Handling Administrative Violations, Art. 78).",
    },
    "representative": {"vi": "Người đại diện", "en": "Representative"},
    "escalated_by": {"vi": "Chuyển cấp trên bởi", "en": "Escalated by"},
    "supervisor_only": {
        "vi": "Vụ việc đã chuyển cấp trên: chỉ cán bộ chỉ huy được xử lý.",
        "en": "Escalated: only a supervisor may decide it.",
    },
    "camera_read": {"vi": "Camera đọc biển", "en": "Camera read"},
    "second_check": {
        "vi": "biển số đã sửa sang chủ xe khác: cần người thứ hai xác nhận",
        "en": "plate corrected to another owner: a second person must confirm",
    },
    "flagged_only": {"vi": "Chỉ vụ có cảnh báo", "en": "Only with warnings"},
    "original_clip": {"vi": "Tệp gốc (mp4)", "en": "Original file (mp4)"},
    "evidence_hash": {"vi": "Mã băm bộ chứng cứ", "en": "Evidence manifest hash"},
}


def lang_of(request: Request) -> str:
    lang = request.query_params.get("lang") or request.cookies.get("tvp_lang") or "vi"
    return lang if lang in LANGS else "vi"


def translator(lang: str) -> Callable[[str], str]:
    def t(key: str) -> str:
        entry = TEXT.get(key)
        return entry.get(lang, entry["vi"]) if entry else key

    return t
