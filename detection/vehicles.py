"""The one vocabulary of vehicle classes: what the detector sees, a lane allows, the registry records and
the fine tables fine. The fine tables' own words are mapped here and nowhere else."""

from __future__ import annotations

from enum import StrEnum

# The detector's (COCO's) word, stored before migration 0007 and still found in older camera files.
LEGACY = {"motorcycle": "motorbike"}


class VehicleClass(StrEnum):
    car = "car"
    motorbike = "motorbike"
    bus = "bus"
    truck = "truck"
    other = "other"  # registered as none of the above; the detector never says it

    @classmethod
    def _missing_(cls, value: object) -> VehicleClass | None:
        word = LEGACY.get(value) if isinstance(value, str) else None
        return cls(word) if word else None

    @classmethod
    def parse(cls, value: str | None) -> VehicleClass | None:
        """The class a stored or outside word names, or None when it names none."""
        try:
            return None if value is None else cls(value)
        except ValueError:
            return None

    @classmethod
    def fined(cls, value: str | None) -> VehicleClass | None:
        """The class a word names, if the fine tables have a category for it."""
        found = cls.parse(value)
        return found if found is not None and found.fine_category is not None else None

    @property
    def fine_category(self) -> FineCategory | None:
        return FINE_CATEGORY.get(self)


class FineCategory(StrEnum):
    """The fine tables' words (the vehicle_class column of penalties/law/*.csv, rows fining the driver):
    ND 168/2024 Art. 6 fines cars and the like, Art. 7 motorbikes and the like."""

    car = "car"
    motorbike = "motorbike"


FINE_CATEGORY = {
    VehicleClass.car: FineCategory.car,
    VehicleClass.bus: FineCategory.car,
    VehicleClass.truck: FineCategory.car,
    VehicleClass.motorbike: FineCategory.motorbike,
}
DETECTED = (VehicleClass.car, VehicleClass.motorbike, VehicleClass.bus, VehicleClass.truck)
