"""Identity engine, slice 1: MRZ reads from generated card photos and passive authentication.

    .venv/bin/python bench/identity.py [--photos N] [--chips N] [--seed S] [--out bench/results/identity.json]

MRZ: N synthetic citizens, each card back rendered and photographed under random conditions (tilt up
to ±10°, perspective, blur σ up to 1.6, a light gradient, brightness, noise, JPEG 60-95); a read is
exact when all three lines equal the printed ones (every check digit then holds too). Target ≥ 99 %.
Passive authentication: N genuine chips (RSA-PSS and ECDSA signers) must be accepted and every one
of seven forgeries per chip (each data group altered, signature corrupted, SOD hash table rewritten,
foreign CSCA, expired DSC) rejected with its own code. Target 100 % / 100 %.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def bench_mrz(n: int, seed: int) -> dict[str, Any]:
    from identity.errors import MRZError
    from identity.fixtures.cards import PhotoConditions, mrz_lines, photograph, render_back
    from identity.fixtures.citizens import make_citizens
    from identity.mrz_ocr import MRZReader

    reader = MRZReader()
    exact, errors, wrong, times = 0, dict[str, int](), list[dict[str, Any]](), list[float]()
    for i, c in enumerate(make_citizens(n, seed=seed)):
        cond = PhotoConditions.random(random.Random(seed * 100_003 + i))
        photo = photograph(render_back(c, seed=i), cond, seed=seed + i)
        start = time.perf_counter()
        try:
            read = reader.read(photo)
        except MRZError as exc:
            errors[exc.code] = errors.get(exc.code, 0) + 1
            wrong.append({"i": i, "error": exc.code, "conditions": cond.__dict__})
        else:
            if list(read.lines) == mrz_lines(c):
                exact += 1
            else:
                wrong.append({"i": i, "read": read.lines, "truth": mrz_lines(c), "conditions": cond.__dict__})
        times.append((time.perf_counter() - start) * 1000)
        if (i + 1) % 20 == 0:
            print(f"  {i + 1}/{n} photos: {exact} exact", flush=True)
    return {
        "photos": n,
        "exact": exact,
        "exact_rate": exact / n if n else 0.0,
        "refused_by_code": errors,
        "misreads_accepted": sum(1 for w in wrong if "read" in w),
        "median_ms": statistics.median(times) if times else None,
        "failures": wrong,
    }


def bench_passive_auth(n: int, seed: int) -> dict[str, Any]:
    from identity.chip.reader import read_chip
    from identity.errors import IdentityError
    from identity.fixtures.chip import EXPECTED_CODE, TAMPERINGS, ChipPKI, tampered
    from identity.fixtures.citizens import make_citizens

    pkis = [ChipPKI.create(kind="rsa"), ChipPKI.create(kind="ec")]
    genuine_ok, rejected, wrong_code, accepted_forgeries = 0, 0, [], []
    for i, c in enumerate(make_citizens(n, seed=seed + 1)):
        pki = pkis[i % 2]
        chip = pki.chip(c, seed=i)
        try:
            read_chip(chip, pki.trust)
            genuine_ok += 1
        except IdentityError as exc:
            print(f"  genuine chip {i} refused: {exc}")
        for kind in TAMPERINGS:
            try:
                read_chip(tampered(chip, pki, kind, c), pki.trust)
                accepted_forgeries.append({"i": i, "kind": kind})
            except IdentityError as exc:
                rejected += 1
                if exc.code != EXPECTED_CODE[kind]:
                    wrong_code.append({"i": i, "kind": kind, "code": exc.code})
    forged = n * len(TAMPERINGS)
    return {
        "genuine": n,
        "genuine_accepted": genuine_ok,
        "genuine_rate": genuine_ok / n if n else 0.0,
        "tampered": forged,
        "tampered_rejected": rejected,
        "tampered_rate": rejected / forged if forged else 0.0,
        "rejected_with_another_code": wrong_code,
        "accepted_forgeries": accepted_forgeries,
        "kinds": list(TAMPERINGS),
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--photos", type=int, default=100)
    parser.add_argument("--chips", type=int, default=50)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--out", type=Path, default=Path("bench/results/identity.json"))
    args = parser.parse_args()
    os.environ.setdefault("TVP_ENV", "dev")

    print(f"MRZ from {args.photos} generated card photos …")
    mrz = bench_mrz(args.photos, args.seed)
    print(
        f"MRZ exact: {mrz['exact']}/{mrz['photos']} = {100 * mrz['exact_rate']:.1f} % (target ≥ 99 %); "
        f"refused {mrz['refused_by_code']}; misreads accepted {mrz['misreads_accepted']}; "
        f"median {mrz['median_ms']:.0f} ms/photo"
    )
    print(f"Passive authentication on {args.chips} chips × (1 genuine + 7 forgeries) …")
    pa = bench_passive_auth(args.chips, args.seed)
    print(
        f"genuine accepted {pa['genuine_accepted']}/{pa['genuine']} = {100 * pa['genuine_rate']:.1f} %; "
        f"tampered rejected {pa['tampered_rejected']}/{pa['tampered']} = {100 * pa['tampered_rate']:.1f} % "
        f"(target 100 %/100 %); rejected with an unexpected code: {len(pa['rejected_with_another_code'])}"
    )
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(
        json.dumps({"mrz": mrz, "passive_auth": pa, "seed": args.seed}, indent=2, default=str)
    )
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
