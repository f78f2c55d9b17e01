"""Camera configuration: strict YAML, validated with pydantic, every field documented.

Errors name the field and the YAML line it came from. Geometry is in pixel coordinates of the camera
image (x to the right, y down); calibration maps four image points to metres on the road plane.
"""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from detection.vehicles import DETECTED, VehicleClass
from ocr.plate_format import PROVINCE

PROVINCE_PATTERN = f"^{PROVINCE}$"
Point = Annotated[tuple[float, float], Field(description="[x, y] in image pixels")]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Location(Strict):
    name: str = Field(min_length=2, max_length=200, description="Human-readable place, e.g. the intersection")
    latitude: float = Field(ge=8.0, le=23.5, description="WGS84 latitude (within Vietnam)")
    longitude: float = Field(ge=102.0, le=110.0, description="WGS84 longitude (within Vietnam)")
    road: str = Field(min_length=2, max_length=200, description="Road name")
    province_code: str = Field(
        pattern=PROVINCE_PATTERN, description="Plate province code of the area, e.g. 51 (Ho Chi Minh City)"
    )
    speed_limit_kmh: int = Field(gt=0, le=150, description="Posted limit for all vehicles unless overridden")


class LineKind(StrEnum):
    stop_line = "stop_line"
    solid = "solid"  # a continuous lane line that must not be crossed
    # Where the junction begins (the far edge of the pedestrian crossing): with one, a red-light
    # violation is entering the junction on red, not only overrunning the stop line.
    junction_entry = "junction_entry"


class LineConfig(Strict):
    name: str = Field(min_length=1, description="Unique name within this camera")
    kind: LineKind = Field(description="stop_line, solid or junction_entry")
    points: list[Point] = Field(min_length=2, description="Polyline, at least two points")


class ZoneKind(StrEnum):
    no_stopping = "no_stopping"
    detection = "detection"  # where vehicles are tracked at all


class ZoneConfig(Strict):
    name: str = Field(min_length=1, description="Unique name within this camera")
    kind: ZoneKind = Field(description="no_stopping or detection")
    polygon: list[Point] = Field(min_length=3, description="Closed polygon, at least three points")
    dwell_limit_s: float | None = Field(
        None, gt=0, description="no_stopping: seconds allowed before a violation"
    )

    @model_validator(mode="after")
    def _dwell(self) -> ZoneConfig:
        if self.kind is ZoneKind.no_stopping and self.dwell_limit_s is None:
            raise ValueError("a no_stopping zone needs dwell_limit_s")
        return self


class LaneConfig(Strict):
    name: str = Field(min_length=1, description="Unique name within this camera")
    polygon: list[Point] = Field(min_length=3, description="The lane's area")
    direction: Point = Field(description="Allowed direction of travel as an image vector [dx, dy]")
    allowed_classes: list[VehicleClass] = Field(
        default_factory=lambda: list(DETECTED),
        min_length=1,
        description="Vehicle classes allowed here: car, motorbike, bus, truck",
    )

    @field_validator("direction")
    @classmethod
    def _nonzero(cls, value: tuple[float, float]) -> tuple[float, float]:
        if value[0] == 0 and value[1] == 0:
            raise ValueError("direction must not be [0, 0]")
        return value


class Movement(StrEnum):
    straight = "straight"
    left = "left"
    right = "right"


class LampColour(StrEnum):
    red = "red"
    amber = "amber"
    green = "green"


Box = tuple[int, int, int, int]


def _check_box(box: Box, what: str) -> Box:
    if not (box[0] < box[2] and box[1] < box[3]):
        raise ValueError(f"{what} must be [x1, y1, x2, y2] with x1 < x2 and y1 < y2")
    return box


class LampConfig(Strict):
    colour: LampColour = Field(description="Which state this lamp shows when lit: red, amber or green")
    centre: Point = Field(description="[x, y] of the lamp's centre in the image")
    radius: float = Field(gt=0, le=100, description="Radius of the lamp's disc in pixels")
    dark: float | None = Field(
        None, ge=0, le=255, description="Brightness when unlit (from `tvp cameras calibrate-light`)"
    )
    lit: float | None = Field(None, ge=0, le=255, description="Brightness when lit (calibrated)")


class SignalHeadConfig(Strict):
    name: str = Field(min_length=1, description="Unique name of the head within this camera")
    box: Box = Field(description="[x1, y1, x2, y2] of the signal head (its housing) in the image")
    controls: list[Movement] = Field(
        default_factory=lambda: list(Movement),
        min_length=1,
        description="Movements this head controls: straight, left, right (an arrow head: just one)",
    )
    lanes: list[str] = Field(
        default_factory=list, description="Names of the lanes it controls (empty: every lane)"
    )
    lamps: list[LampConfig] = Field(
        default_factory=list,
        description="Its lamps; empty: red, amber, green evenly along the longer side (red top/left)",
    )

    @field_validator("box")
    @classmethod
    def _box(cls, value: Box) -> Box:
        return _check_box(value, "box")


class TrafficLight(Strict):
    region: Box | None = Field(
        None, description="[x1, y1, x2, y2] of the one signal head controlling every movement (shorthand)"
    )
    heads: list[SignalHeadConfig] = Field(
        default_factory=list, description="Signal heads read from the image, each with what it controls"
    )
    feed_url: str | None = Field(
        None,
        description="Signal-controller log, preferred over reading the heads: a JSON / JSON Lines file "
        "(path or file://) or an http(s):// URL serving [{at, state}, …]",
    )

    @model_validator(mode="after")
    def _sources(self) -> TrafficLight:
        if self.region is None and not self.heads and self.feed_url is None:
            raise ValueError("give heads, region or feed_url")
        if self.region is not None and self.heads:
            raise ValueError("give either region (one head) or heads, not both")
        if self.region is not None:
            _check_box(self.region, "region")
        names = [h.name for h in self.heads]
        if len(set(names)) != len(names):
            raise ValueError("signal head names must be unique")
        return self

    def signal_heads(self) -> list[SignalHeadConfig]:
        """The heads to read: ``heads``, or the ``region`` shorthand as one head controlling everything."""
        if self.region is not None:
            return [SignalHeadConfig(name="signal", box=self.region)]
        return list(self.heads)


class Calibration(Strict):
    image_points: list[Point] = Field(min_length=4, max_length=4, description="Four points in the image")
    road_points_m: list[Point] = Field(
        min_length=4, max_length=4, description="The same four points on the road plane, in metres"
    )


class HelmetsConfig(Strict):
    """Helmet and overload checks on motorbikes (detection/helmets.py): off unless switched on, since
    the helmet detector adds its cost to every processed frame with a motorbike in view. The cost per
    frame is bounded: the crops looked at in one processed frame fill at most ``input_budget`` of the
    detector's input, the nearest motorbikes first, each looked at on every ``every_n_frames``-th frame
    at most."""

    enabled: bool = Field(False, description="Run the helmet detector on motorbike tracks")
    every_n_frames: int = Field(
        1, ge=1, le=50, description="Look at a motorbike on every n-th processed frame at most (1: every one)"
    )
    input_budget: float = Field(
        1.1,
        ge=1.0,
        le=16.0,
        description="The helmet detector's input per processed frame at most, in 320×320 squares (≈ 12 ms"
        " each on a 2-core CPU): the motorbikes' rider crops are packed side by side up to it, the nearest"
        " first, and the rest wait their turn (one crop always fits; raise it on faster hardware)",
    )


CAMERA_CODE_PATTERN = r"^[A-Z0-9][A-Z0-9-]{2,39}$"


class CameraInfo(Strict):
    id: str = Field(pattern=CAMERA_CODE_PATTERN, description="Camera code, e.g. HCM-Q1-001")
    version: int = Field(ge=1, description="Configuration version; recorded with every violation")
    resolution: tuple[int, int] = Field(description="[width, height] of the camera image")
    fps: float = Field(25.0, gt=0, le=120, description="Frames per second when the source does not say")
    location: Location


class CameraConfig(Strict):
    camera: CameraInfo
    lines: list[LineConfig] = Field(default_factory=list, description="Stop lines and solid lane lines")
    zones: list[ZoneConfig] = Field(default_factory=list, description="No-stopping and detection zones")
    lanes: list[LaneConfig] = Field(default_factory=list, description="Lanes with direction and classes")
    traffic_light: TrafficLight | None = Field(None, description="Where the signal state comes from")
    calibration: Calibration | None = Field(None, description="Image ↔ road mapping for speed")
    speed_limits_kmh: dict[VehicleClass, int] = Field(
        default_factory=dict, description="Per-class limits overriding location.speed_limit_kmh"
    )
    helmets: HelmetsConfig = Field(
        default_factory=HelmetsConfig, description="No-helmet and overload checks on motorbikes"
    )

    @model_validator(mode="after")
    def _consistent(self) -> CameraConfig:
        names: set[str] = set()
        for group in (self.lines, self.zones, self.lanes):
            for item in group:
                if item.name in names:
                    raise ValueError(f"name {item.name!r} is used twice")
                names.add(item.name)
        outside = self.geometry_outside()
        if outside:
            raise GeometryError(outside)
        if self.traffic_light and not any(line.kind is LineKind.stop_line for line in self.lines):
            raise ValueError("a traffic light needs a stop_line")
        lanes = {lane.name for lane in self.lanes}
        for head in self.traffic_light.signal_heads() if self.traffic_light else []:
            unknown = sorted(set(head.lanes) - lanes)
            if unknown:
                raise ValueError(f"signal head {head.name}: no lane named {', '.join(unknown)}")
        return self

    def geometry_outside(self) -> list[tuple[tuple[str | int, ...], str]]:
        """(field path, message) for every point or region outside the camera image."""
        width, height = self.camera.resolution
        size = f"{width}×{height}"
        problems: list[tuple[tuple[str | int, ...], str]] = []
        groups: list[tuple[str, list[Any], str]] = [
            ("lines", self.lines, "points"),
            ("zones", self.zones, "polygon"),
            ("lanes", self.lanes, "polygon"),
        ]
        for group, items, attr in groups:
            for i, item in enumerate(items):
                for j, (x, y) in enumerate(getattr(item, attr)):
                    if not (0 <= x <= width and 0 <= y <= height):
                        problems.append(
                            ((group, i, attr, j), f"point [{_n(x)}, {_n(y)}] is outside the {size} image")
                        )
        if self.calibration is not None:
            for j, (x, y) in enumerate(self.calibration.image_points):
                if not (0 <= x <= width and 0 <= y <= height):
                    problems.append(
                        (
                            ("calibration", "image_points", j),
                            f"point [{_n(x)}, {_n(y)}] is outside the {size} image",
                        )
                    )
        region = self.traffic_light.region if self.traffic_light else None
        if region is not None and not (
            region[0] >= 0 and region[1] >= 0 and region[2] <= width and region[3] <= height
        ):
            problems.append(
                (("traffic_light", "region"), f"region {list(region)} is outside the {size} image")
            )
        for i, head in enumerate(self.traffic_light.heads if self.traffic_light else []):
            x1, y1, x2, y2 = head.box
            if not (x1 >= 0 and y1 >= 0 and x2 <= width and y2 <= height):
                where = ("traffic_light", "heads", i, "box")
                problems.append((where, f"box {list(head.box)} is outside the {size} image"))
        return problems

    def speed_limit(self, vehicle_class: VehicleClass) -> int:
        return self.speed_limits_kmh.get(vehicle_class, self.camera.location.speed_limit_kmh)


def _n(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else str(value)


class GeometryError(ValueError):
    """Geometry outside the image; carries each problem's field path so the loader can name its line."""

    def __init__(self, problems: list[tuple[tuple[str | int, ...], str]]):
        self.problems = problems
        super().__init__("; ".join(f"{'.'.join(map(str, loc))}: {msg}" for loc, msg in problems))


class CameraConfigError(ValueError):
    """The camera file is not valid; the message names each field and its line."""


def _line_of(node: yaml.Node | None, loc: tuple[Any, ...]) -> int | None:
    for key in loc:
        if isinstance(node, yaml.MappingNode):
            node = next((v for k, v in node.value if k.value == key), None)
        elif isinstance(node, yaml.SequenceNode) and isinstance(key, int) and key < len(node.value):
            node = node.value[key]
        else:
            break
    return None if node is None else node.start_mark.line + 1


def read_camera_text(path: Path) -> str:
    """The file's text exactly as stored (no newline translation), so its hash is the file's hash."""
    try:
        return Path(path).read_bytes().decode("utf-8")
    except OSError as exc:
        raise CameraConfigError(f"cannot read {path}: {exc.strerror or exc}") from exc
    except UnicodeDecodeError as exc:
        raise CameraConfigError(f"{path}: not UTF-8 text: {exc}") from exc


def load_camera_config(path: Path) -> CameraConfig:
    return parse_camera_config(read_camera_text(path), source=str(path))


def parse_camera_config(text: str, *, source: str = "camera configuration") -> CameraConfig:
    """Validate a configuration's YAML text; errors name ``source``, each field and its line."""
    path = source
    try:
        root = yaml.compose(text)
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise CameraConfigError(f"{path}: not valid YAML: {exc}") from exc
    if not isinstance(data, dict):
        raise CameraConfigError(f"{path}: expected a mapping with a 'camera' section")
    try:
        return CameraConfig.model_validate(data)
    except ValidationError as exc:
        problems = []
        for err in exc.errors():
            loc = tuple(
                p for p in err["loc"] if not (isinstance(p, str) and p.startswith(("function-", "tuple[")))
            )
            cause = (err.get("ctx") or {}).get("error")
            located = (
                [(loc + sub, msg) for sub, msg in cause.problems]
                if isinstance(cause, GeometryError)
                else [(loc, err["msg"])]
            )
            for where_loc, msg in located:
                field = ".".join(str(p) for p in where_loc) or "(top level)"
                line = _line_of(root, where_loc)
                where = f"line {line}: " if line else ""
                problems.append(f"{where}{field}: {msg}")
        raise CameraConfigError(f"{path}: " + "; ".join(problems)) from exc
