"""What a push says about each citizen event: a short VI/EN title and the API URL to fetch the object.
Nothing else: no names, plates or amounts travel in a push."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from core.config import get_settings

# event → (API path of the object, title in Vietnamese, title in English)
EVENT_INFO: dict[str, tuple[str, str, str]] = {
    "notice.issued": (
        "/api/citizen/v1/notices/{id}",
        "Bạn có thông báo vi phạm mới",
        "You have a new penalty notice",
    ),
    "notice.cancelled": (
        "/api/citizen/v1/notices/{id}",
        "Một thông báo vi phạm đã bị hủy",
        "A penalty notice was cancelled",
    ),
    "nomination.received": (
        "/api/citizen/v1/nominations",
        "Bạn được chỉ định là người điều khiển xe",
        "You were named as the driver",
    ),
    "nomination.answered": (
        "/api/citizen/v1/notices",
        "Người được chỉ định đã trả lời",
        "The named driver answered",
    ),
    "dispute.decided": (
        "/api/citizen/v1/notices",
        "Khiếu nại của bạn đã có kết quả",
        "Your dispute was decided",
    ),
    "decision.issued": (
        "/api/citizen/v1/decisions/{id}",
        "Bạn có quyết định xử phạt mới",
        "A sanction decision was issued to you",
    ),
    "points.changed": (
        "/api/citizen/v1/points",
        "Điểm giấy phép lái xe của bạn thay đổi",
        "Your licence points changed",
    ),
}
# A confirmed delivery of these is the confirmed receipt of the notice (Notice.received_at), or of the
# decision (its 10 days to pay start: Luật XLVPHC Art. 73).
RECEIPT_EVENTS = frozenset({"notice.issued"})
DECISION_RECEIPT_EVENTS = frozenset({"decision.issued"})


def build_payload(event: str, object_id: str, delivery_id: str, at: datetime) -> dict[str, Any]:
    """The Standard Webhooks body ``{type, timestamp, data}``; Web Push carries the same JSON."""
    path, vi, en = EVENT_INFO.get(event, ("/api/citizen/v1/me", "Thông báo mới", "New notification"))
    base = get_settings().citizen_api_base_url.rstrip("/")
    return {
        "type": event,
        "timestamp": at.isoformat(),
        "data": {
            "delivery_id": delivery_id,
            "object_id": object_id,
            "title": {"vi": vi, "en": en},
            "url": base + path.format(id=object_id),
            "receipt_url": f"{base}/api/citizen/v1/deliveries/{delivery_id}/receipt",
        },
    }
