"""The offline MDP of ReLiable's decision problem, built from a possession dataset.

Decision points: every fully tracked frame where an attacker (slot 1..5) holds the ball,
plus every aligned shot-release frame (at 2 Hz about half of the releases have the ball
in flight already; the decider is then the attacker nearest the ball, as the
behaviour-cloned offense does: :func:`offline_rl.bc.features.decision_holder`).

Observation: the frame becomes the simulator start the env faces build
(:mod:`engine.sim.starts`: velocities from the previous frame, capped; the decider holds
the ball, so the ball sits at his position; the shot clock imputed where missing by
:func:`offline_rl.bc.features.impute_shot_clock`), observed by Decision-v0's encoder
(:func:`engine.sim.observe.observe_decision`): one code path. No noise, full view.

Actions: Decision-v0's macro actions (``N_ACTIONS`` = 7): 0 hold, 1 drive, 2..5 pass to
the other four attackers in slot order, 6 shoot; plus the binary "attempt a three now"
(``three``: the release of a play-by-play three); for the continuous algorithms the
five attackers' velocities (``move``). Coarse classes for action-copy F1: 0 dribble
(hold + drive), 1 pass, 2 shoot.

Rewards (gamma = 1): the possession's reward on its last decision point, 0 elsewhere:
``points`` (scored in the possession), ``reliable`` (:func:`engine.rewards.reliable_reward`
with the shot clock read at the last decision point, recomputed here from the arrays so a
cache written before that fix cannot leak the old reading) or ``playbest`` (the cached
per-event table). Episode end: ``terminal`` on the last decision of a possession that
ended by play (made / missed / turnover / foul ...); ``timeout`` (truncation) when it ended
by the period clock or was cut at the ingest's ``max_seconds``.

Split: by game id, chronological: games below ``cutoff`` train, the rest are held out.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

import numpy as np
import torch

from engine.possessions.dataset import PossessionSet
from engine.possessions.labels import Action
from engine.rewards import ReliableWeights, decision_shot_clock, reliable_reward
from engine.sim.observe import DECISION_OBS_DIM, observe_decision
from engine.sim.starts import arrays_to_sim, frame_arrays
from engine.sim.state import SimConfig
from offline_rl.bc.features import (
    CLS_DRIVE,
    CLS_HOLD,
    CLS_PASS0,
    CLS_SHOT,
    action_class,
    decision_holder,
    impute_shot_clock,
    three_spot,
)

HOLD, DRIVE, PASS_FIRST, SHOOT = 0, 1, 2, 6
N_ACTIONS = 7
MOVE_DIM = 10            # continuous movement: (vx, vy) of off_0..off_4 over the speed cap
OBS_DIM = DECISION_OBS_DIM
COARSE_NAMES = ("dribble", "pass", "shoot")
ACTION_NAMES = ("hold", "drive", "pass_1", "pass_2", "pass_3", "pass_4", "shoot")
TRUNCATING_OUTCOMES = ("end_of_period",)


@dataclass
class OfflineMDP:
    """Decision points (N) in possession order, frames ascending within a possession.

    obs (N, OBS_DIM) float32; action (N,) int64 macro action; move (N, MOVE_DIM) the
    attackers' velocities (continuous movement, :func:`movement_actions`); three (N,) bool release of a
    three; three_spot (N,) bool the decider stands beyond the arc; reward (N,) float32;
    terminal, timeout (N,) bool on a possession's last decision point; episode (N,) int64
    possession row in the source dataset; frame (N,) int64; game_id (N,) str;
    cutoff: the split's first held-out game id; reward_name: which reward."""

    obs: np.ndarray
    action: np.ndarray
    three: np.ndarray
    three_spot: np.ndarray
    reward: np.ndarray
    terminal: np.ndarray
    timeout: np.ndarray
    episode: np.ndarray
    frame: np.ndarray
    game_id: np.ndarray
    cutoff: str
    reward_name: str
    move: np.ndarray | None = None

    def __len__(self) -> int:
        return len(self.action)

    def subset(self, mask: np.ndarray) -> OfflineMDP:
        """Rows where mask (N,) is True (whole possessions, or episode ends are lost)."""
        m = np.asarray(mask, bool)
        keep = {k: getattr(self, k)[m] for k in ("obs", "action", "three", "three_spot", "reward",
                                                 "terminal", "timeout", "episode", "frame", "game_id")}
        return OfflineMDP(**keep, cutoff=self.cutoff, reward_name=self.reward_name,
                          move=None if self.move is None else self.move[m])

    def split(self) -> tuple[OfflineMDP, OfflineMDP]:
        """(train: games < cutoff, held out: games >= cutoff)."""
        train = self.game_id < self.cutoff
        return self.subset(train), self.subset(~train)

    def coarse(self) -> np.ndarray:
        return coarse_of(self.action)

    def episode_starts(self) -> np.ndarray:
        """(N,) bool: first decision point of its possession."""
        return np.r_[True, self.episode[1:] != self.episode[:-1]]

    def counts(self) -> dict:
        """Decision points per macro action and coarse class, threes, episodes."""
        c = self.coarse()
        return {"decision_points": len(self), "possessions": len(np.unique(self.episode)),
                "games": len(np.unique(self.game_id)),
                "per_action": {n: int((self.action == k).sum()) for k, n in enumerate(ACTION_NAMES)},
                "per_class": {n: int((c == k).sum()) for k, n in enumerate(COARSE_NAMES)},
                "three_releases": int(self.three.sum()),
                "terminal": int(self.terminal.sum()), "timeout": int(self.timeout.sum())}

    def split_record(self) -> dict:
        train, test = self.split()
        return {"by": "game_id", "cutoff": self.cutoff, "train_games": len(np.unique(train.game_id)),
                "test_games": len(np.unique(test.game_id)),
                "train_first_last": _first_last(train.game_id), "test_first_last": _first_last(test.game_id)}


def _first_last(ids: np.ndarray) -> list[str]:
    return [str(ids.min()), str(ids.max())] if len(ids) else []


def coarse_of(action: np.ndarray) -> np.ndarray:
    """Macro action -> coarse class: 0 dribble (hold, drive), 1 pass, 2 shoot."""
    a = np.asarray(action)
    return np.where(a == SHOOT, 2, np.where(a >= PASS_FIRST, 1, 0))


def macro_of_class(cls: np.ndarray, holder: np.ndarray) -> np.ndarray:
    """BC decision class (0 hold, 1 drive, 2..6 pass to slot 1..5, 7 shoot) and the
    decider's slot -> Decision-v0 macro action (pass k = k-th other attacker in slot order)."""
    cls, holder = np.asarray(cls), np.asarray(holder)
    out = np.full(cls.shape, -1, np.int64)
    out[cls == CLS_HOLD], out[cls == CLS_DRIVE], out[cls == CLS_SHOT] = HOLD, DRIVE, SHOOT
    passing = (cls >= CLS_PASS0) & (cls < CLS_SHOT)
    target = cls - CLS_PASS0 + 1                       # receiving slot 1..5
    out[passing] = PASS_FIRST + target[passing] - 1 - (target[passing] > holder[passing])
    return out


def class_of_macro(action: np.ndarray, holder: np.ndarray) -> np.ndarray:
    """Inverse of :func:`macro_of_class` (the class the BC offense's movement conditions on)."""
    action, holder = np.asarray(action), np.asarray(holder)
    out = np.where(action == DRIVE, CLS_DRIVE, np.where(action == SHOOT, CLS_SHOT, CLS_HOLD))
    k = action - PASS_FIRST + 1                        # k-th other attacker, 1..4
    slot = k + (k >= holder)
    return np.where((action >= PASS_FIRST) & (action < SHOOT), CLS_PASS0 + slot - 1, out)


def possession_rewards(ds: PossessionSet, name: str, w: ReliableWeights | None = None) -> np.ndarray:
    """(n,) float the reward of each possession (module docstring)."""
    meta = ds.meta
    if name == "points":
        return meta["points"].to_numpy(float)
    if name == "playbest":
        return meta["reward_playbest"].to_numpy(float)
    if name != "reliable":
        raise ValueError(f"reward {name!r}: choose points, reliable or playbest")
    a = ds.arrays
    out = np.zeros(len(ds))
    for i in range(len(ds)):
        fv = a["frame_valid"][i]
        dec = ((a["handler"][i] >= 1) & (a["handler"][i] <= 5)) | (a["action"][i] == Action.SHOT)
        clock = decision_shot_clock(a["shot_clock"][i][fv], dec[fv])
        out[i] = reliable_reward(float(meta["points"].iloc[i]), clock, float(meta["end_clock"].iloc[i]), w)
    return out


def three_releases(ds: PossessionSet) -> np.ndarray:
    """(n, T) bool: the aligned release frame of a play-by-play three-point attempt."""
    out = np.zeros(ds.arrays["frame_valid"].shape, bool)
    for i, shots in enumerate(ds.meta["shots"]):
        shots = json.loads(shots) if isinstance(shots, str) else list(shots)
        for s in shots:
            f = s.get("frame")
            if s.get("is_three") and f is not None and 0 <= int(f) < out.shape[1]:
                out[i, int(f)] = True
    return out


def build_mdp(ds: PossessionSet, cutoff: str, reward: str = "points",
              w: ReliableWeights | None = None, sim_cfg: SimConfig | None = None) -> OfflineMDP:
    """Decision points of every possession of ``ds`` (module docstring)."""
    sim_cfg = sim_cfg or SimConfig()
    a = ds.arrays
    holder = decision_holder(ds)
    cls = action_class(a["action"], a["pass_target"], holder)
    ok = a["frame_valid"] & a["valid"].all(-1) & (cls >= 0)
    rows, cols = np.nonzero(ok)                        # row-major: possessions, frames ascending
    fa = frame_arrays(a, rows, cols, ds.rate_hz, sim_cfg.player_speed_ftps)
    h = holder[rows, cols]
    sc = impute_shot_clock(ds)[rows, cols]
    obs = np.concatenate([_observe(fa, h, sc, sim_cfg, s) for s in _chunks(len(h))]) if len(h) \
        else np.zeros((0, OBS_DIM), np.float32)
    decider_xy = fa["positions"][np.arange(len(h)), h, :2]
    spot = three_spot(torch.from_numpy(decider_xy.astype(np.float32))).numpy()
    last = np.r_[rows[1:] != rows[:-1], True]
    meta = ds.meta
    truncated = meta["truncated"].to_numpy(bool) if "truncated" in meta else np.zeros(len(ds), bool)
    cut = truncated | meta["outcome"].isin(TRUNCATING_OUTCOMES).to_numpy()
    r = possession_rewards(ds, reward, w)
    return OfflineMDP(
        obs=obs, action=macro_of_class(cls[rows, cols], h), three=three_releases(ds)[rows, cols],
        three_spot=spot, reward=np.where(last, r[rows], 0.0).astype(np.float32),
        terminal=last & ~cut[rows], timeout=last & cut[rows], episode=rows.astype(np.int64),
        frame=cols.astype(np.int64), game_id=meta["game_id"].astype(str).to_numpy()[rows],
        cutoff=str(cutoff), reward_name=reward, move=movement_actions(ds, rows, cols, sim_cfg))


def movement_actions(ds: PossessionSet, rows: np.ndarray, t: np.ndarray, sim_cfg: SimConfig | None = None) -> np.ndarray:
    """(N, 10) float32 in [-1, 1]: the five attackers' velocities (vx, vy per slot 1..5) at
    frames t of possessions rows, over the speed cap: to the next frame when it is one
    interval later and fully tracked, else the velocity into the frame (0 at a first frame)."""
    cfg = sim_cfg or SimConfig()
    a = ds.arrays
    last = a["positions"].shape[1] - 1
    nxt = np.minimum(t + 1, last)
    dt = a["time_s"][rows, nxt] - a["time_s"][rows, t]
    ok = (t < last) & a["frame_valid"][rows, nxt] & a["valid"][rows, nxt].all(-1) & (np.abs(dt - 1 / ds.rate_hz) < 0.3 / ds.rate_hz)
    prv = np.maximum(t - 1, 0)
    fwd = (a["positions"][rows, nxt, 1:6, :2] - a["positions"][rows, t, 1:6, :2]) * ds.rate_hz
    back = (a["positions"][rows, t, 1:6, :2] - a["positions"][rows, prv, 1:6, :2]) * ds.rate_hz
    back = np.where((t > 0)[:, None, None], back, 0.0)
    vel = np.where(ok[:, None, None], fwd, back) / cfg.player_speed_ftps
    return np.clip(vel, -1.0, 1.0).reshape(len(rows), MOVE_DIM).astype(np.float32)


def _chunks(n: int, size: int = 50_000):
    return [slice(lo, min(lo + size, n)) for lo in range(0, n, size)]


def _observe(fa: dict, decider: np.ndarray, shot_clock: np.ndarray, cfg: SimConfig, s: slice) -> np.ndarray:
    """Decision-v0's observation of frames ``s``: each frame becomes the simulator start
    the env faces would build (the decider holding the ball), observed by the env's encoder."""
    sim = arrays_to_sim(fa["positions"][s], fa["velocities"][s], decider[s], shot_clock[s],
                        fa["game_clock"][s], fa["player_ids"][s, 1:6], "cpu", cfg=cfg)
    return observe_decision(sim, cfg.player_speed_ftps)


def windows(mdp: OfflineMDP, length: int) -> tuple[np.ndarray, np.ndarray]:
    """History windows: (N, length, OBS_DIM) float32 the ``length`` latest observations of
    the possession up to and including each decision point (oldest first, zero-padded at
    the front), and (N, length) bool mask of real entries. Windows never cross a
    possession boundary."""
    n = len(mdp)
    start = np.maximum.accumulate(np.where(mdp.episode_starts(), np.arange(n), 0))
    out = np.zeros((n, length, mdp.obs.shape[1]), np.float32)
    mask = np.zeros((n, length), bool)
    for lag in range(length):
        src = np.arange(n) - lag
        ok = src >= start
        out[ok, length - 1 - lag] = mdp.obs[src[ok]]
        mask[ok, length - 1 - lag] = True
    return out, mask


def stacked(mdp: OfflineMDP, k: int) -> np.ndarray:
    """(N, k * OBS_DIM) the last ``k`` observations flattened (frame stacking for the
    feed-forward and d3rlpy agents; zeros before a possession's first decision)."""
    w, _ = windows(mdp, k)
    return w.reshape(len(mdp), -1)
