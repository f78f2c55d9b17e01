"""bench/helmets.py --quick runs end to end on held-out helmet_dev photos and writes its figures. No
figure is asserted beyond being one: the bench reports them."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.datasets import helmet_dev

ROOT = Path(__file__).resolve().parents[2]
FIGURES = {"no_helmet_recall", "false_no_helmet_rate", "rider_count_exact"}


@pytest.mark.clockless  # no dates involved
@pytest.mark.timeout(600)
def test_quick_helmets_bench_writes_its_figures(tmp_path: Path) -> None:
    out = tmp_path / "helmets.json"
    args = [sys.executable, str(ROOT / "bench" / "helmets.py"), "--quick", "--data", str(helmet_dev())]
    run = subprocess.run([*args, "--out", str(out)], cwd=ROOT, capture_output=True, text=True, timeout=580)
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    result = json.loads(out.read_text())
    assert result["quick"] is True and result["held_out_photos"] == 12
    (precision,) = [k for k in ("fp32", "int8", "auto") if k in result]
    figures = result[precision]
    scored = figures["labelled_heads_scored"]
    assert scored["no_helmet"] + scored["helmet"] > 0 and figures["crops"] > 0
    for row in [figures["operating"], *figures["no_helmet_sweep"], *figures["count_sweep"]]:
        shown = [row[k] for k in FIGURES if k in row]
        assert shown and all(0.0 <= v <= 1.0 for v in shown)
    assert figures["ms_per_crop"] > 0 and figures["model"]["name"] == "helmet"
    tune = figures["tune"]  # the threshold is chosen on the training run's val photos, not held-out
    assert result["tune_photos"] == tune["photos"] == 6
    assert tune["chosen"]["false_no_helmet_rate"] <= tune["max_false_no_helmet_rate"] or (
        tune["chosen"]["no_helmet_threshold"] == 0.8
    )
    assert 0.0 <= tune["held_out_at_chosen"]["no_helmet_recall"] <= 1.0
    assert "no-helmet recall" in run.stdout


def test_no_dataset_is_a_clear_error(tmp_path: Path) -> None:
    args = [
        sys.executable,
        str(ROOT / "bench" / "helmets.py"),
        "--data",
        str(tmp_path),
        "--out",
        str(tmp_path / "x"),
    ]
    run = subprocess.run(args, cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert run.returncode == 2 and "no helmet_dev" in run.stderr and not (tmp_path / "x").exists()


def test_the_threshold_is_tuned_for_recall_within_the_false_call_budget() -> None:
    from bench.helmets import calls, tune_threshold

    # 20 helmeted heads, one scoring 0.5 (5 % false at ≤ 0.5) and one 0.3; bare heads 0.2 … 0.9.
    heads = [(True, 0.5), (True, 0.3)] + [(True, None)] * 18
    heads += [(False, s) for s in (0.2, 0.35, 0.6, 0.9)]
    chosen = tune_threshold(heads, max_false=0.05)
    # Above the 0.3 helmeted head (1 of 20 false), 3 of 4 bare found up to 0.35: the highest of those.
    assert chosen == 0.35
    assert calls(heads, chosen) == {
        "no_helmet_threshold": 0.35,
        "no_helmet_recall": 0.75,
        "false_no_helmet_rate": 0.05,
    }
    assert tune_threshold([(True, 0.99), (False, 0.5)], max_false=0.0) == 0.8  # none keeps: the top
