"""BCOffense as a SimPolicy (shapes, fixed draws, save/load) and simulate() determinism."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from engine.errors import HoopsimDataError
from engine.runtime.checkpoint import load_meta
from engine.sim.step import N_DECISIONS, SimConfig
from envs.core import default_outcomes
from envs.defense import DEFENSES
from offline_rl.bc import (
    KIND,
    BCOffense,
    FittedOffense,
    OffenseBCConfig,
    OffenseNet,
    load,
    save,
)
from envs.simulate import simulate
from envs.starts import scenario_starts


def _policy(seed: int = 0) -> BCOffense:
    torch.manual_seed(seed)
    cfg = OffenseBCConfig(hidden=16)
    return BCOffense(FittedOffense(OffenseNet(cfg.hidden).eval(), cfg))


def _start(n: int = 6):
    starts = scenario_starts()
    idx = np.arange(n) % len(starts)
    return starts.to_sim(idx, "cpu", default_outcomes(torch.device("cpu")), SimConfig())


def test_act_shapes_and_fixed_draws():
    pol, state = _policy(), _start()
    g1, g2 = torch.Generator().manual_seed(3), torch.Generator().manual_seed(3)
    vel, dec, _ = pol.act(state, pol.init(state, g1), g1)
    assert vel.shape == (6, 5, 2) and dec.shape == (6,) and dec.dtype == torch.long
    assert ((dec >= 0) & (dec < N_DECISIONS)).all() and torch.isfinite(vel).all()
    moved = state.clone()
    moved.pos[:, 1:6, 0] -= 10.0
    pol.act(moved, {}, g2)                       # a different state draws as many values
    assert torch.equal(torch.rand(3, generator=g1), torch.rand(3, generator=g2))


def test_save_load_roundtrip(tmp_path):
    pol = _policy()
    save(FittedOffense(pol.net, pol.cfg, {"x": 1}), tmp_path / "m")
    back = BCOffense(load(tmp_path / "m"))
    state = _start()
    a = pol.act(state, {}, torch.Generator().manual_seed(0))
    b = back.act(state, {}, torch.Generator().manual_seed(0))
    assert torch.equal(a[0], b[0]) and torch.equal(a[1], b[1])


def test_simulate_deterministic_and_consistent():
    out = default_outcomes(torch.device("cpu"))
    runs = [simulate(_start(), _policy(), DEFENSES.make("man_to_man"), out, SimConfig(),
                     torch.Generator().manual_seed(7), max_steps=80) for _ in range(2)]
    a, b = runs
    assert torch.equal(a["positions"], b["positions"]) and torch.equal(a["points"], b["points"])
    b_, t = a["positions"].shape[:2]
    assert a["positions"].shape == (b_, t, 11, 3) and a["done"].shape == (b_, t)
    assert (a["n_shots"].sum() == len(a["shot_row"]))
    assert torch.all(a["points"] >= 0) and torch.all(a["length_s"] <= 80 * 0.52 + 1e-3)


def test_checkpoint_is_the_shared_format_with_its_kind(tmp_path):
    pol = _policy()
    save(FittedOffense(pol.net, pol.cfg, {"x": 1}), tmp_path / "m")
    meta = load_meta(tmp_path / "m")
    assert meta["kind"] == KIND == "bc-offense" and meta["info"] == {"x": 1}
    with pytest.raises(HoopsimDataError, match="bc-offense"):
        load_meta(tmp_path / "m", "bc-defense")
