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
}


def lang_of(request: Request) -> str:
    lang = request.query_params.get("lang") or request.cookies.get("tvp_lang") or "vi"
    return lang if lang in LANGS else "vi"


def translator(lang: str) -> Callable[[str], str]:
    def t(key: str) -> str:
        entry = TEXT.get(key)
        return entry.get(lang, entry["vi"]) if entry else key

    return t
