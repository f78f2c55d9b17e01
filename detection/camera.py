"""One camera's processing loop: frames → tracked vehicles → plate votes → rules → violation events.

Pure CV (no DB): each event carries what its evidence package needs — original frames before and at
the violation, a short clip, the plate crop and voted read, the signal state and model provenance.

Rules run on every processed frame for live tracks, so a red-light crossing is caught while the frames
around it are still in memory; speeding is judged once the track has ended (the whole track gives the
best fit). A finding is emitted once per track and violation code. Events are held until the clip's
tail has been seen and the vehicle's track has ended (so the plate read is the voted one).
"""

from __future__ import annotations

import bisect
import hashlib
import json
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np

from core import metrics
from detection.camera_config import CameraConfig
from detection.camera_helmets import (
    MIN_MOTORBIKE_PX,
    HelmetStep,
    RiderEvidence,
    RiderFinder,
    TrackHelmets,
    travel_of,
)
from detection.clip_buffer import ClipBuffer, Kept
from detection.clip_spill import Spilled, spill, staging_dir
from detection.colour import body_colour
from detection.continuity import Newcomer, Trail, reassociate
from detection.frame_size import check_frame_size
from detection.light import Lamp, LightReader
from detection.motion import MotionGate
from detection.pipeline import VEHICLE_CONF, PlatePipeline
from detection.rider_support import Carrier, Placed, box_key, carried, carrier_of
from detection.rules import RULES
from detection.rules.base import Finding, Light, RuleContext, Track, TrackPoint
from detection.scene import SceneDetector, SceneOptions
from detection.signal_feed import SignalFeed
from detection.sources import Frame
from detection.tracking import Tracker
from detection.types import Detections
from detection.vehicles import VehicleClass
from ocr.vote import TrackVotes, Verdict, sharpness, sharpness_weight

MAX_READS = 8  # plate reads per vehicle
FINAL_RULES = frozenset({"speeding"})  # judged on the whole track, once it has ended
Box = tuple[int, int, int, int]


@dataclass(frozen=True)
class EvidenceFrame:
    index: int
    captured_at: datetime
    stored: np.ndarray | Kept | Spilled  # the original frame, or the clip buffer's copy (decoded when read)
    box: Box | None  # the vehicle in this frame, when tracked

    @property
    def image(self) -> np.ndarray:
        """The frame, never drawn on."""
        return self.stored if isinstance(self.stored, np.ndarray) else self.stored.image()


@dataclass
class ViolationEvent:
    camera_id: str
    finding: Finding
    vehicle_class: VehicleClass
    plate: Verdict | None
    plate_crop: np.ndarray | None
    frames: list[EvidenceFrame]  # before, at
    clip: list[EvidenceFrame]
    signal: dict[str, Any] | None
    provenance: dict[str, Any]
    vehicle_colour: str | None = None  # colour family (detection.colour), when clear enough
    track_id: int | None = None
    footage_s: float | None = None  # the violation's position in the footage, in seconds
    riders: list[RiderEvidence] = field(default_factory=list)  # helmet findings: each rider's best look

    @property
    def key_frame(self) -> EvidenceFrame | None:
        """The frame at the violation (the last of ``frames``)."""
        return self.frames[-1] if self.frames else None

    @property
    def code(self) -> str:
        return self.finding.code

    @property
    def at(self) -> datetime:
        return self.finding.at

    def summary(self) -> dict[str, Any]:
        """What a run records and replays compare: no images."""
        return {
            "code": self.code,
            "at": self.at.isoformat(),
            "plate": self.plate.best.compact if self.plate else None,
            "plate_text": self.plate.best.text if self.plate else None,
            "plate_confidence": round(self.plate.best.confidence, 4) if self.plate else None,
            "alternatives": [a.compact for a in self.plate.alternatives] if self.plate else [],
            "vehicle_class": self.vehicle_class,
            "vehicle_colour": self.vehicle_colour,
            "measured": self.finding.measured,
            "track_id": self.track_id,
            "frame": self.key_frame.index if self.key_frame else None,
            "time_s": None if self.footage_s is None else round(self.footage_s, 3),
            "box": list(self.key_frame.box) if self.key_frame and self.key_frame.box else None,
        }


@dataclass
class _Live:
    track: Track
    last_index: int
    boxes: dict[int, Box] = field(default_factory=dict)
    votes: TrackVotes = field(default_factory=TrackVotes)
    best_crop: tuple[float, np.ndarray] | None = None
    emitted: set[str] = field(default_factory=set)
    ended: bool = False
    classes: Counter[VehicleClass] = field(default_factory=Counter)
    colours: Counter[str] = field(default_factory=Counter)
    stride: int = 1
    reads: int = 0  # plate crops read (found or not)
    last_read: int | None = None
    helmets: TrackHelmets | None = None  # motorbikes, when the camera checks helmets
    carrier: Carrier | None = None  # a motorbike's rider, who stands for it while it is not found

    def see(self, vehicle_class: VehicleClass) -> None:
        # The detector may call one vehicle a car in one frame and a truck in the next: majority wins.
        self.classes[vehicle_class] += 1
        self.track.vehicle_class = self.classes.most_common(1)[0][0]

    def verdict(self) -> Verdict | None:
        return self.votes.verdict() if self.votes.reads else None

    def colour(self) -> str | None:
        """The body colour most reads agree on (at least 60 % of them), else None."""
        total = sum(self.colours.values())
        if not total:
            return None
        name, n = self.colours.most_common(1)[0]
        return name if n / total >= 0.6 else None

    def wants_read(self, index: int) -> bool:
        """Reading the plate costs more than detecting the vehicle: stop once 4 reads agree, read at most
        MAX_READS times, and after the first two reads only every other processed frame."""
        verdict = self.verdict()
        if verdict is not None and verdict.votes >= 4 and verdict.agreement >= 0.8:
            return False
        if self.reads >= MAX_READS:
            return False
        return self.reads < 2 or self.last_read is None or index - self.last_read >= 2 * self.stride


@dataclass
class _Pending:
    live: _Live
    finding: Finding
    frames: list[EvidenceFrame] | None = None
    clip: list[EvidenceFrame] | None = None
    riders: list[RiderEvidence] = field(default_factory=list)


@dataclass(frozen=True)
class ProcessorOptions:
    stride: int = 1  # process every n-th frame
    motion_gate: bool = False
    gate_every_s: float = 1.0  # with the motion gate, a frame is processed at least this often
    lost_after_s: float = 1.2  # a track unseen this long has ended
    clip_before_s: float = 3.0
    clip_after_s: float = 2.0
    before_s: float = 1.0  # the "before" evidence frame, this long before the violation
    clip_quality: int | None = 95  # JPEG quality of the frames kept for clips (None: raw, ≈1 GiB at 1080p)
    spill_clips: bool = True  # a pending event's clip waits on disk for its track to end (clip_spill.py)
    spill_dir: Path | None = None  # where (None: the data dir's staging folder)
    scene: SceneOptions = field(default_factory=SceneOptions)


class CameraProcessor:
    def __init__(
        self,
        config: CameraConfig,
        pipeline: PlatePipeline,
        options: ProcessorOptions | None = None,
        *,
        helmet_finder: RiderFinder | None = None,
    ):
        self.config = config
        self.pipeline = pipeline
        self.options = options or ProcessorOptions()
        self.camera_id = config.camera.id
        self.helmets = self._helmet_step(helmet_finder)
        light = config.traffic_light
        # A controller feed is preferred: the heads are then not read at all.
        self.feed_source = SignalFeed(light.feed_url) if light is not None and light.feed_url else None
        self.heads: dict[str, LightReader] = {}
        if light is not None and self.feed_source is None:
            for head in light.signal_heads():
                lamps = [Lamp.of(lamp) for lamp in head.lamps]
                self.heads[head.name] = LightReader(head.box, lamps=lamps)
        self.light = next(iter(self.heads.values()), None)  # the first head
        timeline = (
            self.light.timeline if self.light else self.feed_source.timeline if self.feed_source else None
        )
        self.context = self._rule_context()
        self.signal_source = "signal head lamps" if self.light else "signal controller" if timeline else None
        self.scene = SceneDetector(config, pipeline.vehicles, self.options.scene)
        self.frames_seen = self.frames_processed = 0
        self._reset_tracking()
        self._pending: list[_Pending] = []
        opts = self.options
        self._buffer = ClipBuffer(
            opts.clip_before_s + opts.lost_after_s + opts.clip_after_s + 1, opts.clip_quality
        )
        self.last_quiet: Frame | None = None
        self._dirty = False
        # When position 0 of the footage was captured (events give their time from it); if not set,
        # taken from the first frame seen and the configured frame rate.
        self.origin: datetime | None = None
        # Resuming mid-flight: evidence frames of pending events, by index, to re-read while warming.
        self._awaiting: list[tuple[_Pending, list[_Ref] | None, list[_Ref] | None]] = []
        self._kept: dict[int, Kept] = {}
        self._wanted: set[int] = set()
        self._resumed = False

    def _helmet_step(self, finder: RiderFinder | None) -> HelmetStep | None:
        """With ``helmets.enabled`` in the camera file: the trained helmet detector (ModelNotFound,
        naming `tvp models train-helmets`, when it is not there), or the one given (tests)."""
        if not self.config.helmets.enabled:
            return None
        if finder is None:
            from detection.helmets import HelmetDetector

            finder = HelmetDetector()
        helmets = self.config.helmets
        return HelmetStep(finder, helmets.every_n_frames, self.camera_id, helmets.input_budget)

    def _rule_context(self) -> RuleContext:
        timeline = (
            self.light.timeline if self.light else self.feed_source.timeline if self.feed_source else None
        )
        return RuleContext(self.config, timeline, {name: r.timeline for name, r in self.heads.items()})

    def _reset_tracking(self) -> None:
        fps = self.config.camera.fps / self.options.stride
        self._lost_frames = max(2, round(self.options.lost_after_s * self.config.camera.fps))
        self.tracker = Tracker(
            track_buffer=max(2, round(self.options.lost_after_s * fps)),
            high=self.options.scene.confirm_conf,
            low=self.options.scene.low_conf,
            new_track=VEHICLE_CONF,
        )
        self.gate = self._motion_gate() if self.options.motion_gate else None
        self._live: dict[int, _Live] = {}
        self._alias: dict[int, int] = {}  # tracker id → the earlier track it continues

    def _motion_gate(self) -> MotionGate:
        zones = self.scene.zones
        w, h = self.config.camera.resolution
        every = max(1, round(self.options.gate_every_s * self.config.camera.fps / self.options.stride))
        return MotionGate(mask=zones.image((int(h), int(w))) if zones else None, max_skip=every - 1)

    @property
    def quiet(self) -> bool:
        """No vehicle tracked and nothing pending: a run may resume from here without losing anything."""
        return not self._live and not self._pending

    def signal_changes(self) -> list[tuple[datetime, Any]]:
        return list(self.light.timeline.changes) if self.light else []

    def signal_timelines(self) -> dict[str, list[list[str]]]:
        """Every signal's state changes so far, per head (or the feed): [[ISO time, state], …]."""
        timelines = {name: reader.timeline for name, reader in self.heads.items()}
        if self.feed_source is not None:
            timelines = {"feed": self.feed_source.timeline}
        return {name: [[t.isoformat(), str(s)] for t, s in tl.changes] for name, tl in timelines.items()}

    def restore_signal(self, changes: list[tuple[datetime, Any]]) -> None:
        if self.light:
            self.light.restore(changes)

    def signal_checkpoint(self, at: datetime) -> dict[str, list[list[str]]]:
        """Per head, the changes from the state in force at ``at`` on: what a resumed run restores."""
        return {
            name: [[t.isoformat(), str(s)] for t, s in reader.timeline.since(at)]
            for name, reader in self.heads.items()
        }

    def restore_signals(self, saved: dict[str, list[list[str]]]) -> None:
        for name, changes in saved.items():
            if name in self.heads:
                self.heads[name].restore([(datetime.fromisoformat(t), Light(s)) for t, s in changes])

    def feed(self, frame: Frame) -> list[ViolationEvent]:
        check_frame_size(self.config, frame.image)
        self._set_origin(frame)
        if self._awaiting:
            self._refill()
        self.frames_seen += 1
        if frame.index % self.options.stride == 0 and (self.gate is None or self.gate.changed(frame.image)):
            started = time.perf_counter()
            self._process(frame)
            metrics.DETECTION_LATENCY.labels(self.camera_id).observe(time.perf_counter() - started)
            metrics.FRAMES_PROCESSED.labels(self.camera_id).inc()
        else:
            metrics.FRAMES_SKIPPED.labels(self.camera_id).inc()
        return self._ready(frame.captured_at, frame.index, flushing=False)

    def warm(self, frame: Frame) -> None:
        """Resuming: keep the frame for clips without detecting anything (the run before already did)."""
        check_frame_size(self.config, frame.image)
        self._set_origin(frame)
        if frame.index in self._wanted:
            self._kept[frame.index] = Kept(frame.index, frame.captured_at, self._buffer.encode(frame.image))
        if frame.index % self.options.stride == 0:
            self._buffer.add(frame.index, frame.captured_at, frame.image)
            if not self._resumed:  # a restored reader has already seen these frames
                for reader in self.heads.values():
                    reader.update(frame.captured_at, frame.image)

    # -- segments of one footage processed in parallel (penalties/runs/segments.py)

    def warm_signal(self, frame: Frame) -> None:
        """A frame long before the part of the footage this processor runs: only the signal heads read
        it, as a pass over the whole footage would (every n-th frame; no motion gate)."""
        if frame.index % self.options.stride == 0:
            for reader in self.heads.values():
                reader.update(frame.captured_at, frame.image)

    def idle_signature(self, at: datetime) -> str | None:
        """With nothing tracked and nothing pending, everything that decides what comes next, as a
        hash: two processors with the same signature after the same frame go on identically (the
        clip buffer aside: it holds the last seconds of frames). None while anything is in flight."""
        bytetrack = self.tracker._tracker
        if self._live or self._pending or self._alias or bytetrack.tracked or bytetrack.lost:
            return None
        heads = {
            name: [
                [[t.isoformat(), str(s)] for t, s in reader.timeline.since(at)],
                str(reader._seen),
                reader._seen_since.isoformat() if reader._seen_since else None,
                reader._streak,
            ]
            for name, reader in self.heads.items()
        }
        state = [bytetrack._next_id, bytetrack.frame == 0, self._dirty, heads]
        return hashlib.sha256(json.dumps(state, sort_keys=True).encode()).hexdigest()[:16]

    def busy_before(self, index: int) -> bool:
        """A vehicle first seen before frame ``index`` is still tracked, or its event still pending."""
        lives = [*self._live.values(), *(p.live for p in self._pending)]
        return any(min(live.boxes, default=live.last_index) < index for live in lives)

    # -- resuming mid-flight (penalties.runs.runner checkpoints this every few seconds)

    @property
    def live_tracks(self) -> int:
        return len(self._live)

    @property
    def pending_events(self) -> int:
        return len(self._pending)

    def in_flight(self) -> dict[str, Any]:
        """What a run resumed after the last processed frame needs, without images: pending events
        keep the indices of their evidence frames, re-read from the footage while warming."""
        return {
            "tracker": self.tracker,
            "live": self._live,
            "pending": [
                (_Pending(p.live, p.finding, riders=p.riders), _refs(p.frames), _refs(p.clip))
                for p in self._pending
            ],
            "heads": self.heads,
            "gate": self.gate,
            "lost_frames": self._lost_frames,
            "dirty": self._dirty,
            "origin": self.origin,
            "alias": self._alias,
        }

    def needs_from(self) -> int | None:
        """The first frame a resumed run must re-read: the clip buffer's oldest, or an older frame of a
        pending event's evidence."""
        indices = [self._buffer.oldest.index] if self._buffer.oldest else []
        for p in self._pending:
            indices += [f.index for f in (p.frames or []) + (p.clip or [])]
        return min(indices) if indices else None

    def restore(self, state: dict[str, Any]) -> None:
        """Continue from ``in_flight()``; then ``warm`` the frames from ``needs_from()`` on."""
        self.tracker, self._live, self.gate = state["tracker"], state["live"], state["gate"]
        self._lost_frames, self._dirty, self.origin = state["lost_frames"], state["dirty"], state["origin"]
        self._alias = state.get("alias", {})
        self._awaiting = list(state["pending"])
        self._pending = [p for p, _, _ in self._awaiting]
        self._wanted = {r[0] for _, a, b in self._awaiting for r in (a or []) + (b or [])}
        if self.heads and state.get("heads"):
            self.heads = state["heads"]
            self.light = next(iter(self.heads.values()), None)
            self.context = self._rule_context()
        self._resumed = True

    def _refill(self) -> None:
        for pending, frames, clip in self._awaiting:
            if frames is None or clip is None or any(r[0] not in self._kept for r in frames + clip):
                continue  # not snapshotted yet (or a frame is missing): snapshot from the buffer
            pending.frames = [EvidenceFrame(i, t, self._kept[i], box) for i, t, box in frames]
            pending.clip = [EvidenceFrame(i, t, self._kept[i], box) for i, t, box in clip]
            if not pending.live.ended:
                self._spill(pending)
        self._awaiting, self._kept, self._wanted = [], {}, set()

    def _set_origin(self, frame: Frame) -> None:
        if self.origin is None:
            self.origin = frame.captured_at - timedelta(seconds=frame.index / self.config.camera.fps)

    def flush(self) -> list[ViolationEvent]:
        for live in self._live.values():
            self._end(live)
        self._live.clear()
        return self._ready(None, None, flushing=True)

    # -- per processed frame

    def _process(self, frame: Frame) -> None:
        self.frames_processed += 1
        for reader in self.heads.values():
            reader.update(frame.captured_at, frame.image)
        if self.feed_source:
            self.feed_source.update(frame.captured_at)
        vehicles, people = self.scene.detect_with_riders(frame.image)
        vehicles, placed = self._carried(vehicles, people)
        vehicles = self._continue_tracks(self.tracker.update(vehicles), frame)
        tracked: list[int] = []
        for i in range(len(vehicles)):
            tid = int(vehicles.tracker_id[i]) if vehicles.tracker_id is not None else -1
            if tid in self._live and self._live[tid].last_index == frame.index:
                continue  # an old id found again by the tracker while its successor is also tracked
            x1, y1, x2, y2 = (round(float(v)) for v in vehicles.xyxy[i])
            vehicle_class = VehicleClass(vehicles.name(i))
            live = self._live.get(tid)
            if live is None:
                live = self._live[tid] = _Live(
                    Track(tid, vehicle_class), frame.index, stride=self.options.stride
                )
            live.see(vehicle_class)
            box = (x1, y1, x2, y2)  # one tuple for both: a queue at a long red holds many
            live.track.points.append(TrackPoint(frame.captured_at, (x1 + x2) / 2, float(y2), box))
            live.boxes[frame.index] = box
            live.last_index = frame.index
            tracked.append(i)
            self._remember_rider(live, tid, vehicles, i, people, placed)
        unsettled = [i for i in tracked if self._live[_tid(vehicles, i)].wants_read(frame.index)]
        for i in unsettled:
            live = self._live[_tid(vehicles, i)]
            live.reads += 1
            live.last_read = frame.index
            x1, y1, x2, y2 = (int(v) for v in vehicles.xyxy[i])
            seen = body_colour(frame.image[y1:y2, x1:x2])
            if seen is not None and seen[1] >= 0.35:
                live.colours[seen[0]] += 1
        if unsettled:
            crops: list[np.ndarray] = []
            subset = vehicles[unsettled]
            plates = self.pipeline.plates_for(frame.image, subset, full_frame_fallback=False, crops_out=crops)
            for plate, crop in zip(plates, crops, strict=True):
                if plate.track_id is None or plate.read is None or plate.track_id not in self._live:
                    continue
                live = self._live[plate.track_id]
                live.votes.add(plate.read, crop)
                weight = plate.read.confidence * sharpness_weight(sharpness(crop))
                if live.best_crop is None or weight > live.best_crop[0]:
                    live.best_crop = (weight, crop.copy())
        self._look_at_riders(frame, vehicles, tracked)
        self._buffer.add(frame.index, frame.captured_at, frame.image)
        for live in self._live.values():
            if live.last_index == frame.index:
                self._judge(live, final=False)
        for tid in [t for t, lv in self._live.items() if frame.index - lv.last_index > self._lost_frames]:
            self._end(self._live.pop(tid))
        self._dirty = self._dirty or bool(self._live)
        if self.quiet:
            if self._dirty:
                self._reset_tracking()  # as a run resumed from here would: a fresh tracker
                self._dirty = False
            self.last_quiet = frame

    def _look_at_riders(self, frame: Frame, vehicles: Detections, tracked: list[int]) -> None:
        """One batched helmet-detector call on the crops of the motorbikes whose turn it is (the helmet
        step's per-frame budget); a settled track is not looked at again."""
        if self.helmets is None:
            return
        bikes, in_view = [], []
        for i in tracked:
            tid = _tid(vehicles, i)
            live = self._live[tid]
            if live.track.vehicle_class is not VehicleClass.motorbike:
                continue
            if live.helmets is None:
                live.helmets = TrackHelmets()
            box = live.boxes[frame.index]
            in_view.append((live.helmets, box))
            if box[3] - box[1] >= MIN_MOTORBIKE_PX:
                bikes.append((tid, (live.helmets, box, travel_of(live.track.points))))
        chosen = self.helmets.pick(self.frames_processed - 1, frame.image.shape, bikes)
        looked = {id(state) for state, _, _ in chosen}
        others = np.array([b for state, b in in_view if id(state) not in looked], np.float32).reshape(-1, 4)
        self.helmets.run(frame.image, frame.index, frame.captured_at, chosen, others)

    def _carried(self, vehicles: Detections, people: Detections) -> tuple[Detections, Placed]:
        """The vehicles plus a motorbike box placed from its rider for each motorbike track not found."""
        if not len(people) or VehicleClass.motorbike not in vehicles.class_names:
            return vehicles, {}
        missing = {
            tid: (live.carrier, live.boxes[live.last_index])
            for tid, live in self._live.items()
            if live.carrier is not None
        }
        motorbike = vehicles.class_names.index(VehicleClass.motorbike)
        return carried(vehicles, people, missing, motorbike, self.options.scene.confirm_conf)

    def _remember_rider(
        self,
        live: _Live,
        tid: int,
        vehicles: Detections,
        i: int,
        people: Detections,
        placed: Placed,
    ) -> None:
        """A motorbike seen surely takes its rider anew; one placed from its rider follows that rider; a
        weak box keeps what was known (a fading motorbike's last boxes are weak ones)."""
        by_rider = placed.get(box_key(vehicles.xyxy[i]))
        if by_rider is not None and by_rider[0] == tid and live.carrier is not None:
            live.carrier = live.carrier.moved_to(by_rider[1])
        elif (
            vehicles.name(i) == VehicleClass.motorbike
            and vehicles.confidence[i] >= self.options.scene.confirm_conf
        ):
            live.carrier = carrier_of(box_key(vehicles.xyxy[i]), people) or live.carrier

    def _continue_tracks(self, vehicles: Detections, frame: Frame) -> Detections:
        """Track ids rewritten so that a track the tracker restarted continues the one it lost."""
        if vehicles.tracker_id is None or not len(vehicles):
            return vehicles
        now = frame.captured_at.timestamp()
        ids = [int(t) for t in vehicles.tracker_id]
        present = {self._alias.get(t, t) for t in ids}
        fresh = [
            Newcomer(tid, now, ((b[0] + b[2]) / 2, b[3]), b)
            for tid, b in zip(ids, vehicles.xyxy.tolist(), strict=True)
            if tid not in self._live and tid not in self._alias
        ]
        if fresh:
            trails = [
                Trail(
                    tid,
                    [(p.t.timestamp(), p.x, p.y) for p in live.track.points[-8:]],
                    live.boxes[live.last_index],
                )
                for tid, live in self._live.items()
                if live.last_index < frame.index and tid not in present and live.track.points
            ]
            self._alias.update(reassociate(fresh, trails))
        vehicles.tracker_id = np.array([self._alias.get(t, t) for t in ids], np.int64)
        return vehicles

    def _judge(self, live: _Live, *, final: bool) -> None:
        if len(live.track.points) < 2:
            return
        for name, rule in RULES.items():
            if name in FINAL_RULES and not final:
                continue
            for finding in rule(live.track, self.context):
                if finding.code in live.emitted:
                    continue
                live.emitted.add(finding.code)
                self._pending.append(_Pending(live, finding))

    def _end(self, live: _Live) -> None:
        live.ended = True
        self._judge(live, final=True)
        if live.helmets is not None and not live.helmets.judged:
            tally = self.helmets.seen if self.helmets is not None else None
            for finding, riders in live.helmets.findings(live.track.track_id, tally):
                # each passenger's own offence is theirs: two unhelmeted passengers are two findings
                key = f"{finding.code}#{finding.measured.get('rider', '')}"
                if key not in live.emitted:
                    live.emitted.add(key)
                    self._pending.append(_Pending(live, finding, riders=riders))

    # -- events

    def _ready(self, now: datetime | None, index: int | None, *, flushing: bool) -> list[ViolationEvent]:
        out: list[ViolationEvent] = []
        still: list[_Pending] = []
        for pending in self._pending:
            tail_seen = now is not None and now >= pending.finding.at + timedelta(
                seconds=self.options.clip_after_s
            )
            if pending.frames is None and (tail_seen or flushing):
                pending.frames, pending.clip = self._snapshot(pending)
                if not (pending.live.ended or flushing):
                    self._spill(pending)
            if pending.frames is not None and (pending.live.ended or flushing):
                out.append(self._event(pending))
            else:
                still.append(pending)
        self._pending = still
        return sorted(out, key=lambda e: (e.at, e.code))

    def _snapshot(self, pending: _Pending) -> tuple[list[EvidenceFrame], list[EvidenceFrame]]:
        at, opts, boxes = pending.finding.at, self.options, pending.live.boxes
        frames = [
            EvidenceFrame(f.index, f.captured_at, f, boxes.get(f.index))
            for f in self._buffer.between(
                at - timedelta(seconds=opts.clip_before_s), at + timedelta(seconds=opts.clip_after_s)
            )
        ]
        with_vehicle = [f for f in frames if f.box is not None] or frames
        times = [f.captured_at for f in with_vehicle]
        at_i = min(bisect.bisect_left(times, at), len(with_vehicle) - 1)
        before_i = max(0, bisect.bisect_left(times, at - timedelta(seconds=opts.before_s)))
        before_i = min(before_i, max(0, at_i - 1))
        key = [with_vehicle[before_i], with_vehicle[at_i]] if with_vehicle else []
        return key, frames

    def _spill(self, pending: _Pending) -> None:
        """The clip's frames, about to wait for the track to end, moved out of memory."""
        if not self.options.spill_clips or pending.frames is None or pending.clip is None:
            return
        kept = [f.stored for f in pending.clip if isinstance(f.stored, Kept)]
        moved = spill(kept, self.options.spill_dir or staging_dir())

        def swap(f: EvidenceFrame) -> EvidenceFrame:
            return EvidenceFrame(f.index, f.captured_at, moved.get(f.index, f.stored), f.box)

        pending.frames = [swap(f) for f in pending.frames]
        pending.clip = [swap(f) for f in pending.clip]

    def _event(self, pending: _Pending) -> ViolationEvent:
        live = pending.live
        state, since = (None, None)
        judged_by = self.context.heads.get(str(pending.finding.measured.get("signal_head")))
        timeline = judged_by or self.context.signal
        if timeline is not None:
            state, since = timeline.state_at(pending.finding.at)
        signal = (
            None
            if state is None
            else {
                "state": str(state),
                "since": since.isoformat() if since else None,
                "source": self.signal_source,
            }
        )
        return ViolationEvent(
            self.camera_id,
            pending.finding,
            live.track.vehicle_class,
            live.verdict(),
            live.best_crop[1] if live.best_crop else None,
            pending.frames or [],
            pending.clip or [],
            signal,
            self.pipeline.provenance,
            live.colour(),
            live.track.track_id,
            None if self.origin is None else (pending.finding.at - self.origin).total_seconds(),
            pending.riders,
        )


_Ref = tuple[int, datetime, Box | None]


def _refs(frames: list[EvidenceFrame] | None) -> list[_Ref] | None:
    return None if frames is None else [(f.index, f.captured_at, f.box) for f in frames]


def _tid(vehicles: Any, i: int) -> int:
    return int(vehicles.tracker_id[i]) if vehicles.tracker_id is not None else -1
