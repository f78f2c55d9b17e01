"""Vietnamese and English text of the candidate's exam pages (merged into web.citizen_text.TEXT)."""

from __future__ import annotations

CANDIDATE_TEXT: dict[str, dict[str, str]] = {
    "nav_exams": {"vi": "Kỳ thi", "en": "Exams"},
    "my_exams": {"vi": "Kỳ thi của tôi", "en": "My exams"},
    "no_exams": {"vi": "Bạn chưa đăng ký kỳ thi nào.", "en": "You are not registered for any exam."},
    "exam_not_found": {"vi": "Không tìm thấy đăng ký dự thi.", "en": "Registration not found."},
    "back_exams": {"vi": "← Kỳ thi của tôi", "en": "← My exams"},
    "kind_online": {"vi": "Thi trực tuyến", "en": "Online exam"},
    "kind_driving_test": {"vi": "Sát hạch lái xe", "en": "Driving test"},
    "starts": {"vi": "Bắt đầu", "en": "Starts"},
    "not_checked_in": {"vi": "Chưa kiểm tra danh tính", "en": "Identity not checked yet"},
    "check_in_online": {"vi": "Kiểm tra danh tính trực tuyến", "en": "Check in online"},
    "checkin_intro": {
        "vi": "Nhập dữ liệu thẻ CCCD của bạn (tệp chip, hoặc mã QR / MRZ), rồi bật camera và làm theo "
        "hướng dẫn: nhìn thẳng, quay trái, quay phải.",
        "en": "Enter your CCCD card's data (chip files, or the QR / MRZ text), then start the camera and "
        "follow the prompts: look at the camera, turn left, turn right.",
    },
    "qr_hint": {
        "vi": "Gõ hoặc quét bằng máy quét mã QR (máy quét nhập như bàn phím).",
        "en": "Type it, or scan it with a QR scanner (it types like a keyboard).",
    },
    "mrz_photo": {"vi": "hoặc ảnh mặt sau thẻ", "en": "or a photo of the card's back"},
    "submit_checkin": {"vi": "Gửi kiểm tra", "en": "Submit the check"},
    "checking": {"vi": "Đang kiểm tra…", "en": "Checking…"},
    "latest_result": {"vi": "Kết quả gần nhất", "en": "Latest result"},
    "verdict_admitted": {"vi": "Đạt: được vào thi", "en": "Passed: admitted"},
    "verdict_refused": {"vi": "Không đạt", "en": "Refused"},
    "verdict_pending_officer": {"vi": "Chờ cán bộ xem xét", "en": "Waiting for an officer"},
    "officer_admitted": {"vi": "Cán bộ: cho vào thi", "en": "Officer: admitted"},
    "officer_refused": {"vi": "Cán bộ: không cho vào thi", "en": "Officer: refused"},
    "next_admitted_online": {
        "vi": "Bạn có thể vào phòng thi. Giữ camera bật trong suốt bài thi.",
        "en": "You may start the exam. Keep your camera on for the whole exam.",
    },
    "next_admitted": {
        "vi": "Đến trung tâm đúng giờ và mang theo thẻ CCCD.",
        "en": "Come to the centre on time with your CCCD card.",
    },
    "next_pending_officer": {
        "vi": "Một cán bộ sẽ xem xét. Kiểm tra lại bằng tệp chip để có kết quả ngay.",
        "en": "An officer will review it. Check in again with the chip files for an answer at once.",
    },
    "next_refused": {
        "vi": "Kiểm tra lại với thẻ CCCD của chính bạn, đủ ánh sáng, nhìn thẳng rồi quay trái, quay phải.",
        "en": "Check in again with your own CCCD card, in good light: look at the camera, then turn "
        "left and right.",
    },
    "enter_exam": {"vi": "Vào phòng thi", "en": "Start the exam"},
    "need_card": {
        "vi": "Cần dữ liệu thẻ: tệp chip (DG1 và SOD), mã QR hoặc MRZ.",
        "en": "Card data needed: chip files (DG1 and SOD), the QR text or the MRZ.",
    },
    "need_frames": {
        "vi": "Cần 3 khung hình: chụp bằng camera hoặc chọn tệp ảnh.",
        "en": "Three frames needed: capture them with the camera or choose image files.",
    },
    "file_too_large": {
        "vi": "Tệp {name} quá lớn (tối đa 2 MB).",
        "en": "The file {name} is too large (2 MB at most).",
    },
    "error_NotRegistered": {"vi": "Không tìm thấy đăng ký dự thi.", "en": "Registration not found."},
    "error_CheckinInputError": {
        "vi": "Dữ liệu kiểm tra chưa dùng được",
        "en": "The check's input is unusable",
    },
    "error_NoReference": {
        "vi": "Chưa có khuôn mặt được duyệt cho bài thi này",
        "en": "No admitted face for this exam",
    },
    "error_NotOnlineExam": {"vi": "Đây không phải kỳ thi trực tuyến", "en": "This is not an online exam"},
    # the exam in progress
    "exam_in_progress": {"vi": "Đang thi", "en": "Exam in progress"},
    "proctor_intro": {
        "vi": "Camera xác minh lại khuôn mặt bạn mỗi {n} giây. Hãy ngồi trước camera.",
        "en": "The camera re-checks your face every {n} seconds. Stay in front of it.",
    },
    "not_admitted_online": {
        "vi": "Bạn chưa được vào kỳ thi trực tuyến này: hãy kiểm tra danh tính trước.",
        "en": "You are not admitted to this online exam: check in first.",
    },
    "camera_denied": {
        "vi": "Không bật được camera: cho phép trình duyệt dùng camera rồi tải lại trang. "
        "Bài thi vẫn tiếp tục; giám thị sẽ được báo.",
        "en": "The camera could not start: allow the browser to use it and reload. "
        "The exam goes on; the proctor will be told.",
    },
    "reverify_ok": {"vi": "Đã xác minh lúc {time}", "en": "Verified at {time}"},
    "reverify_flagged": {
        "vi": "Lúc {time}: chưa xác minh được ({code}), giám thị sẽ xem lại.",
        "en": "At {time}: not verified ({code}); a proctor will review it.",
    },
    "reverify_failed": {
        "vi": "Lúc {time}: chưa gửi được khung hình, sẽ thử lại.",
        "en": "At {time}: the frame could not be sent; trying again.",
    },
}
