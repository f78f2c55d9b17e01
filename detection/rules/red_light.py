"""Red light: the vehicle crosses the stop line while the light that controls its movement is red.

With a ``junction_entry`` line (the far edge of the pedestrian crossing) the vehicle must also enter
the junction: one that overruns the stop line and stops on the crossing is not caught; one that
crossed the stop line on red is caught at that crossing once it enters the junction (however long it
waited on the crossing); one that was already over the line (stopped on the crossing) is caught when
it enters the junction on red.

A crossing counts once the vehicle has gone clearly past the line: its anchor (the box's bottom
centre) a box height beyond it, or CLEAR_M on the road where the camera is calibrated, reached by
moves the vehicle could make, without coming back, and with the box's top edge moving on too. A
vehicle standing at the line is not running it, whatever its anchor does: the bottom edge jitters,
and a vehicle queuing behind hides the lower part of the box, lifting the anchor over the line (by up
to half a box height) while the vehicle, and the top of its box, stand still.
The moment judged is the (last) crossing itself, unless the vehicle came to rest between the crossing
and clearly past (WAIT_S with less than REST_BOX box heights of progress): then it waited at the
line, and the moment judged is when it set off from there (a queued vehicle whose anchor slipped over
the line on red and that left on green did not run the red; a rider creeping on over the line on red
did).

A crossing on a step over a gap in the track (lost, then re-linked) is judged only if the vehicle could
have moved that far: a queued rider "reappearing" deep in the junction is an identity switch.

With one signal (a controller feed, or one head controlling every movement) the movement does not
matter. When heads differ (a green right arrow beside a red straight head), the movement is judged
from the track's path after the line, against the lane's direction of travel: until the vehicle has
gone far enough past the line to tell, nothing is decided (the rule runs again on later frames), and
a track that ends before that is given the benefit of the doubt.
"""

from __future__ import annotations

import itertools
import math
from datetime import datetime, timedelta
from itertools import takewhile

import cv2
import numpy as np

from detection.camera_config import LaneConfig, LineConfig, LineKind, Movement
from detection.rules.base import Finding, Light, RuleContext, SignalTimeline, Track, crossing, inside

GRACE_S = 0.0  # a vehicle already over the line when the light turns red is not in violation
TURN_MIN_PX = 40.0  # path past the line needed to tell straight from a turn
TURN_ANGLE_DEG = 35.0  # heading change from the lane's direction that makes a turn
APPROACH_POINTS = 5  # without a lane: the approach direction from this many points before the line
# Stop line to junction in one go (judged at the stop line); a longer stop on the crossing between
# them makes the junction entry the moment judged. A track first seen over the line must have been
# there this long (a vehicle waiting on the crossing, not a tracker's fragment of a moving one).
ONE_GO_S = 3.0
APPROACH_ANGLE_DEG = 45.0  # such a track must have gone into the junction within this of the approach
# A crossing on a step over a gap (the tracker lost the vehicle and a re-linked track continues it)
# counts only if the vehicle could have got there: from its speed before the gap, or starting from
# rest with a brisk acceleration. A rider waiting in a queue does not reappear 200 px into the
# junction 1 s later; such a jump is an identity switch onto cross traffic.
GAP_S = 0.7
START_ACCEL_BOX_S2 = 1.5  # box heights per s² (≈ 2.5 m/s² for a rider's ≈ 1.6 m box)
# A longer step over a gap must also join the motion on both sides of it (constant acceleration,
# within CONTINUITY_BOX box heights), judged from the track's velocity over AFTER_S after the gap.
AFTER_S, CONTINUITY_BOX = 0.3, 1.0
# Between ordinary frames a step is questioned only past this many box heights beyond the vehicle's
# speed: the track jumping to another vehicle (from the queue onto cross traffic), not a fast one.
JUMP_BOX = 3.0
# Clearly past the line: by a box height (more than the box's jitter, or a vehicle behind hiding its
# lower part, can move the anchor), or by CLEAR_M on the road (a pedestrian crossing's width) where the
# camera is calibrated.
CLEAR_BOX, CLEAR_M = 1.0, 3.0
BOX_WINDOW_S = 1.0  # the box height: the median over this long before the crossing (before occlusion)
# At rest: less progress than REST_BOX box heights over WAIT_S. The whole vehicle moved: its box's top
# edge went on by STILL_BOX box heights.
WAIT_S, REST_BOX, STILL_BOX = 2.0, 0.15, 0.25


def evaluate(track: Track, ctx: RuleContext) -> list[Finding]:
    if (ctx.signal is None and not ctx.heads) or len(track.points) < 2:
        return []
    path = track.xy()
    to_road = ctx.homography()
    entries = [ln for ln in ctx.config.lines if ln.kind is LineKind.junction_entry]
    for line in (ln for ln in ctx.config.lines if ln.kind is LineKind.stop_line):
        stop = _crossed(track, path, line, to_road)
        if not entries:
            if stop is None:
                continue
            return _judge(track, ctx, path, line, stop)
        found_entry = next(
            ((e, hit) for e in entries if (hit := _entered(track, path, e, line, to_road)) is not None), None
        )
        if found_entry is None:
            continue  # not (yet) in the junction
        entry_line, entry = found_entry
        if stop is not None and (found := _judge(track, ctx, path, line, stop)):
            return found  # over the line on red, and into the junction (however long it waited)
        if stop is not None and (entry[2] - stop[2]).total_seconds() <= ONE_GO_S:
            return []  # over the line on amber and on in one go: legal
        if stop is None and (entry[2] - track.points[0].t).total_seconds() <= ONE_GO_S:
            return []  # a track that began just before the junction: a fragment of a moving one
        if stop is None and not _from_the_approach(path, entry[0], line, entry_line):
            return []  # came onto the crossing from the side (another approach), or a switched track
        return _judge(track, ctx, path, line, entry)
    return []


# (step i → i+1 that crossed, fraction along it, the moment judged: the crossing, or the set-off of a
# vehicle that waited past the line)
Hit = tuple[int, float, datetime]


def _crossed(track: Track, path: np.ndarray, line: LineConfig, to_road: np.ndarray | None) -> Hit | None:
    hit = _clear_crossing(track, path, line, to_road)
    if hit is None:
        return None
    i, frac, set_off = hit
    if set_off is not None:
        return i, frac, track.points[set_off].t
    a, b = track.points[i].t, track.points[i + 1].t
    return i, frac, a + timedelta(seconds=(b - a).total_seconds() * frac)


def _clear_crossing(
    track: Track, path: np.ndarray, line: LineConfig, to_road: np.ndarray | None
) -> tuple[int, float, int | None] | None:
    """The crossing of ``line`` that the vehicle followed by going clearly past it without coming back
    or jumping: (step i, fraction, the point it set off from if it waited past the line, else None).
    Kept on the track: a call scans the points added since the last one."""
    key = ("clear crossing", tuple(tuple(map(float, p)) for p in line.points))
    # next point to look at; the open crossing (i, frac, side it came from, box height); the hit
    state = track.derived(key, lambda: [1, None, None])
    if state[2] is not None:
        return state[2]
    points = np.array(line.points, float)
    road = None if to_road is None else cv2.perspectiveTransform(points[None], to_road)[0]
    k = int(state[0])
    while k < len(path) and state[2] is None:
        open_ = state[1]
        if open_ is not None:
            i, frac, came_from, height = open_
            side = _signed(points, path[k])
            reachable = side * came_from <= 0 and _reachable(track, path, k - 1)
            if reachable is None:
                break  # a step over a gap that the points after it have yet to vouch for: wait for them
            if not reachable:
                state[1] = open_ = None  # back before the line (jitter), or a jump: not a crossing
            elif _clear(-side * came_from, height, path[k], road, to_road) and _top_moved(
                track, points, i, k, came_from, height
            ):
                state[2] = (i, frac, _set_off(track, path, points, i, k, came_from, height))
                break
        if open_ is None:
            step = crossing(path[k - 1 : k + 1], line.points)
            came_from = np.sign(_signed(points, path[k - 1])) or -np.sign(_signed(points, path[k]))
            reachable = step is not None and bool(came_from) and _reachable(track, path, k - 1)
            if reachable is None:
                break
            if step is not None and reachable:
                state[1] = (k - 1, step[1], float(came_from), _box_height(track, k - 1))
                continue  # look at point k again: it may already be clear of the line
        k += 1
    state[0] = k
    return state[2]


def _clear(
    past_px: float, height: float, p: np.ndarray, road: np.ndarray | None, to_road: np.ndarray | None
) -> bool:
    """Past the line by a box height, or by CLEAR_M on the road where the calibration tells metres
    (for a low camera a box height is many metres)."""
    if past_px >= CLEAR_BOX * height:
        return True
    if road is None or to_road is None:
        return False
    on_road = cv2.perspectiveTransform(np.array([[p]], float), to_road)[0, 0]
    return abs(_signed(road, on_road)) >= CLEAR_M


def _top_moved(track: Track, line: np.ndarray, i: int, k: int, came_from: float, height: float) -> bool:
    """Whether the box's top edge went past the line's way too (STILL_BOX box heights from point i to
    k): the vehicle moved, not only the bottom edge of its box (a vehicle queuing behind hides it)."""
    a, b = track.points[i].box, track.points[k].box
    if a is None or b is None:
        return True
    top_a, top_b = np.array([(a[0] + a[2]) / 2, a[1]]), np.array([(b[0] + b[2]) / 2, b[1]])
    return (_signed(line, top_a) - _signed(line, top_b)) * came_from >= STILL_BOX * height


def _set_off(
    track: Track, path: np.ndarray, line: np.ndarray, i: int, k: int, came_from: float, height: float
) -> int | None:
    """The last point of points i+1..k where the vehicle had been at rest past the line for WAIT_S
    (net progress under REST_BOX box heights; a running median of 5 points damps the box's jitter),
    or None if it kept moving from the crossing on."""
    if not height:
        return None
    t = [(p.t - track.points[i + 1].t).total_seconds() for p in track.points[i + 1 : k + 1]]
    raw = [-_signed(line, path[m]) * came_from for m in range(i + 1, k + 1)]
    past = [float(np.median(raw[max(0, m - 2) : m + 3])) for m in range(len(raw))]
    rest, j = None, 0
    for m in range(len(past)):
        while j + 1 < m and t[m] - t[j + 1] >= WAIT_S:
            j += 1  # the latest point at least WAIT_S before m
        if t[m] - t[j] >= WAIT_S and past[m] - past[j] < REST_BOX * height:
            rest = m
    return None if rest is None else i + 1 + rest


def _signed(line: np.ndarray, p: np.ndarray) -> float:
    """Signed distance (px) from the nearest segment of the polyline; the sign says which side."""
    best, signed = math.inf, 0.0
    for a, b in itertools.pairwise(line):
        ab, ap = b - a, p - a
        length2 = float(ab @ ab)
        t = min(1.0, max(0.0, float(ap @ ab) / length2)) if length2 else 0.0
        dist = float(np.hypot(*(ap - t * ab)))
        if dist < best:
            cross = float(ab[0] * ap[1] - ab[1] * ap[0])
            best, signed = dist, math.copysign(dist, cross) if cross else 0.0
    return signed


def _box_height(track: Track, i: int) -> float:
    """The vehicle's box height before point i: the median over BOX_WINDOW_S (0 when no box is known:
    then any point past the line is clear of it)."""
    at = track.points[i].t
    heights = [
        p.box[3] - p.box[1]
        for p in takewhile(
            lambda p: (at - p.t).total_seconds() <= BOX_WINDOW_S, reversed(track.points[: i + 1])
        )
        if p.box is not None
    ]
    return float(np.median(heights)) if heights else 0.0


def _reachable(track: Track, path: np.ndarray, i: int) -> bool | None:
    """Whether the step i → i+1 is a move the vehicle could make (see GAP_S and AFTER_S); None while a
    long step over a gap waits for the points after it."""
    points = track.points
    gap = (points[i + 1].t - points[i].t).total_seconds()
    box = points[i].box
    if box is None:
        return True
    size = float(box[3] - box[1])
    slack = size if gap > GAP_S else JUMP_BOX * size
    step = float(np.hypot(*(path[i + 1] - path[i])))
    if step <= slack:
        return True
    recent = list(
        takewhile(lambda k: (points[i].t - points[k].t).total_seconds() <= 1.0, range(i - 1, -1, -1))
    )
    steps = [  # the median step: one switch before the gap does not make the vehicle fast
        float(np.hypot(*(path[k + 1] - path[k]))) / max((points[k + 1].t - points[k].t).total_seconds(), 1e-3)
        for k in recent
    ]
    speed = float(np.median(steps)) if steps else 0.0
    if recent:  # nor does a switch there and back: the net move over the second before
        k = recent[-1] - 1 if recent[-1] > 0 else recent[-1]
        net = float(np.hypot(*(path[i] - path[k]))) / max((points[i].t - points[k].t).total_seconds(), 1e-3)
        speed = min(speed, net)
    if step > slack + speed * gap + 0.5 * START_ACCEL_BOX_S2 * size * gap**2:
        return False
    return True if gap <= GAP_S else _continuous(track, path, i, recent, size)


def _continuous(track: Track, path: np.ndarray, i: int, recent: list[int], size: float) -> bool | None:
    """Whether a long step i → i+1 over a gap joins the motion on both sides of it: moving with about
    constant acceleration, the vehicle covers the mean of its velocities before and after the gap
    times the gap (within a box height). A queued rider re-linked onto cross traffic 'moves' ahead over
    the gap and then across; None until the track has gone on AFTER_S past the gap."""
    points = track.points
    t1 = points[i + 1].t
    after = next(
        (k for k in range(i + 2, len(points)) if (points[k].t - t1).total_seconds() >= AFTER_S), None
    )
    if after is None:
        return None
    v_after = (path[after] - path[i + 1]) / (points[after].t - t1).total_seconds()
    v_before = np.zeros(2)
    if recent:  # the net velocity over the second before the gap (from rest when none)
        first = recent[-1]
        v_before = (path[i] - path[first]) / max((points[i].t - points[first].t).total_seconds(), 1e-3)
    gap = (t1 - points[i].t).total_seconds()
    expected = (v_before + v_after) / 2 * gap
    return float(np.hypot(*(path[i + 1] - path[i] - expected))) <= CONTINUITY_BOX * size


def _entered(
    track: Track, path: np.ndarray, entry: LineConfig, stop: LineConfig, to_road: np.ndarray | None
) -> Hit | None:
    """Crossing the junction-entry line away from the stop line (not oncoming traffic leaving)."""
    hit = _crossed(track, path, entry, to_road)
    if hit is None:
        return None
    (ax, ay), (bx, by) = entry.points[0], entry.points[-1]
    sx, sy = np.mean(np.array(stop.points, float), axis=0)

    def side(x: float, y: float) -> float:
        return (bx - ax) * (y - ay) - (by - ay) * (x - ax)

    before = path[hit[0]]
    return hit if side(*before) * side(sx, sy) > 0 else None


def _from_the_approach(path: np.ndarray, i: int, stop: LineConfig, entry: LineConfig) -> bool:
    """Whether a track first seen over the stop line went from there into the junction along the
    approach (stop line → junction entry line), as a vehicle waiting on the crossing does, rather than
    across it."""
    ahead = np.mean(np.array(entry.points, float), axis=0) - np.mean(np.array(stop.points, float), axis=0)
    went = path[i + 1] - path[0]
    norm = float(np.hypot(*ahead) * np.hypot(*went))
    return norm > 0 and float(ahead @ went) / norm >= math.cos(math.radians(APPROACH_ANGLE_DEG))


def _judge(track: Track, ctx: RuleContext, path: np.ndarray, line: LineConfig, hit: Hit) -> list[Finding]:
    i, frac, at = hit
    # the lane on either side of the step: a lane that ends at the stop line holds only the approach
    # side, and a step from past the line back into it (a switch onto a vehicle queued behind, or
    # oncoming traffic) is against its direction
    lane = next(
        (ln for p in (path[i], path[i + 1]) for ln in ctx.config.lanes if inside(ln.polygon, *p)), None
    )
    if lane is not None and float((path[i + 1] - path[i]) @ np.array(lane.direction, float)) <= 0:
        return []  # across the line against the lane's direction: leaving, or a switched track
    signals = controlling(ctx, lane)
    red = {m: (head, into) for m, (head, timeline) in signals.items() if (into := _into_red(timeline, at))}
    if not red:
        return []
    movement = turn(path, i, frac, lane)
    if len(red) < len(signals) and (movement is None or movement not in red):
        return []  # some movement is allowed: it depends on where the vehicle goes
    head, into_red = red[movement] if movement in red else next(iter(red.values()))
    measured: dict[str, object] = {"time_into_red_s": round(into_red, 2), "stop_line": line.name}
    if len(ctx.heads) > 1:
        measured |= {"signal_head": head, "movement": None if movement is None else str(movement)}
    return [Finding("RED_LIGHT", track.track_id, at, measured)]


def _into_red(timeline: SignalTimeline, at: datetime) -> float | None:
    state, since = timeline.state_at(at)
    if state is not Light.red or since is None:
        return None
    into = (at - since).total_seconds()
    return into if into > GRACE_S else None


def controlling(ctx: RuleContext, lane: LaneConfig | None) -> dict[Movement, tuple[str, SignalTimeline]]:
    """For each movement, the signal (head name, timeline) that controls it in this lane: the head
    that says it controls the movement, else the one controlling straight on; a feed controls all."""
    if not ctx.heads:
        return dict.fromkeys(Movement, ("feed", ctx.signal)) if ctx.signal is not None else {}
    light = ctx.config.traffic_light
    heads = [
        h
        for h in (light.signal_heads() if light else [])
        if h.name in ctx.heads and (not h.lanes or lane is None or lane.name in h.lanes)
    ]
    out: dict[Movement, tuple[str, SignalTimeline]] = {}
    for movement in Movement:
        head = next((h for h in heads if movement in h.controls), None) or next(
            (h for h in heads if Movement.straight in h.controls), None
        )
        if head is not None:
            out[movement] = (head.name, ctx.heads[head.name])
    return out


def turn(path: np.ndarray, i: int, frac: float, lane: LaneConfig | None) -> Movement | None:
    """Straight, left or right from the path after the stop line (image y points down), or None
    while the vehicle has not gone TURN_MIN_PX past the line."""
    at = path[i] + frac * (path[i + 1] - path[i])
    travel = path[-1] - at
    if float(np.hypot(*travel)) < TURN_MIN_PX:
        return None
    if lane is not None:
        reference = np.array(lane.direction, float)
    else:
        reference = at - path[max(0, i + 1 - APPROACH_POINTS)]
        if not np.hypot(*reference):
            return Movement.straight
    cross = reference[0] * travel[1] - reference[1] * travel[0]
    angle = math.degrees(math.atan2(cross, float(reference @ travel)))
    if abs(angle) < TURN_ANGLE_DEG:
        return Movement.straight
    return Movement.right if angle > 0 else Movement.left
