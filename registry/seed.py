"""Generated demo population: citizens with valid CCCD numbers and vehicles with valid VN plates.

Everything is generated from the seed; nothing is copied from real people.
"""

from __future__ import annotations

import random
from datetime import date, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core import audit
from detection.vehicles import VehicleClass
from identity.cccd import Sex, make_cccd
from ocr.plate_format import parse_plate
from registry.models import Citizen, OwnerKind, RegistrationStatus, Vehicle

FAMILY = [
    "Nguyễn",
    "Trần",
    "Lê",
    "Phạm",
    "Hoàng",
    "Huỳnh",
    "Phan",
    "Vũ",
    "Võ",
    "Đặng",
    "Bùi",
    "Đỗ",
    "Hồ",
    "Ngô",
    "Dương",
    "Lý",
]
MIDDLE = {
    Sex.male: ["Văn", "Hữu", "Đức", "Quốc", "Minh", "Thành", "Công"],
    Sex.female: ["Thị", "Ngọc", "Thu", "Thanh", "Kim", "Hoài", "Bảo"],
}
GIVEN = {
    Sex.male: [
        "An",
        "Bình",
        "Cường",
        "Dũng",
        "Hải",
        "Hiếu",
        "Hùng",
        "Khánh",
        "Long",
        "Minh",
        "Nam",
        "Phong",
        "Quân",
        "Sơn",
        "Thắng",
        "Trung",
        "Tuấn",
        "Việt",
    ],
    Sex.female: [
        "Anh",
        "Hà",
        "Hạnh",
        "Hoa",
        "Hương",
        "Lan",
        "Linh",
        "Mai",
        "Nga",
        "Ngọc",
        "Phương",
        "Quỳnh",
        "Tâm",
        "Thảo",
        "Trang",
        "Vy",
        "Yến",
    ],
}
STREETS = [
    "Lê Lợi",
    "Nguyễn Huệ",
    "Trần Hưng Đạo",
    "Hai Bà Trưng",
    "Lý Thường Kiệt",
    "Điện Biên Phủ",
    "Cách Mạng Tháng Tám",
    "Nguyễn Trãi",
    "Phan Đình Phùng",
    "Quang Trung",
]
# (CCCD birth-province code, plate codes, display name)
PLACES = [
    ("001", ["29", "30", "31", "32", "33", "40"], "Hà Nội"),
    ("079", ["50", "51", "59", "41"], "TP Hồ Chí Minh"),
    ("048", ["43"], "Đà Nẵng"),
    ("031", ["15", "16"], "Hải Phòng"),
    ("092", ["65"], "Cần Thơ"),
    ("075", ["60", "39"], "Đồng Nai"),
    ("038", ["36"], "Thanh Hoá"),
    ("040", ["37"], "Nghệ An"),
]
CAR_BRANDS = ["Toyota", "Hyundai", "Kia", "Mazda", "Ford", "VinFast", "Mitsubishi", "Honda"]
BIKE_BRANDS = ["Honda", "Yamaha", "Suzuki", "Piaggio", "VinFast", "SYM"]
COMPANIES = ["Vận tải", "Thương mại", "Xây dựng", "Du lịch", "Logistics", "Dịch vụ"]
COLOURS = ["Trắng", "Đen", "Bạc", "Đỏ", "Xanh", "Xám", "Vàng"]
L20 = "ABCDEFGHKLMNPSTUVXYZ"


def _plate(rng: random.Random, codes: list[str], kind: VehicleClass) -> str:
    prov = rng.choice(codes)
    number = f"{rng.randint(0, 999):03d}.{rng.randint(0, 99):02d}"
    if kind is VehicleClass.motorbike:
        series = rng.choice(L20) + (str(rng.randint(1, 9)) if rng.random() < 0.6 else rng.choice(L20))
        return f"{prov}-{series} {number}"
    letter = rng.choice(
        "CD" if kind is VehicleClass.truck else ("B" if kind is VehicleClass.bus else "AEFGHK")
    )
    return f"{prov}{letter}-{number}"


def seed_demo(
    session: Session, rng: random.Random, citizens: int = 60, *, audited: bool = True
) -> dict[str, int]:
    if session.scalar(select(func.count()).select_from(Citizen)):
        return {"citizens": 0, "vehicles": 0}
    n_vehicles = 0
    used_cccd: set[str] = set()
    used_plates: set[str] = set()
    for i in range(citizens):
        cccd_prov, plate_codes, province = rng.choice(PLACES)
        sex = rng.choice(list(Sex))
        birth = date(1950, 1, 1) + timedelta(days=rng.randint(0, 365 * 55))
        cccd = make_cccd(cccd_prov, birth.year, sex, rng.randint(0, 999_999))
        if cccd in used_cccd:
            continue
        used_cccd.add(cccd)
        name = f"{rng.choice(FAMILY)} {rng.choice(MIDDLE[sex])} {rng.choice(GIVEN[sex])}"
        address = (
            f"Số {rng.randint(1, 399)} đường {rng.choice(STREETS)}, phường {rng.randint(1, 15)}, {province}"
        )
        session.add(Citizen(cccd=cccd, full_name=name, birth_date=birth, sex=sex, address=address))
        for _ in range(rng.choice([0, 1, 1, 1, 2])):
            kind = rng.choices(
                [VehicleClass.motorbike, VehicleClass.car, VehicleClass.truck, VehicleClass.bus],
                weights=[60, 30, 7, 3],
            )[0]
            plate = parse_plate(
                _plate(rng, plate_codes, kind),
                family="motorbike" if kind is VehicleClass.motorbike else "car",
            )
            if plate.compact in used_plates:
                continue
            used_plates.add(plate.compact)
            brands = BIKE_BRANDS if kind is VehicleClass.motorbike else CAR_BRANDS
            status = RegistrationStatus.deregistered if rng.random() < 0.03 else RegistrationStatus.registered
            company = kind is not VehicleClass.motorbike and rng.random() < 0.1
            org_name = f"Công ty TNHH {rng.choice(COMPANIES)} {rng.choice(STREETS)}" if company else None
            tax_code = f"{rng.randint(0, 99_999_999):08d}{rng.randint(10, 99)}" if company else None
            session.add(
                Vehicle(
                    plate=plate.compact,
                    plate_display=plate.display,
                    vehicle_type=kind,
                    colour=rng.choice(COLOURS),
                    brand=rng.choice(brands),
                    owner_cccd=cccd,
                    registration_status=status,
                    stolen=rng.random() < 0.01,
                    owner_kind=OwnerKind.organisation if company else OwnerKind.person,
                    organisation_name=org_name,
                    organisation_tax_code=tax_code,
                )
            )
            n_vehicles += 1
        if i % 50 == 0:
            session.flush()
    session.flush()
    if not audited:  # the registration service stand-in has no audit log of ours
        return {"citizens": len(used_cccd), "vehicles": n_vehicles}
    audit.record(
        session,
        actor=audit.SYSTEM,
        action="seed.demo",
        object_type="registry",
        detail={"citizens": len(used_cccd), "vehicles": n_vehicles},
    )
    return {"citizens": len(used_cccd), "vehicles": n_vehicles}
