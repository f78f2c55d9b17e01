"""Demo cameras at real-looking intersections (generated, GPS approximate), each registered as a
configuration version: the generated footage's geometry with the intersection's place."""

from __future__ import annotations

import random

import yaml
from sqlalchemy import select
from sqlalchemy.orm import Session

from detection.footage import camera_config
from penalties.cameras.config import LoadedCamera
from penalties.cameras.models import Camera
from penalties.cameras.service import newest_config, register_config, stored_camera

ACTOR = "system:demo-seed"

CAMERAS = [
    ("HCM-Q1-001", "Ngã tư Lê Lợi – Nguyễn Huệ", "Lê Lợi, Quận 1", "51", 10.7739, 106.7019, 50),
    (
        "HCM-Q3-002",
        "Cách Mạng Tháng Tám – Điện Biên Phủ",
        "Cách Mạng Tháng Tám, Quận 3",
        "51",
        10.7798,
        106.6863,
        50,
    ),
    ("HCM-TD-003", "Xa lộ Hà Nội – cầu Rạch Chiếc", "Xa lộ Hà Nội, TP Thủ Đức", "51", 10.8107, 106.7570, 80),
    ("HN-HK-001", "Tràng Tiền – Hàng Bài", "Tràng Tiền, Hoàn Kiếm", "29", 21.0245, 105.8553, 40),
    ("HN-BD-002", "Đại lộ Thăng Long km 8", "Đại lộ Thăng Long", "30", 21.0050, 105.7640, 90),
    ("DN-HC-001", "Cầu Rồng – Trần Hưng Đạo", "Trần Hưng Đạo, Hải Châu", "43", 16.0613, 108.2270, 50),
]


def demo_config_text(
    code: str, name: str, road: str, province: str, lat: float, lon: float, limit: int
) -> str:
    """A demo camera's configuration file: the generated scene's lines, lanes and light at this place."""
    data = camera_config(code)
    data["camera"]["location"].update(
        name=name, road=road, province_code=province, latitude=lat, longitude=lon, speed_limit_kmh=limit
    )
    return yaml.safe_dump(data, sort_keys=False, allow_unicode=True)


def seed_demo(session: Session, rng: random.Random) -> dict[str, int]:
    created = 0
    for code, name, road, province, lat, lon, limit in CAMERAS:
        if session.scalar(select(Camera.id).where(Camera.code == code)) is None:
            created += 1
        register_config(
            session,
            demo_config_text(code, name, road, province, lat, lon, limit),
            actor=ACTOR,
            source=f"demo camera {code}",
        )
    return {"cameras": created}


def demo_config(session: Session, camera: Camera) -> LoadedCamera:
    """A demo camera's stored configuration; one added through the API without a file gets the
    generated one at its place, registered as its first version."""
    if newest_config(session, camera) is None:
        text = demo_config_text(
            camera.code,
            camera.name,
            camera.road,
            camera.province_code,
            camera.latitude,
            camera.longitude,
            camera.speed_limit_kmh,
        )
        register_config(session, text, actor=ACTOR, source=f"demo camera {camera.code}")
    return stored_camera(session, camera.code)
