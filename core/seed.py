"""Demo staff users (one per role). Development and demo only."""

from __future__ import annotations

import random

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.auth.service import create_user
from core.models import Role, User

DEMO_PASSWORD = "tvp-demo-2026"  # noqa: S105 - printed by `tvp demo`; seeding refuses production
DEMO_STAFF = [
    ("reviewer", "Trung úy Nguyễn Văn Hải", [Role.reviewer]),
    ("reviewer2", "Thiếu úy Trần Thị Mai", [Role.reviewer]),
    ("supervisor", "Đại úy Lê Quốc Hùng", [Role.supervisor, Role.reviewer]),
    ("examiner", "Phạm Thu Hà", [Role.exam_officer]),
    ("ops", "Võ Minh Khánh", [Role.ops]),
    ("admin", "Quản trị hệ thống", [Role.admin]),
]


def seed_demo(session: Session, rng: random.Random) -> dict[str, int]:
    created = 0
    for username, full_name, roles in DEMO_STAFF:
        if session.scalar(select(User.id).where(User.username == username)) is None:
            create_user(session, username=username, full_name=full_name, password=DEMO_PASSWORD, roles=roles)
            created += 1
    return {"staff users": created}
