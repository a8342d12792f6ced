"""engine.sim.starts: dataset frames -> SimState, the one recipe the env start tables
(envs.starts.StartStates) and offline RL share."""

from __future__ import annotations

import numpy as np
import pandas as pd
import torch

from engine.possessions.dataset import PossessionSet
from engine.sim.observe import observe
from engine.sim.starts import first_setup_frames, frame_arrays, frames_to_sim
from engine.sim.step import SimConfig


def tiny_set(n: int = 3, frames: int = 6, seed: int = 0) -> PossessionSet:
    """n possessions of random frames at 2 Hz: possession 0 crosses half court at frame
    2, possession 1 never does, possession 2 starts in the front court with a NaN shot
    clock and a glitch (a 100 ft jump) before frame 1."""
    rng = np.random.default_rng(seed)
    pos = np.zeros((n, frames, 11, 3), np.float32)
    pos[..., 0] = rng.uniform(50.0, 90.0, (n, frames, 11))
    pos[..., 1] = rng.uniform(2.0, 48.0, (n, frames, 11))
    pos[0, :2, 0, 0] = 30.0
    pos[1, :, 0, 0] = 20.0
    pos[2, 0, 3, 0] -= 100.0
    shot = np.full((n, frames), 20.0, np.float32)
    shot[2, 0] = np.nan
    arrays = {"positions": pos, "valid": np.ones((n, frames, 11), bool),
              "frame_valid": np.ones((n, frames), bool),
              "handler": np.tile(np.array([2, 2, 3, 3, 1, 1], np.int8), (n, 1))[:, :frames],
              "shot_clock": shot, "game_clock": np.full((n, frames), 500.0, np.float32),
              "player_ids": np.tile(np.arange(-1, 10, dtype=np.int64), (n, 1))}
    meta = pd.DataFrame({"game_id": ["0021500001"] * n, "period": [1] * n,
                         "poss_index": np.arange(n)})
    return PossessionSet(arrays, meta, 2.0)


def test_first_setup_frame_rule():
    rows, t0 = first_setup_frames(tiny_set().arrays)
    assert rows.tolist() == [0, 2] and t0.tolist() == [2, 0]


def test_frame_arrays_velocity_cap_and_missing_clock():
    ds = tiny_set()
    f = frame_arrays(ds.arrays, np.array([2, 2]), np.array([0, 1]), ds.rate_hz, 20.7)
    assert f["shot_clock"][0] == 24.0                            # NaN -> 24 s
    assert np.all(f["velocities"][0] == 0.0)                     # no previous frame
    speed = np.linalg.norm(f["velocities"][1, :, :2], axis=-1)
    assert speed.max() <= 20.7 + 1e-4 and speed[3] > 20.0        # the glitch is capped
    assert np.all(f["velocities"][:, 0] == 0.0)                  # the ball is held


def test_frames_to_sim_matches_the_start_table_and_any_frame_works():
    from envs.starts import StartStates

    ds = tiny_set()
    table = StartStates.from_dataset(ds)
    rows, t0 = first_setup_frames(ds.arrays)
    a = table.to_sim(np.arange(len(table)), "cpu", cfg=SimConfig())
    b = frames_to_sim(ds, rows, t0)
    for name in ("pos", "vel", "handler", "shot_clock", "game_clock", "logit_adj"):
        assert torch.equal(getattr(a, name), getattr(b, name)), name
    later = frames_to_sim(ds, [0, 0, 2], [3, 5, 4])              # any frame, e.g. for offline RL
    assert later.batch_size == 3 and later.handler.tolist() == [3, 1, 1]
    assert observe(later, 20.7).shape == (3, 88)
