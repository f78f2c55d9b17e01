"""A candidate whose detected class is not the registered one's kind of vehicle is flagged."""

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session

from penalties.review.flags import check
from registry.provider import OwnerRecord, VehicleRecord
from tests.support.factories import make_candidate


def _registered(vehicle_type: str) -> VehicleRecord:
    owner = OwnerRecord("079090000001", "Nguyễn Văn An", "Số 1 Lê Lợi, TP Hồ Chí Minh")
    return VehicleRecord("51G12345", "51G-123.45", vehicle_type, "Honda", "Trắng", "registered", owner)


@pytest.mark.parametrize(
    ("seen", "registered", "flagged"),
    [
        ("motorbike", "car", True),
        ("car", "motorbike", True),
        ("bus", "motorbike", True),
        ("motorcycle", "car", True),  # the detector's word, stored before migration 0007
        ("motorbike", "motorbike", False),
        ("motorcycle", "motorbike", False),
        ("truck", "car", False),  # a detector tells cars, trucks and buses apart less reliably
        ("car", "other", False),
        (None, "car", False),
    ],
)
def test_type_mismatch(db: Session, seen: str | None, registered: str, flagged: bool) -> None:
    candidate = make_candidate(db, vehicle_class=seen)
    flags = [f["flag"] for f in check(db, candidate, _registered(registered))]
    assert ("type_mismatch" in flags) is flagged
