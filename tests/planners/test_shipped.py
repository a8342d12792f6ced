"""Shipped planners (planners.checkpoints): each loads by name from the package alone, is
at most 10 MB, carries its card, and meets its recorded gates again on a few held-out
windows (tolerance: the KS statistic's 0.1% critical value for the sample sizes)."""

import json
import math

import numpy as np
import pytest
import torch

from planners.checkpoints import HERE, resolve, shipped

NAMES = shipped()


def test_names_resolve_and_folders_pass_through(tmp_path):
    for name in NAMES:
        assert resolve(name) == HERE / name
    assert resolve(str(tmp_path)) == tmp_path
    assert resolve("no-such-planner").name == "no-such-planner"


@pytest.mark.parametrize("name", NAMES)
def test_shipped_planner_is_small_and_documented(name):
    folder = HERE / name
    size = sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())
    assert size <= 10 * 2 ** 20, f"{name} is {size / 2 ** 20:.1f} MB"
    card = json.loads((folder / "card.json").read_text())
    assert {"data", "split", "gates", "training", "value_network", "preferred_method"} <= set(card)
    assert "evaluation only" in card["data"] or "development and evaluation" in card["data"]


@pytest.mark.real_data
@pytest.mark.parametrize("name", [n for n in NAMES if n.endswith("2hz")])
def test_shipped_planner_meets_its_recorded_gates(name, shared_data):
    from engine.possessions.api import load_possessions
    from engine.possessions.ingest import IngestConfig
    from planners.gates import player_accels, player_speeds, ks_statistic
    from planners.planner import load_planner
    from planners.sampler import RAW, sample
    from planners.windows import make_windows

    card = json.loads((HERE / name / "card.json").read_text())
    cutoff = card["split"]["held_out"].split()[-1]
    planner = load_planner(name, "cpu")
    files = sorted((shared_data / "tracking_2hz").iterdir())
    late = [f for f in files if f.name[:10] >= cutoff][:3]
    pbp = [shared_data / "pbp" / f"{f.name[:10]}.csv.gz" for f in late]
    ds, _ = load_possessions([str(f) for f in late], [str(f) for f in pbp],
                             IngestConfig(workers=1, split_cutoff=cutoff))
    w = make_windows(ds, planner.cfg.horizon / planner.cfg.rate_hz, reward="points")
    real = w.windows[np.random.default_rng(0).choice(len(w), min(48, len(w)), replace=False)]
    cond = {t: torch.from_numpy(real[:, t]) for t in range(2)}
    with torch.no_grad():
        fake = sample(planner.model, planner.normalizer, planner.cfg.diffusion, len(real),
                      planner.cfg.horizon, cond, torch.Generator().manual_seed(0), cfg=RAW).plans.numpy()
    rate = w.rate_hz
    v_r, v_f = player_speeds(real, rate, 1), player_speeds(fake, rate, 1)
    a_r, a_f = player_accels(real, rate, 1), player_accels(fake, rate, 1)
    # the two-sample KS 0.1% critical value for these sizes, plus 0.02 for the recorded
    # value's own sampling error (measured on all held-out windows)
    crit = lambda n, m: 1.95 * math.sqrt((n + m) / (n * m))  # noqa: E731
    gates = card["gates"]
    assert ks_statistic(v_f, v_r) <= gates["speed_ks"] + crit(v_f.size, v_r.size) + 0.02
    assert ks_statistic(a_f, a_r) <= gates["accel_ks"] + crit(a_f.size, a_r.size) + 0.02
