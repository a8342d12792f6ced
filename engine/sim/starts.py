"""Dataset frames -> simulator state: the one place that turns tracked possession frames
(an :class:`engine.possessions.dataset.PossessionSet`'s arrays) into a live
:class:`engine.sim.state.SimState`, so the env faces (their start tables) and offline
RL (observations of logged frames through :mod:`engine.sim.observe`) build the same
state from the same frame.

A frame becomes a live possession with the ball in its handler's hands
(:func:`engine.sim.state.initial_state`). Velocities come from the previous frame when
it is fully tracked (capped at ``speed_cap_ftps``: a tracking glitch must not launch a
player), else 0. A missing shot clock becomes 24 s, a missing game clock 720 s.

The set-up frame of a possession (:func:`first_setup_frames`, the env faces' real
starts) is the first one where an offensive player (handler in 1..5) holds the ball in
the front court (ball x > 47 ft, canonical: the offense attacks the right hoop) with
all 11 entities tracked.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import torch

from engine.sim.state import SimConfig, SimState, initial_state

if TYPE_CHECKING:
    from engine.possessions.dataset import PossessionSet

HALF_COURT_X = 47.0


def first_setup_frames(arrays: dict[str, np.ndarray],
                       keep: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """(rows (k,) int64, t0 (k,) int64): the possessions (among ``keep`` (n,) bool, all
    when None) that have a set-up frame, and the index of their first one."""
    a = arrays
    ok = (a["frame_valid"] & a["valid"].all(axis=-1) & (a["handler"] >= 1)
          & (a["handler"] <= 5) & (a["positions"][..., 0, 0] > HALF_COURT_X))
    has = ok.any(axis=1) if keep is None else ok.any(axis=1) & keep
    rows = np.flatnonzero(has)
    return rows, ok[rows].argmax(axis=1)


def frame_arrays(arrays: dict[str, np.ndarray], rows: np.ndarray, t: np.ndarray, rate_hz: float,
                 speed_cap_ftps: float = SimConfig.player_speed_ftps) -> dict[str, np.ndarray]:
    """Frame ``t[i]`` of possession ``rows[i]`` (both (k,)) as start arrays: positions,
    velocities (k, 11, 3) float32 feet, ft/s; handler (k,) int8 slot; shot_clock,
    game_clock (k,) float32 seconds; player_ids (k, 11) int64. ``rate_hz``: frames per
    second of the arrays."""
    a = arrays
    rows, t = np.asarray(rows, np.int64), np.asarray(t, np.int64)
    pos = a["positions"][rows, t].astype(np.float32)
    prev = np.maximum(t - 1, 0)
    prev_ok = (t > 0) & a["frame_valid"][rows, prev] & a["valid"][rows, prev].all(axis=-1)
    vel = (pos - a["positions"][rows, prev]) * rate_hz
    vel = np.where(prev_ok[:, None, None], vel, 0.0).astype(np.float32)
    speed = np.linalg.norm(vel[..., :2], axis=-1, keepdims=True)
    vel = vel * np.minimum(1.0, speed_cap_ftps / np.maximum(speed, 1e-9))
    vel[:, 0] = 0.0
    vel[:, 1:, 2] = 0.0
    sc = a["shot_clock"][rows, t].astype(np.float32)
    gc = a["game_clock"][rows, t].astype(np.float32)
    return {"positions": pos, "velocities": vel, "handler": a["handler"][rows, t].astype(np.int8),
            "shot_clock": np.where(np.isnan(sc), 24.0, sc).astype(np.float32),
            "game_clock": np.where(np.isnan(gc), 720.0, gc).astype(np.float32),
            "player_ids": a["player_ids"][rows].astype(np.int64)}


def arrays_to_sim(positions: np.ndarray, velocities: np.ndarray, handler: np.ndarray,
                  shot_clock: np.ndarray, game_clock: np.ndarray, offense_ids: np.ndarray,
                  device: str | torch.device, outcome_tensors=None, cfg: SimConfig | None = None,
                  dtype: torch.dtype = torch.float32) -> SimState:
    """Start arrays of b possessions (:func:`frame_arrays`' names; offense_ids (b, 5)
    player ids of off_0..off_4) as a live SimState on ``device``. Shooter logit offsets
    and free-throw rates come from ``outcome_tensors`` (engine.outcomes.torch_eval.
    OutcomeTensors) of those ids; league-average without outcomes."""
    def t(x):
        return torch.as_tensor(np.ascontiguousarray(x), device=device)
    adj = ft = None
    if outcome_tensors is not None:
        ids = t(np.asarray(offense_ids, np.int64))
        adj = outcome_tensors.player_logit_adj(ids).to(dtype)
        ft = outcome_tensors.player_ft_pct(ids).to(dtype)
    return initial_state(t(positions).to(dtype), t(handler).long(), t(shot_clock).to(dtype),
                         t(game_clock).to(dtype), vel=t(velocities).to(dtype), logit_adj=adj,
                         ft_pct=ft, cfg=cfg)


def frames_to_sim(ds: PossessionSet, rows, t, device: str | torch.device = "cpu",
                  outcome_tensors=None, cfg: SimConfig | None = None,
                  dtype: torch.dtype = torch.float32) -> SimState:
    """Frame ``t[i]`` of possession ``rows[i]`` of ``ds`` (both (b,)) as a live SimState
    on ``device``; its velocities are capped at ``cfg``'s player speed."""
    cfg = cfg or SimConfig()
    a = frame_arrays(ds.arrays, np.atleast_1d(rows), np.atleast_1d(t), ds.rate_hz,
                     cfg.player_speed_ftps)
    return arrays_to_sim(a["positions"], a["velocities"], a["handler"], a["shot_clock"],
                         a["game_clock"], a["player_ids"][:, 1:6], device, outcome_tensors,
                         cfg, dtype)
