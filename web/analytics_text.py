"""Vietnamese and English text of the analytics page (web/analytics.py)."""

from __future__ import annotations

from web.i18n import TEXT

TEXT.update(
    {
        "analytics": {"vi": "Thống kê vi phạm", "en": "Violation analytics"},
        "analytics_csv": {"vi": "Xuất CSV", "en": "Export CSV"},
        "area": {"vi": "Tỉnh/thành (mã)", "en": "Province (code)"},
        "all": {"vi": "Tất cả", "en": "All"},
        "analytics_range": {"vi": "Ngày theo giờ Việt Nam", "en": "Days in Vietnam time"},
        "analytics_empty": {
            "vi": "Không có số liệu trong khoảng thời gian và khu vực đã chọn.",
            "en": "No figures for the chosen dates and area.",
        },
        "analytics_note": {
            "vi": "Số liệu tổng hợp được cập nhật mỗi giờ; mỗi sự kiện được tính vào giờ và ngày nó xảy ra.",
            "en": "The aggregate is refreshed hourly; each event counts in the hour and day it happened.",
        },
        "m_detected": {"vi": "Phát hiện", "en": "Detected"},
        "m_confirmed": {"vi": "Xác nhận", "en": "Confirmed"},
        "m_rejected": {"vi": "Loại bỏ", "en": "Rejected"},
        "m_notices": {"vi": "Thông báo đã gửi", "en": "Notices issued"},
        "m_decisions": {"vi": "Đã ra quyết định", "en": "Decided"},
        "m_paid": {"vi": "Đã nộp phạt", "en": "Paid"},
        "m_payment_rate": {"vi": "Tỷ lệ nộp phạt", "en": "Payment rate"},
        "chart_by_type": {"vi": "Vi phạm theo hành vi", "en": "Violations by type"},
        "chart_by_camera": {"vi": "Vi phạm theo camera", "en": "Violations by camera"},
        "chart_by_hour": {"vi": "Vi phạm theo giờ trong ngày", "en": "Violations by hour of day"},
        "chart_by_weekday": {"vi": "Vi phạm theo thứ trong tuần", "en": "Violations by weekday"},
        "chart_trend": {"vi": "Xu hướng theo ngày", "en": "Daily trend"},
        "chart_throughput": {"vi": "Năng suất duyệt theo ngày", "en": "Review throughput per day"},
        "chart_payment_rate": {
            "vi": "Tỷ lệ nộp phạt theo ngày (đã nộp ÷ đã ra quyết định)",
            "en": "Payment rate per day (paid ÷ decided)",
        },
        "weekdays": {"vi": "T2,T3,T4,T5,T6,T7,CN", "en": "Mon,Tue,Wed,Thu,Fri,Sat,Sun"},
        "range_reversed": {
            "vi": "Ngày bắt đầu ({first}) sau ngày kết thúc ({last}).",
            "en": "The first day ({first}) is after the last ({last}).",
        },
        "range_too_long": {
            "vi": "Khoảng thời gian tối đa là {n} ngày.",
            "en": "The range can be at most {n} days.",
        },
    }
)
