"""The published files: CSV, JSON and the schema beside them. Same data → the same bytes (sorted rows,
fixed key order, no time of generation inside)."""

from __future__ import annotations

import csv
import io
import json
from typing import Any

from penalties.opendata.aggregate import DIMENSIONS, HOUR_BANDS, MEASURES, MERGED, Aggregate, iter_rows

DATASET = "tvp-violations-monthly"
SCHEMA_VERSION = 1
COLUMNS = ("period", *DIMENSIONS, *MEASURES)
FIELDS: dict[str, tuple[str, str]] = {
    "period": (
        "string",
        "Vietnam calendar month (Asia/Ho_Chi_Minh) the violations were detected in, YYYY-MM",
    ),
    "province_code": ("string", "Two-digit province code of the camera's area, or * (merged)"),
    "violation_code": ("string", "Violation code of the fine tables (e.g. RED_LIGHT), or * (merged)"),
    "vehicle_class": ("string", "car, motorbike, bus, truck, other or unknown, or * (merged)"),
    "hour_band": ("string", f"Vietnam hour band of detection: {', '.join(HOUR_BANDS)}, or * (merged)"),
    "violations": ("integer", "Violations confirmed by a reviewer (always >= k)"),
    "notices": ("integer", "Of those, violations a penalty notice was issued for (cancelled ones included)"),
    "decisions": ("integer", "Of those, notices covered by a sanction decision that is not cancelled"),
    "paid": ("integer", "Of those, notices paid (the notice itself or the decision covering it)"),
}
SUPPRESSION = (
    f"A cell (province_code, violation_code, vehicle_class, hour_band) with fewer than k violations is "
    f"not published: its counts move to the row with its finest dimension replaced by {MERGED} (first "
    f"hour_band, then vehicle_class, violation_code, province_code); a {MERGED} row holds only what was "
    f"merged into it, not a total. What is still below k with every dimension merged is left out."
)


def schema(k: int, licence: str) -> dict[str, Any]:
    return {
        "dataset": DATASET,
        "schema_version": SCHEMA_VERSION,
        "licence": licence,
        "timezone": "Asia/Ho_Chi_Minh",
        "k": k,
        "suppression": SUPPRESSION,
        "personal_data": "none: no plates, CCCD numbers, names, notice or decision numbers, exact times",
        "files": {"violations.csv": "text/csv; UTF-8; header row", "violations.json": "application/json"},
        "fields": [{"name": n, "type": t, "description": d} for n, (t, d) in FIELDS.items()],
    }


def render_csv(aggregate: Aggregate) -> bytes:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(iter_rows(aggregate))
    return buffer.getvalue().encode()


def render_json(aggregate: Aggregate, licence: str) -> bytes:
    document = {
        "dataset": DATASET,
        "schema_version": SCHEMA_VERSION,
        "period": aggregate.month,
        "licence": licence,
        "k": aggregate.k,
        "fields": list(COLUMNS),
        "rows": list(iter_rows(aggregate)),
    }
    return _json_bytes(document)


def render_schema(k: int, licence: str) -> bytes:
    return _json_bytes(schema(k, licence))


def _json_bytes(document: dict[str, Any]) -> bytes:
    return (json.dumps(document, ensure_ascii=False, indent=1) + "\n").encode()
