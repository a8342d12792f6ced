"""The data as demonstrator: perturbed logged states labelled with the way back.

A behaviour-cloned policy trained on logged frames only never sees the states its own
errors lead to in closed loop, so its errors compound (``benchmarks/bc_drift.py``).
There is no expert to ask what to do there; the log itself is the demonstrator
(the idea of DART and of "data as demonstrator" for multi-step predictions): jitter a
logged state and label it with the move that returns to the logged trajectory.

:func:`perturb` takes a batch of :class:`offline_rl.bc.features.Frames` and, on a
random share ``frac`` of its rows, moves every attacker and defender by independent
Gaussian offsets of ``sigma_ft`` feet (the ball with its holder), optionally adds
``sigma_ftps`` ft/s to the attackers' velocities, and sets each attacker's movement
target to the logged next position: ``next_disp - offset / return_frames`` (ft per
frame; ``return_frames`` 1 = back on the trajectory at the next frame). Decision labels
stay the logged ones: a handler a few feet off his spot still makes the logged play.
Positions are kept on the court. The rows are flagged (``Frames.jittered``): they teach
the movement model its mean (the way back), not its spread, which stays the logged one.
"""

from __future__ import annotations

import numpy as np
import torch

from engine.court import COURT_LENGTH, COURT_WIDTH
from engine.sim.step import DEF, OFF
from offline_rl.bc.features import Frames


def perturb(f: Frames, sigma_ft: float, frac: float, return_frames: float,
            rng: np.random.Generator, sigma_ftps: float = 0.0) -> Frames:
    """Frames with rows jittered as in the module docstring (input unchanged)."""
    b = f.pos.shape[0]
    if b == 0 or sigma_ft <= 0.0 or frac <= 0.0:
        return f
    on = torch.from_numpy(rng.random(b) < frac)[:, None, None].float()
    d_off = torch.from_numpy(rng.normal(0.0, sigma_ft, (b, 5, 2)).astype(np.float32)) * on
    d_def = torch.from_numpy(rng.normal(0.0, sigma_ft, (b, 5, 2)).astype(np.float32)) * on
    d_vel = torch.from_numpy(rng.normal(0.0, sigma_ftps, (b, 5, 2)).astype(np.float32)) * on
    pos = f.pos.clone()
    pos[:, OFF, :2] += d_off
    pos[:, DEF, :2] += d_def
    held = (f.holder >= 1)[:, None].float()
    pos[:, 0, :2] += held * d_off[torch.arange(b), (f.holder - 1).clamp(0, 4)]
    lo = torch.zeros(2)
    hi = torch.tensor([COURT_LENGTH, COURT_WIDTH])
    clipped = torch.maximum(torch.minimum(pos[..., :2], hi), lo)
    moved = clipped[:, OFF] - f.pos[:, OFF, :2]          # the offset after clipping
    pos[..., :2] = clipped
    vel = f.vel.clone()
    vel[:, OFF] += d_vel
    return Frames(pos=pos, vel=vel, holder=f.holder, shot_clock=f.shot_clock, action=f.action,
                  next_disp=f.next_disp - moved / max(return_frames, 1e-6),
                  valid_move=f.valid_move, jittered=on[:, 0, 0].bool())
