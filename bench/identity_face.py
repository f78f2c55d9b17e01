"""Identity engine, slice 2: face match FAR/FRR on package-shipped photos, and the check-in time.

    .venv/bin/python bench/identity_face.py [--pairs N] [--seed S] [--out bench/results/identity_face.json]

Labelled pairs, built offline from identity.fixtures.faces (4 people: two large faces, two ~45 px faces
from a street photo; nothing downloaded): the "chip photo" is each person's photo scaled to 240 px and
saved as a card-quality JPEG; a "live" photo is a random augmentation of the same photo (rotation ±12°,
perspective, gain/bias/gradient light, blur σ ≤ 2, crop, JPEG 40-95). Genuine pair: a live photo of A
against A's chip photo; impostor pair: a live photo of A against B's chip photo (every ordered A ≠ B).
Distances are measured without the live-frame quality gates (the small faces would fail the size
gate); a pair whose live photo holds no detectable face counts as a false reject at every threshold.
Limitation: 4 distinct people only, so the FAR rests on 6 identity pairs; augmentations of one photo
are easier than a genuine second photo taken years apart.

Check-in decision: passive authentication of a fixture chip whose DG2 is Grace Hopper's photo, then
one face match of a 640×480 live frame against it (gates, detection, two embeddings). Target ≤ 300 ms;
p50/p95 of the wall time and of the process's CPU time are printed and written to the JSON. Also timed:
the same with the chip photo's embedding made when the card is read, so that only the live frame's
detection and embedding remain once the frame arrives; and the whole exam check-in
(exams.checkin.evaluate: chip + 3 frames with the head-turn liveness challenge).

Measured 2026-11-30 at load 1.7 (--pairs 10 --runs 20): wall p50 188 ms, p95 201 ms, CPU p50 187 ms.
Earlier the same day on this 2-CPU machine (AMD EPYC, shared): CPU time of the decision p50 195 ms,
p95 201 ms, but wall time p50 606 ms, p95 858 ms at a load average of 9.4 (others' jobs), so the
target holds on a CPU of our own only. Nearly all of it is the two dlib ResNet embeddings (~85 ms
each: the dlib wheel is built without BLAS and holds the GIL while it runs); passive authentication
takes 2 ms of CPU. The whole check-in with liveness: CPU time p50 403 ms (510 ms before the first
frame was measured once for both the match and the liveness challenge).
"""

from __future__ import annotations

import argparse
import json
import math
import os
import random
import statistics
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

SWEEP = (0.35, 0.4, 0.45, 0.5, 0.55, 0.6, 0.65, 0.7, 0.75)


def labelled_pairs(n: int, seed: int) -> dict[str, Any]:
    """Every (live person, chip person, distance or None when no face was found in the live photo)."""
    import numpy as np

    from identity.face.backend import load_backend
    from identity.face.match import decode_image, reference_embedding
    from identity.fixtures import faces as F

    backend = load_backend("dlib")
    people = F.available()
    refs = {p.key: reference_embedding(backend, decode_image(F.chip_photo(F.portrait(p)))) for p in people}
    pairs: list[tuple[str, str, float | None]] = []
    for p in people:
        rng = random.Random(f"{seed}-{p.key}")
        for _ in range(n):
            live, _cond = F.augment(F.portrait(p), rng)
            found = backend.detect(live)
            emb: np.ndarray | None = None
            if found:
                face = max(found, key=lambda f: (f.box[2] - f.box[0]) * (f.box[3] - f.box[1]))
                emb = backend.embed(live, face)
            for key, ref in refs.items():
                pairs.append((p.key, key, None if emb is None else backend.distance(emb, ref)))
    return {"people": [p.key for p in people], "large": [p.key for p in people if p.large], "pairs": pairs}


def split(pairs: list[tuple[str, str, float | None]], live_people: set[str]) -> tuple[list[Any], list[Any]]:
    genuine = [d for a, b, d in pairs if a == b and a in live_people]
    impostor = [d for a, b, d in pairs if a != b and a in live_people]
    return genuine, impostor


def rates(genuine: list[float | None], impostor: list[float | None], t: float) -> dict[str, float]:
    frr = sum(1 for d in genuine if d is None or d > t) / len(genuine)
    far = sum(1 for d in impostor if d is not None and d <= t) / len(impostor)
    return {"threshold": t, "far": far, "frr": frr}


def percentile(values: list[float], q: float) -> float:
    """The nearest-rank percentile (q in 0..100) of ``values``."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(q / 100 * len(ordered)) - 1)]


def summary(values: list[float]) -> dict[str, float]:
    return {"p50_ms": percentile(values, 50), "p95_ms": percentile(values, 95), "max_ms": max(values)}


def bench_checkin(runs: int) -> dict[str, Any]:
    from exams.checkin import CardInput, evaluate
    from exams.models import Verdict
    from identity.chip.reader import read_chip
    from identity.face.backend import load_backend
    from identity.face.match import match_face, prepare_reference
    from identity.face.policy import FacePolicy
    from identity.fixtures import faces as F
    from identity.fixtures.chip import ChipPKI
    from identity.fixtures.citizens import make_citizens

    backend = load_backend("dlib")
    pki = ChipPKI.create()
    photo = F.portrait("hopper")
    citizen = make_citizens(1, seed=7)[0]
    chip = pki.chip(citizen, face=F.chip_photo(photo))
    live = F.on_canvas(F.augment(F.scale(photo, 0.75), random.Random(1))[0])
    # The liveness sequence: frontal, then the head turned to each side (identity.fixtures.faces.turned).
    frontal = F.on_canvas(F.scale(photo, 0.75))
    face = backend.detect(frontal)[0]
    frames = (frontal, *(F.turned(frontal, face.nose, s, face.eye_distance * 0.6) for s in (-40, 40)))
    card = CardInput(citizen.id12, chip, None, None, None, frames)
    policy = FacePolicy()
    totals, auths, matches, prepared, frame_only, full, distances = [], [], [], [], [], [], []
    cpu: list[float] = []
    full_cpu: list[float] = []
    for i in range(runs + 1):
        c0, t0 = time.process_time(), time.perf_counter()
        read = read_chip(chip, pki.trust)
        t1 = time.perf_counter()
        assert read.face_image is not None
        result = match_face(backend, live, read.face_image)
        t2, c2 = time.perf_counter(), time.process_time()
        # The same decision with the chip photo embedded as soon as the card is read (before the frame).
        reference = prepare_reference(backend, read.face_image)
        t3 = time.perf_counter()
        match_face(backend, live, reference)
        t4, c4 = time.perf_counter(), time.process_time()
        outcome = evaluate(card, backend, policy, pki.trust)  # the exam check-in: + liveness frames
        t5, c5 = time.perf_counter(), time.process_time()
        assert outcome.verdict is Verdict.admitted, outcome.reason_code
        if i == 0:
            continue  # warm-up (model loading)
        auths.append((t1 - t0) * 1000)
        matches.append((t2 - t1) * 1000)
        totals.append((t2 - t0) * 1000)
        cpu.append((c2 - c0) * 1000)
        prepared.append((t3 - t2) * 1000)
        frame_only.append((t4 - t3) * 1000)
        full.append((t5 - t4) * 1000)
        full_cpu.append((c5 - c4) * 1000)
        distances.append(result.distance)
    decision = summary(totals)
    return {
        "runs": runs,
        **decision,
        "cpu": summary(cpu),  # CPU time of the process: what the wait for a shared CPU does not inflate
        "median_ms": statistics.median(totals),
        "p90_ms": percentile(totals, 90),
        "passive_auth_median_ms": statistics.median(auths),
        "face_match_median_ms": statistics.median(matches),
        "chip_photo_embedding_median_ms": statistics.median(prepared),
        "after_frame_median_ms": statistics.median(frame_only),
        "with_liveness": {"frames": len(frames), **summary(full), "cpu": summary(full_cpu)},
        "distance": distances[0],
        "target_ms": 300,
        "met": decision["p95_ms"] <= 300,
    }


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--pairs", type=int, default=40, help="live photos per person")
    ap.add_argument("--runs", type=int, default=20, help="timed check-in decisions")
    ap.add_argument("--seed", type=int, default=2026)
    ap.add_argument("--out", type=Path, default=Path("bench/results/identity_face.json"))
    args = ap.parse_args()

    from identity.face.policy import FacePolicy

    chosen = FacePolicy().max_distance
    d = labelled_pairs(args.pairs, args.seed)
    print(f"people: {', '.join(d['people'])} (large faces: {', '.join(d['large'])})")
    report: dict[str, Any] = {}
    for label, live_people in (("all", set(d["people"])), ("large_live_faces", set(d["large"]))):
        genuine, impostor = split(d["pairs"], live_people)
        found = [x for x in genuine if x is not None]
        imp = [x for x in impostor if x is not None]
        at = rates(genuine, impostor, chosen)
        sweep = [rates(genuine, impostor, t) for t in SWEEP]
        print(
            f"[{label}] genuine pairs {len(genuine)} (no face found in {len(genuine) - len(found)}), "
            f"impostor pairs {len(impostor)}"
        )
        print(
            f"  genuine distance: median {statistics.median(found):.3f}, max {max(found):.3f}; "
            f"impostor distance: median {statistics.median(imp):.3f}, min {min(imp):.3f}"
        )
        print(f"  at the policy threshold {chosen}: FAR {at['far']:.2%}, FRR {at['frr']:.2%}")
        for r in sweep:
            print(f"    t={r['threshold']:.2f}: FAR {r['far']:.2%}  FRR {r['frr']:.2%}")
        report[label] = {
            "genuine_pairs": len(genuine),
            "impostor_pairs": len(impostor),
            "no_face_found": len(genuine) - len(found),
            "genuine_median": statistics.median(found),
            "genuine_max": max(found),
            "impostor_median": statistics.median(imp),
            "impostor_min": min(imp),
            "at_threshold": at,
            "sweep": sweep,
        }
    for key in d["people"]:
        ds = [x for a, b, x in d["pairs"] if a == b == key]
        ok = [x for x in ds if x is not None]
        print(
            f"  {key:13s} genuine median {statistics.median(ok) if ok else float('nan'):.3f} "
            f"max {max(ok) if ok else float('nan'):.3f}, no face found {len(ds) - len(ok)}/{len(ds)}"
        )
    checkin = bench_checkin(args.runs)
    print(
        f"check-in decision (passive auth + one face match): p50 {checkin['p50_ms']:.0f} ms, "
        f"p95 {checkin['p95_ms']:.0f} ms (passive auth {checkin['passive_auth_median_ms']:.0f} ms, "
        f"face match {checkin['face_match_median_ms']:.0f} ms); target ≤ 300 ms: "
        f"{'met' if checkin['met'] else 'NOT met'} at p95"
    )
    print(
        f"  CPU time of the decision (not inflated by waiting for a shared CPU): "
        f"p50 {checkin['cpu']['p50_ms']:.0f} ms, p95 {checkin['cpu']['p95_ms']:.0f} ms"
    )
    full = checkin["with_liveness"]
    print(
        f"  the exam check-in with the liveness challenge ({full['frames']} frames, exams.checkin.evaluate): "
        f"p50 {full['p50_ms']:.0f} ms, p95 {full['p95_ms']:.0f} ms "
        f"(CPU time p50 {full['cpu']['p50_ms']:.0f} ms)"
    )
    early = checkin["chip_photo_embedding_median_ms"]
    print(
        f"  with the chip photo embedded at card-read time ({early:.0f} ms then): "
        f"{checkin['after_frame_median_ms']:.0f} ms from the live frame to the decision"
    )
    print(f"  (load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs: other processes share them)")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    result = {
        "people": d["people"],
        "large_faces": d["large"],
        "pairs_per_person": args.pairs,
        "threshold": chosen,
        **report,
        "pairs": [{"live": a, "chip": b, "distance": x} for a, b, x in d["pairs"]],
        "checkin": checkin,
        "load_average": os.getloadavg(),
        "cpus": os.cpu_count(),
    }
    args.out.write_text(json.dumps(result, indent=1))
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
