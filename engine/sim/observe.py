"""The observation encoders of the env faces, as pure functions of the simulator state,
so that envs/ and offline_rl/ (from dataset frames, :mod:`engine.sim.starts`) build the
exact same numbers.

HalfCourt-v0 (:func:`observe` batched in torch, :func:`observe_fast` for one possession
on floats, the fast path; both give the same numbers). Index map (float32, ``OBS_DIM`` =
88), slots ``[ball, off_0..4, def_0..4]``:

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

Decision-v0 (:func:`observe_decision`, ReLiable's partial view; the arithmetic on plain
arrays in :func:`decision_features`): ``DECISION_OBS_DIM`` = 62 float32, per entity
five numbers (x / 94, y / 50, vx / speed cap, vy / speed cap, visible), then the
handler one-hot (5), shot clock / 24 and game clock / 720.
"""
from __future__ import annotations

import math

import numpy as np
import torch

from engine.court import COURT_LENGTH, COURT_WIDTH
from engine.sim.step import BallMode, SimState, any_row

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
    Each block is written and clipped in place with scalar bounds, the one-hots with
    scatters: broadcasting over a tiny last dimension (one-hots of 5, bounds of 88) is
    slow on CPU."""
    b, dev = s.batch_size, s.device
    f32 = torch.float32
    out = torch.empty(b, OBS_DIM, device=dev, dtype=f32)
    torch.mul(s.pos.reshape(b, 33).to(f32), _inv_t(dev), out=out[:, POS])
    out[:, POS].clamp_(-1.0, 2.0)
    torch.mul(s.vel.reshape(b, 33).to(f32), 1.0 / speed_ftps, out=out[:, VEL])
    out[:, VEL].clamp_(-VEL_CLIP, VEL_CLIP)
    out[:, HANDLER.start:LOGIT_ADJ.start].zero_()
    mode = s.ball_mode
    held = mode == BallMode.HELD
    out.scatter_(1, (HANDLER.start - 1 + s.handler.clamp(1, 5))[:, None], held.to(f32)[:, None])
    out.scatter_(1, (BALL_MODE.start + mode)[:, None], 1.0)
    out[:, SHOT_CLOCK] = (s.shot_clock.to(f32) / 24.0).clamp_(0.0, 1.0)
    out[:, GAME_CLOCK] = (s.game_clock.to(f32) / PERIOD_S).clamp_(0.0, 1.0)
    passing = mode == BallMode.PASS
    flying = passing | (mode == BallMode.SHOT)
    if any_row(flying):
        frac = s.flight_t.to(f32) / s.flight_total.to(f32).clamp_min(1e-6)
        out[:, FLIGHT] = torch.where(flying, frac, 0.0).clamp_(0.0, 1.0)
        out.scatter_(1, (PASS_TO.start - 1 + s.pass_to.clamp(1, 5))[:, None],
                     passing.to(f32)[:, None])
    out[:, LOGIT_ADJ] = s.logit_adj.to(f32).clamp(-ADJ_CLIP, ADJ_CLIP)
    return out


_INV_T: dict[str, torch.Tensor] = {}


def _inv_t(dev: torch.device) -> torch.Tensor:
    """(33,) float32 1 / (94, 50, 10) per slot-major coordinate, cached per device."""
    key = str(dev)
    if key not in _INV_T:
        _INV_T[key] = torch.tensor(_INV, device=dev, dtype=torch.float32)
    return _INV_T[key]


_LOW, _HIGH = bounds()
_HELD, _PASS, _SHOT = int(BallMode.HELD), int(BallMode.PASS), int(BallMode.SHOT)


def observe_fast(s, speed_ftps: float) -> np.ndarray:
    """(OBS_DIM,) float32 observation of one engine.sim.fast.FastState (arrays or lists).
    Built as one list of Python floats (the same float64 products as numpy's) and
    converted once: numpy's per-call cost dominates at this size."""
    pos, vel = s.pos, s.vel
    pos = pos.tolist() if isinstance(pos, np.ndarray) else pos
    vel = vel.tolist() if isinstance(vel, np.ndarray) else vel
    ix, iy, iz = _INV_XYZ
    vals = [c for p in pos for c in (p[0] * ix, p[1] * iy, p[2] * iz)]
    k = 1.0 / speed_ftps
    vals += [c * k for p in vel for c in p]
    vals += _ZEROS_TAIL
    mode = s.ball_mode
    if mode == _HELD:
        vals[HANDLER.start + s.handler - 1] = 1.0
    vals[BALL_MODE.start + mode] = 1.0
    vals[SHOT_CLOCK] = s.shot_clock / 24.0
    vals[GAME_CLOCK] = s.game_clock / PERIOD_S
    if mode == _PASS or mode == _SHOT:
        vals[FLIGHT] = s.flight_t / max(s.flight_total, 1e-6)
        if mode == _PASS:
            vals[PASS_TO.start + s.pass_to - 1] = 1.0
    adj = s.logit_adj
    vals[LOGIT_ADJ] = adj.tolist() if isinstance(adj, np.ndarray) else list(adj)
    out = np.array(vals)
    np.minimum(np.maximum(out, _LOW, out=out), _HIGH, out=out)
    return out.astype(np.float32)


_ZEROS_TAIL = [0.0] * (OBS_DIM - VEL.stop)
_INV_XYZ = tuple(float(v) for v in _INV[:3])


# ---------------------------------------------------------------------- Decision-v0
DECISION_N_FEAT = 5          # per entity: x / 94, y / 50, vx / cap, vy / cap, visible
DECISION_OBS_DIM = 11 * DECISION_N_FEAT + 5 + 2
_XY_SCALE = np.array([COURT_LENGTH, COURT_WIDTH])


def decision_bounds() -> tuple[np.ndarray, np.ndarray]:
    """(low, high) float32 (DECISION_OBS_DIM,) of Decision-v0's observation Box."""
    low, high = np.zeros(DECISION_OBS_DIM, np.float32), np.ones(DECISION_OBS_DIM, np.float32)
    low[:55] = np.tile(np.array([-1.0, -1.0, -VEL_CLIP, -VEL_CLIP, 0.0], np.float32), 11)
    high[:55] = np.tile(np.array([2.0, 2.0, VEL_CLIP, VEL_CLIP, 1.0], np.float32), 11)
    return low, high


_DEC_LOW, _DEC_HIGH = decision_bounds()


def decision_features(pos: np.ndarray, vel: np.ndarray, handler: np.ndarray, held: np.ndarray,
                      shot_clock: np.ndarray, game_clock: np.ndarray, speed_ftps: float,
                      noise_xy: np.ndarray | None = None,
                      view_ft: float | None = None) -> np.ndarray:
    """(b, DECISION_OBS_DIM) float32 Decision-v0 observation from plain arrays.

    pos, vel (b, 11, 2) feet, ft/s (canonical, slots ``[ball, off_0..4, def_0..4]``);
    handler (b,) slot 1..5; held (b,) bool, the offense holds the ball; shot_clock,
    game_clock (b,) seconds; noise_xy (b, 11, 2) feet added to every position but the
    handler's (and the ball's while held), or None; view_ft: entities farther than
    this from the handler (true positions) are zeros with visible = 0 (None: all seen).
    """
    b = pos.shape[0]
    rows = np.arange(b)
    handler = np.asarray(handler, np.int64)
    held = np.asarray(held, bool)
    seen = pos
    if noise_xy is not None:
        noise = np.array(noise_xy, np.float64)
        noise[rows, handler] = 0.0
        noise[held, 0] = 0.0
        seen = pos + noise
    visible = np.ones((b, 11))
    if view_ft is not None:
        gap = np.linalg.norm(pos - pos[rows, handler][:, None], axis=-1)
        visible = (gap <= view_ft).astype(float)
    feats = np.concatenate([seen / _XY_SCALE, vel / speed_ftps, visible[..., None]], axis=-1)
    feats = feats * visible[..., None]
    feats[..., 4] = visible
    onehot = np.zeros((b, 5))
    onehot[rows[held], handler[held] - 1] = 1.0
    clocks = np.clip(np.stack([np.asarray(shot_clock, float) / 24.0,
                               np.asarray(game_clock, float) / PERIOD_S], axis=1), 0.0, 1.0)
    obs = np.concatenate([feats.reshape(b, 11 * DECISION_N_FEAT), onehot, clocks], axis=1)
    return np.clip(obs, _DEC_LOW, _DEC_HIGH).astype(np.float32)


def observe_decision(s: SimState, speed_ftps: float, rng: np.random.Generator | None = None,
                     noise_ft: float = 0.0, view_ft: float | None = None) -> np.ndarray:
    """(b, DECISION_OBS_DIM) float32 numpy Decision-v0 observation of a batch on any
    device (copied to the CPU once). ``rng`` (when given) draws ``b * 11 * 2`` standard
    normals on every call, whatever ``noise_ft`` and the state (a fixed count keeps
    same-seed rollouts equal); the noise is those draws times ``noise_ft`` feet."""
    if rng is None and noise_ft:
        raise ValueError("observe_decision: noise_ft > 0 needs a generator (rng)")
    b = s.batch_size
    f64 = torch.float64
    packed = torch.cat([s.pos[:, :, :2].reshape(b, 22).to(f64),
                        s.vel[:, :, :2].reshape(b, 22).to(f64),
                        s.handler[:, None].to(f64), (s.ball_mode == BallMode.HELD)[:, None].to(f64),
                        s.shot_clock[:, None].to(f64), s.game_clock[:, None].to(f64)], dim=1)
    host = packed.cpu().numpy()
    noise = None if rng is None else rng.normal(0.0, 1.0, size=(b, 11, 2)) * noise_ft
    return decision_features(host[:, :22].reshape(b, 11, 2), host[:, 22:44].reshape(b, 11, 2),
                             host[:, 44].astype(np.int64), host[:, 45] > 0.5, host[:, 46],
                             host[:, 47], speed_ftps, noise, view_ft)


def decision_features_one(pos, vel, handler: int, held: bool, shot_clock: float,
                          game_clock: float, speed_ftps: float, noise_xy=None,
                          view_ft: float | None = None) -> np.ndarray:
    """:func:`decision_features` of one possession in plain floats (the fast path of
    Decision-v0): pos, vel 11 x [x, y, ...] feet / ft/s (lists or arrays), noise_xy
    11 x [dx, dy] feet or None. Returns (DECISION_OBS_DIM,) float32, equal to the batch
    version's row within float32 rounding."""
    hx, hy = pos[handler][0], pos[handler][1]
    lo, hi = _DEC_LOW_L, _DEC_HIGH_L
    out = []
    for k in range(11):
        p, v = pos[k], vel[k]
        seen = view_ft is None or math.hypot(p[0] - hx, p[1] - hy) <= view_ft
        if not seen:
            out += [0.0, 0.0, 0.0, 0.0, 0.0]
            continue
        x, y = p[0], p[1]
        if noise_xy is not None and k != handler and not (k == 0 and held):
            x, y = x + noise_xy[k][0], y + noise_xy[k][1]
        out += [x / COURT_LENGTH, y / COURT_WIDTH, v[0] / speed_ftps, v[1] / speed_ftps, 1.0]
    onehot = [0.0] * 5
    if held:
        onehot[handler - 1] = 1.0
    out += onehot + [min(max(shot_clock / 24.0, 0.0), 1.0), min(max(game_clock / PERIOD_S, 0.0), 1.0)]
    return np.array([lo[i] if x < lo[i] else hi[i] if x > hi[i] else x for i, x in enumerate(out)],
                    np.float32)


_DEC_LOW_L, _DEC_HIGH_L = _DEC_LOW.tolist(), _DEC_HIGH.tolist()


def observe_decision_torch(s: SimState, speed_ftps: float, noise_xy: torch.Tensor | None = None,
                           view_ft: float | None = None) -> torch.Tensor:
    """(b, DECISION_OBS_DIM) float32 Decision-v0 observation of a batch on its device
    (the batched decision env): :func:`decision_features` in torch. noise_xy (b, 11, 2)
    feet added to every position but the handler's (and the ball's while held), or None."""
    b, dev = s.batch_size, s.device
    f32 = torch.float64   # why: the numpy version's arithmetic, so B = 1 equals Decision-v0 exactly
    pos, vel = s.pos[:, :, :2].to(f32), s.vel[:, :, :2].to(f32)
    held = s.ball_mode == BallMode.HELD
    handler = s.handler.clamp(0, 10)
    slot = torch.arange(11, device=dev)[None]
    seen = pos
    if noise_xy is not None:
        keep = (slot == handler[:, None]) | ((slot == 0) & held[:, None])
        seen = pos + torch.where(keep[..., None], 0.0, noise_xy.to(f32))
    if view_ft is None:
        visible = torch.ones(b, 11, device=dev, dtype=f32)
    else:
        hxy = pos.gather(1, handler[:, None, None].expand(b, 1, 2))
        visible = ((pos - hxy).square().sum(-1).sqrt() <= view_ft).to(f32)
    scale = torch.tensor([COURT_LENGTH, COURT_WIDTH], device=dev, dtype=f32)
    feats = torch.cat([seen / scale, vel / speed_ftps, visible[..., None]], dim=-1) * visible[..., None]
    onehot = torch.zeros(b, 5, device=dev, dtype=f32)
    onehot.scatter_(1, (handler.clamp(1, 5) - 1)[:, None], held.to(f32)[:, None])
    clocks = torch.stack([s.shot_clock.to(f32) / 24.0, s.game_clock.to(f32) / PERIOD_S], 1).clamp(0.0, 1.0)
    obs = torch.cat([feats.reshape(b, 11 * DECISION_N_FEAT), onehot, clocks], dim=1)
    key = str(dev)
    if key not in _DEC_T:
        _DEC_T[key] = (torch.as_tensor(_DEC_LOW, device=dev, dtype=f32),
                       torch.as_tensor(_DEC_HIGH, device=dev, dtype=f32))
    return torch.maximum(torch.minimum(obs, _DEC_T[key][1]), _DEC_T[key][0]).float()


_DEC_T: dict[str, tuple[torch.Tensor, torch.Tensor]] = {}
