"""Vietnamese (default) and English text for the staff pages."""

from __future__ import annotations

from collections.abc import Callable

from fastapi import Request

from web.exams_text import EXAM_TEXT
from web.ops_text import OPS_TEXT
from web.review_text import REVIEW_TEXT

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
        "vi": "Phím tắt: c xác nhận, r từ chối (chọn lý do, Enter), p sửa biển số, e chuyển cấp trên, o lớp đánh dấu, n vụ tiếp, q hàng đợi, Esc thoát ô nhập.",
        "en": "Keys: c confirm, r reject (pick a reason, Enter), p correct plate, e escalate, o overlay, n next, q queue, Esc leaves a field.",
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
    "fine_range": {"vi": "Mức phạt", "en": "Fine"},
    "law_points": {"vi": "trừ {n} điểm GPLX", "en": "{n} licence points"},
    "law_words": {"vi": "Hành vi theo quy định", "en": "Violation as the law names it"},
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
    # Sanction decisions (web/decisions.py)
    "to_decide": {"vi": "Thông báo chờ ra quyết định", "en": "Notices to decide"},
    "decisions": {"vi": "Quyết định xử phạt", "en": "Decisions"},
    "decision": {"vi": "Quyết định xử phạt", "en": "Sanction decision"},
    "decision_number": {"vi": "Số quyết định", "en": "Decision number"},
    "liable_person": {"vi": "Người vi phạm", "en": "Liable person"},
    "cccd": {"vi": "Số CCCD", "en": "Citizen ID"},
    "notices_covered": {"vi": "Thông báo vi phạm được xử lý", "en": "Notices covered"},
    "notice_number": {"vi": "Số thông báo", "en": "Notice number"},
    "issue_decision": {
        "vi": "Ra quyết định cho các thông báo đã chọn",
        "en": "Issue a decision for the selected notices",
    },
    "decide_hint": {
        "vi": "Chọn các thông báo của cùng một người để xử phạt chung trong một quyết định: tiền phạt cộng dồn, điểm trừ lấy mức cao nhất theo từng hạng giấy phép.",
        "en": "Select notices of one person to sanction them together in one decision: the fines add up, the points are the largest per licence class.",
    },
    "nothing_to_decide": {
        "vi": "Không có thông báo nào chờ ra quyết định.",
        "en": "No notice is waiting for a decision.",
    },
    "only_person": {"vi": "Chỉ người này", "en": "Only this person"},
    "all_people": {"vi": "Tất cả", "en": "Everyone"},
    "select": {"vi": "Chọn", "en": "Select"},
    "total": {"vi": "Tổng cộng", "en": "Total"},
    "issued_at": {"vi": "Ngày ra quyết định", "en": "Issued"},
    "issued_ok": {"vi": "Đã ra quyết định.", "en": "Decision issued."},
    "pay_within": {
        "vi": "{days} ngày kể từ ngày nhận quyết định",
        "en": "within {days} days of receiving the decision",
    },
    "received_at": {"vi": "Ngày nhận", "en": "Received"},
    "not_received": {"vi": "Chưa xác nhận đã nhận", "en": "Receipt not confirmed yet"},
    "documents": {"vi": "Văn bản đã ban hành", "en": "Documents as issued"},
    "document_html": {"vi": "Bản in (HTML)", "en": "Printable (HTML)"},
    "document_pdf": {"vi": "Bản PDF", "en": "PDF"},
    "no_points": {"vi": "Không trừ điểm", "en": "No points deducted"},
    "licence_car": {"vi": "Ô tô (hạng B…)", "en": "Car (class B…)"},
    "licence_motorbike": {"vi": "Mô tô (hạng A…)", "en": "Motorbike (class A…)"},
    "search_number": {"vi": "Tìm theo số quyết định", "en": "Search by number"},
    "search": {"vi": "Tìm", "en": "Search"},
    "no_decisions": {"vi": "Không có quyết định nào.", "en": "No decisions."},
    "decision_status_issued": {"vi": "Đã ban hành", "en": "Issued"},
    "decision_status_paid": {"vi": "Đã nộp phạt", "en": "Paid"},
    "decision_status_cancelled": {"vi": "Đã huỷ", "en": "Cancelled"},
    "notice_status_acknowledged": {"vi": "Đã thừa nhận", "en": "Acknowledged"},
    "notice_status_delivered": {"vi": "Đã gửi, chủ xe chịu trách nhiệm", "en": "Delivered, owner liable"},
    "notice_status_overdue": {"vi": "Quá hạn, chủ xe chịu trách nhiệm", "en": "Overdue, owner liable"},
    "decision_error_SeveralLiablePersons": {
        "vi": "Các thông báo đã chọn thuộc nhiều người khác nhau: mỗi quyết định chỉ dành cho một người. Chưa có quyết định nào được tạo.",
        "en": "The selected notices belong to different persons: one decision covers one person only. Nothing was issued.",
    },
    "decision_error_NoticeNotDecidable": {
        "vi": "Có thông báo chưa thể ra quyết định (đang khiếu nại, chờ người lái xác nhận…). Chưa có quyết định nào được tạo.",
        "en": "A selected notice cannot be decided yet (disputed, a driver nomination pending…). Nothing was issued.",
    },
    "decision_error_NoticeAlreadyDecided": {
        "vi": "Có thông báo đã được xử lý bằng một quyết định khác. Chưa có quyết định nào được tạo.",
        "en": "A selected notice is already covered by a decision. Nothing was issued.",
    },
    "decision_error_LicenceClassUnknown": {
        "vi": "Không xác định được hạng giấy phép lái xe bị trừ điểm. Chưa có quyết định nào được tạo.",
        "en": "The licence class that loses the points is unknown. Nothing was issued.",
    },
    "decision_error_NoticeNotFound": {
        "vi": "Không tìm thấy thông báo đã chọn.",
        "en": "A selected notice does not exist.",
    },
    "decision_error_InvalidInput": {
        "vi": "Hãy chọn ít nhất một thông báo (tối đa 50).",
        "en": "Select at least one notice (50 at most).",
    },
    # payment reconciliation (web/payments.py)
    "reconciliation": {"vi": "Đối soát thanh toán", "en": "Payment reconciliation"},
    "reconcile_hint": {
        "vi": "Mỗi ngày lúc 02:30 hệ thống so sánh giao dịch của cổng thanh toán ngày hôm trước với các khoản "
        "thanh toán đã ghi nhận. Chạy lại một ngày: tvp payments reconcile --day YYYY-MM-DD.",
        "en": "Every day at 02:30 the gateways' transactions of the day before are compared with the payments "
        "we recorded. Rerun a day with: tvp payments reconcile --day YYYY-MM-DD.",
    },
    "mismatches": {"vi": "Chênh lệch", "en": "Mismatches"},
    "mismatch_status_open": {"vi": "Chưa xử lý", "en": "Open"},
    "mismatch_status_resolved": {"vi": "Đã xử lý", "en": "Resolved"},
    "mismatch_kind": {"vi": "Loại chênh lệch", "en": "Kind"},
    "mismatch_kind_missing_here": {
        "vi": "Cổng đã thu, hệ thống chưa ghi nhận",
        "en": "Paid at the gateway, not recorded here",
    },
    "mismatch_kind_missing_at_gateway": {
        "vi": "Hệ thống ghi đã nộp, cổng không có",
        "en": "Recorded paid here, unknown at the gateway",
    },
    "mismatch_kind_amount_differs": {"vi": "Số tiền khác nhau", "en": "Amount differs"},
    "mismatch_kind_paid_twice": {"vi": "Thu hai lần cho một quyết định", "en": "Paid twice for one decision"},
    "no_mismatches": {"vi": "Không có chênh lệch.", "en": "No mismatches."},
    "reconcile_day": {"vi": "Ngày đối soát", "en": "Day"},
    "gateway": {"vi": "Cổng thanh toán", "en": "Gateway"},
    "facts": {"vi": "Chi tiết", "en": "Facts"},
    "gateway_ref": {"vi": "Mã giao dịch tại cổng", "en": "Gateway reference"},
    "payment_reference": {"vi": "Mã thanh toán", "en": "Payment reference"},
    "transaction_no": {"vi": "Số giao dịch", "en": "Transaction no."},
    "gateway_says": {"vi": "Cổng thanh toán", "en": "Gateway"},
    "we_have": {"vi": "Hệ thống", "en": "Here"},
    "no_payment_here": {"vi": "Không có khoản thanh toán nào", "en": "No payment of ours"},
    "last_seen": {"vi": "Thấy lần cuối", "en": "Last seen"},
    "refunded": {"vi": "đã hoàn", "en": "refunded"},
    "payment_status_pending": {"vi": "Đang chờ", "en": "Pending"},
    "payment_status_succeeded": {"vi": "Thành công", "en": "Succeeded"},
    "payment_status_failed": {"vi": "Thất bại", "en": "Failed"},
    "payment_status_canceled": {"vi": "Đã huỷ", "en": "Cancelled"},
    "payment_status_refunded": {"vi": "Đã hoàn tiền", "en": "Refunded"},
    "payment_status_needs_refund": {"vi": "Cần hoàn tiền", "en": "Needs a refund"},
    "actions": {"vi": "Xử lý", "en": "Actions"},
    "resolution": {"vi": "Cách xử lý", "en": "Resolution"},
    "resolve_attach": {"vi": "Ghi nhận vào khoản thanh toán", "en": "Attach to our payment"},
    "resolve_refund": {"vi": "Hoàn tiền", "en": "Refund"},
    "resolve_write_off": {"vi": "Đóng (ghi chú lý do)", "en": "Write off (with a note)"},
    "reconcile_done_attach": {
        "vi": "Đã ghi nhận khoản thanh toán; quyết định sẽ được cập nhật đã nộp phạt.",
        "en": "Payment attached; the decision is being marked paid.",
    },
    "reconcile_done_refund": {
        "vi": "Đã hoàn tiền qua cổng thanh toán.",
        "en": "Refunded through the gateway.",
    },
    "reconcile_done_write_off": {"vi": "Đã đóng chênh lệch.", "en": "Mismatch written off."},
    "reconcile_error_ResolutionRefused": {
        "vi": "Không thể xử lý chênh lệch này theo cách đã chọn.",
        "en": "This action does not fit this mismatch.",
    },
    "reconcile_error_NoteRequired": {
        "vi": "Cần ghi chú lý do (ít nhất 5 ký tự).",
        "en": "Say why in the note (5 characters at least).",
    },
    "reconcile_error_MismatchNotFound": {"vi": "Không tìm thấy chênh lệch.", "en": "No such mismatch."},
    "reconcile_error_RefundRefused": {"vi": "Không thể hoàn tiền.", "en": "The refund is not possible."},
    "reconcile_error_GatewayUnavailable": {
        "vi": "Cổng thanh toán không phản hồi; vui lòng thử lại.",
        "en": "The gateway did not answer; try again.",
    },
    "reconcile_runs": {"vi": "Các lần đối soát", "en": "Reconciliation runs"},
    "no_runs": {"vi": "Chưa có lần đối soát nào.", "en": "No runs yet."},
    "started": {"vi": "Bắt đầu", "en": "Started"},
    "gateway_lines": {"vi": "Giao dịch tại cổng", "en": "Gateway lines"},
    "our_payments": {"vi": "Thanh toán của hệ thống", "en": "Our payments"},
    "found_new": {"vi": "Chênh lệch mới", "en": "New mismatches"},
    "seen_again": {"vi": "Đã biết", "en": "Already listed"},
    "unchecked": {"vi": "Chưa kiểm tra được", "en": "Unchecked"},
    "run_status_running": {"vi": "Đang chạy", "en": "Running"},
    "run_status_done": {"vi": "Hoàn tất", "en": "Done"},
    "run_status_partial": {"vi": "Chưa đầy đủ", "en": "Partial"},
    "run_status_failed": {"vi": "Lỗi", "en": "Failed"},
}

TEXT.update(EXAM_TEXT)
TEXT.update(REVIEW_TEXT)
TEXT.update(OPS_TEXT)


def lang_of(request: Request) -> str:
    lang = request.query_params.get("lang") or request.cookies.get("tvp_lang") or "vi"
    return lang if lang in LANGS else "vi"


def translator(lang: str) -> Callable[[str], str]:
    def t(key: str) -> str:
        entry = TEXT.get(key)
        return entry.get(lang, entry["vi"]) if entry else key

    return t
