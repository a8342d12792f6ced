"""The flat observation of a possession, batched in torch and for one possession on
floats (the fast path); both give the same numbers.

Index map (float32, ``OBS_DIM`` = 88), slots ``[ball, off_0..4, def_0..4]``:

=========  ==========================================================================
0:33       positions, slot-major (x / 94, y / 50, z / 10), clipped to [-1, 2]
33:66      velocities / player speed cap, slot-major (vx, vy, vz), clipped to [-10, 10]
66:71      ball handler one-hot over off_0..off_4 (all 0 while the ball is not held)
71:75      ball mode one-hot: held, pass in flight, shot in flight, dead
75         shot clock / 24, clipped to [0, 1]
76         game clock / 720, clipped to [0, 1]
77         share of the ball's flight done (0 when held)
78:83      receiver of the pass in flight, one-hot over off_0..off_4
83:88      the five shooters' logit make offsets, clipped to [-5, 5]
=========  ==========================================================================
"""

from __future__ import annotations

import numpy as np
import torch

from engine.court import COURT_LENGTH, COURT_WIDTH
from engine.sim import BallMode, SimState

OBS_DIM = 88
POS, VEL, HANDLER, BALL_MODE = slice(0, 33), slice(33, 66), slice(66, 71), slice(71, 75)
SHOT_CLOCK, GAME_CLOCK, FLIGHT, PASS_TO, LOGIT_ADJ = 75, 76, 77, slice(78, 83), slice(83, 88)
Z_SCALE, PERIOD_S, VEL_CLIP, ADJ_CLIP = 10.0, 720.0, 10.0, 5.0
_SCALE = (COURT_LENGTH, COURT_WIDTH, Z_SCALE)
_INV = np.tile(1.0 / np.array(_SCALE), 11)


def bounds() -> tuple[np.ndarray, np.ndarray]:
    """(low, high) float32 (OBS_DIM,) of the observation Box."""
    low, high = np.zeros(OBS_DIM, np.float32), np.ones(OBS_DIM, np.float32)
    low[POS], high[POS] = -1.0, 2.0
    low[VEL], high[VEL] = -VEL_CLIP, VEL_CLIP
    low[LOGIT_ADJ], high[LOGIT_ADJ] = -ADJ_CLIP, ADJ_CLIP
    return low, high


def observe(s: SimState, speed_ftps: float) -> torch.Tensor:
    """(b, OBS_DIM) observation of a batch (module docstring), on the state's device.
    Written into one buffer with scatters: broadcasting over a tiny last dimension
    (one-hots of 5) is slow on CPU."""
    b, dev = s.batch_size, s.device
    f32 = torch.float32
    out = torch.zeros(b, OBS_DIM, device=dev, dtype=f32)
    inv = torch.tensor(_INV, device=dev, dtype=f32)
    out[:, POS] = s.pos.reshape(b, 33).to(f32) * inv
    out[:, VEL] = s.vel.reshape(b, 33).to(f32) * (1.0 / speed_ftps)
    held = s.ball_mode == BallMode.HELD
    out.scatter_(1, (HANDLER.start - 1 + s.handler.clamp(1, 5))[:, None], held.to(f32)[:, None])
    out.scatter_(1, (BALL_MODE.start + s.ball_mode)[:, None], 1.0)
    out[:, SHOT_CLOCK] = s.shot_clock.to(f32) / 24.0
    out[:, GAME_CLOCK] = s.game_clock.to(f32) / PERIOD_S
    flying = (s.ball_mode == BallMode.PASS) | (s.ball_mode == BallMode.SHOT)
    out[:, FLIGHT] = torch.where(flying, s.flight_t.to(f32) / s.flight_total.to(f32).clamp_min(1e-6),
                                 0.0)
    passing = (s.ball_mode == BallMode.PASS).to(f32)
    out.scatter_(1, (PASS_TO.start - 1 + s.pass_to.clamp(1, 5))[:, None], passing[:, None])
    out[:, LOGIT_ADJ] = s.logit_adj.to(f32)
    low, high = _bounds_t(dev)
    return torch.minimum(torch.maximum(out, low, out=out), high, out=out)


_BOUNDS: dict[str, tuple[torch.Tensor, torch.Tensor]] = {}


def _bounds_t(dev: torch.device) -> tuple[torch.Tensor, torch.Tensor]:
    key = str(dev)
    if key not in _BOUNDS:
        low, high = bounds()
        _BOUNDS[key] = (torch.as_tensor(low, device=dev), torch.as_tensor(high, device=dev))
    return _BOUNDS[key]


_LOW, _HIGH = bounds()
_HELD, _PASS, _SHOT = int(BallMode.HELD), int(BallMode.PASS), int(BallMode.SHOT)


def observe_fast(s, speed_ftps: float) -> np.ndarray:
    """(OBS_DIM,) float32 observation of one engine.sim_fast.FastState (arrays or lists)."""
    out = np.zeros(OBS_DIM)
    out[POS] = np.ravel(s.pos) * _INV
    out[VEL] = np.ravel(s.vel) * (1.0 / speed_ftps)
    mode = s.ball_mode
    if mode == _HELD:
        out[HANDLER.start + s.handler - 1] = 1.0
    out[BALL_MODE.start + mode] = 1.0
    out[SHOT_CLOCK] = s.shot_clock / 24.0
    out[GAME_CLOCK] = s.game_clock / PERIOD_S
    if mode == _PASS or mode == _SHOT:
        out[FLIGHT] = s.flight_t / max(s.flight_total, 1e-6)
        if mode == _PASS:
            out[PASS_TO.start + s.pass_to - 1] = 1.0
    out[LOGIT_ADJ] = s.logit_adj
    np.minimum(np.maximum(out, _LOW, out=out), _HIGH, out=out)
    return out.astype(np.float32)
