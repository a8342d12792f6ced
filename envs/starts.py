"""Starting states of simulated possessions for the env faces: a start table of real
possessions' first set-up frames, or hand-placed named scenarios (no data needed).

Which frame is a real start and how a frame becomes simulator state (velocities from
the previous frame, capped; a missing shot clock becomes 24 s) is
:mod:`engine.sim.starts`, shared with offline RL; this module keeps the table around it
(splits, teams, sampling, files) and the scenarios.

Scenarios (:data:`SCENARIOS`) are realistic hand-placed set-ups: each defender stands
on his man's guard spot (a fifth of the way to the hoop), velocities are 0 and player
ids are 0 (league-average shooters).

:class:`StartStates` is a dataclass of (n, ...) arrays; it turns rows into an
:class:`engine.sim.step.SimState` with :meth:`StartStates.to_sim` and is saved to / loaded
from a small ``.npz`` (no pickles).
"""
from __future__ import annotations

from dataclasses import dataclass, fields
from pathlib import Path

import numpy as np
import torch

from engine.atomic import atomic_path
from engine.court import HOOP_Y, RIGHT_HOOP_X
from engine.possessions.dataset import PossessionSet
from engine.sim.starts import arrays_to_sim, first_setup_frames, frame_arrays
from engine.sim.step import SimConfig, SimState

GUARD_SAG = 0.2


@dataclass
class StartStates:
    """n starting states, canonical orientation, slots ``[ball, off_0..4, def_0..4]``.

    positions, velocities (n, 11, 3) float32 feet, ft/s; handler (n,) int8 slot 1..5;
    shot_clock, game_clock (n,) float32 seconds; player_ids (n, 11) int64 (-1 ball, 0
    unknown); game_id (n,) str; period (n,) int16; poss_index (n,) int32;
    offense_team_id (n,) int64 (0 unknown); offense (n,) str team abbreviation or '';
    frame (n,) int32 index of the start frame in its possession; name (n,) str
    scenario name ('' for real starts).
    """

    positions: np.ndarray
    velocities: np.ndarray
    handler: np.ndarray
    shot_clock: np.ndarray
    game_clock: np.ndarray
    player_ids: np.ndarray
    game_id: np.ndarray
    period: np.ndarray
    poss_index: np.ndarray
    offense_team_id: np.ndarray
    offense: np.ndarray
    frame: np.ndarray
    name: np.ndarray

    def __len__(self) -> int:
        return int(self.handler.shape[0])

    # ------------------------------------------------------------------ building
    @classmethod
    def from_dataset(cls, ds: PossessionSet, split: str | None = None, cutoff: str | int | None = None,
                     speed_cap_ftps: float = SimConfig.player_speed_ftps) -> "StartStates":
        """Real starts of ``ds``. split: None (all), 'train' or 'test'; with ``cutoff``
        (a game id) 'train' keeps games before it and 'test' the rest, else the
        dataset's own ``meta['split']`` is used. Possessions with no usable frame are
        skipped."""
        if split not in (None, "train", "test"):
            raise ValueError(f"split must be None, 'train' or 'test', got {split!r}")
        keep = np.ones(len(ds), bool)
        if split is not None and cutoff is not None:
            before = ds.meta["game_id"].astype(int).to_numpy() < int(cutoff)
            keep = before if split == "train" else ~before
        elif split is not None:
            keep = ds.meta["split"].to_numpy() == split
        rows, t0 = first_setup_frames(ds.arrays, keep)
        return cls._gather(ds, rows, t0, speed_cap_ftps)

    @classmethod
    def _gather(cls, ds: PossessionSet, rows: np.ndarray, t0: np.ndarray,
                speed_cap: float) -> "StartStates":
        meta = ds.meta.iloc[rows]
        f = frame_arrays(ds.arrays, rows, t0, ds.rate_hz, speed_cap)
        n = len(rows)
        offense = (meta["offense"].astype(str).to_numpy() if "offense" in meta
                   else np.full(n, "", dtype="<U1"))
        team = (meta["offense_team_id"].fillna(0).astype(np.int64).to_numpy()
                if "offense_team_id" in meta else np.zeros(n, np.int64))
        return cls(**f,
                   game_id=meta["game_id"].astype(str).to_numpy().astype(str),
                   period=meta["period"].astype(np.int16).to_numpy(),
                   poss_index=meta["poss_index"].astype(np.int32).to_numpy(),
                   offense_team_id=team, offense=offense.astype(str),
                   frame=t0.astype(np.int32), name=np.full(n, "", dtype="<U1"))

    # ------------------------------------------------------------------ selecting
    def subset(self, mask_or_index) -> "StartStates":
        idx = np.asarray(mask_or_index)
        return StartStates(**{f.name: getattr(self, f.name)[idx] for f in fields(self)})

    def for_team(self, team: str | int) -> "StartStates":
        """Starts whose offense is ``team`` (abbreviation or team id; NBA abbreviations
        map to ids through engine.teams when the starts carry ids only)."""
        from engine.teams import team_id

        if isinstance(team, (int, np.integer)) or str(team).isdigit():
            mask = self.offense_team_id == int(team)
        else:
            mask = np.char.upper(self.offense.astype(str)) == str(team).upper()
            if not mask.any() and team_id(str(team)) is not None:
                mask = self.offense_team_id == team_id(str(team))
        if not mask.any():
            raise ValueError(f"no start state has offense team {team!r}")
        return self.subset(mask)

    def index_of(self, name: str) -> int:
        hits = np.flatnonzero(self.name == name)
        if hits.size == 0:
            raise ValueError(f"unknown start {name!r}; named: {sorted(set(self.name) - {''})}")
        return int(hits[0])

    def sample(self, rng: np.random.Generator, n: int) -> np.ndarray:
        """n row indices drawn uniformly with replacement by ``rng`` (n int64)."""
        if len(self) == 0:
            raise ValueError("no start states to sample from")
        return rng.integers(0, len(self), size=n)

    # ------------------------------------------------------------------ to the sim
    def to_sim(self, indices, device: str | torch.device, outcome_tensors=None,
               cfg: SimConfig | None = None, lineup=None,
               dtype: torch.dtype = torch.float32) -> SimState:
        """Rows ``indices`` (b,) as a live :class:`SimState` on ``device``. Shooter logit
        offsets come from ``outcome_tensors.player_logit_adj`` of the offensive player
        ids (or of ``lineup``: 5 player ids replacing them); none without outcomes."""
        idx = np.atleast_1d(np.asarray(indices, np.int64))
        ids = self.player_ids[idx, 1:6]
        if lineup is not None:
            ids = np.broadcast_to(np.asarray(lineup, np.int64), ids.shape)
        return arrays_to_sim(self.positions[idx], self.velocities[idx], self.handler[idx],
                             self.shot_clock[idx], self.game_clock[idx], ids, device,
                             outcome_tensors, cfg, dtype)

    # ------------------------------------------------------------------ files
    def save(self, path: str | Path) -> Path:
        """Write a compressed ``.npz`` atomically (plain arrays, no pickles)."""
        path = Path(path)
        with atomic_path(path) as tmp:
            with open(tmp, "wb") as fh:
                np.savez_compressed(fh, **{f.name: getattr(self, f.name) for f in fields(self)})
        return path

    @classmethod
    def load(cls, path: str | Path) -> "StartStates":
        with np.load(Path(path), allow_pickle=False) as z:
            missing = [f.name for f in fields(cls) if f.name not in z.files]
            if missing:
                raise ValueError(f"{path}: not a start-state file, missing {missing}")
            return cls(**{f.name: z[f.name] for f in fields(cls)})

    @classmethod
    def concat(cls, parts: list["StartStates"]) -> "StartStates":
        return cls(**{f.name: np.concatenate([getattr(p, f.name) for p in parts])
                      for f in fields(cls)})


# ---------------------------------------------------------------------- scenarios
# name: (attackers (5, 2) feet, handler slot, shot clock s, game clock s)
SCENARIOS: dict[str, tuple[tuple[tuple[float, float], ...], int, float, float]] = {
    # five out: ball at the top, wings, both corners
    "top_of_key_5out": (((62.0, 25.0), (71.0, 5.5), (71.0, 44.5), (90.5, 3.0), (90.5, 47.0)),
                        1, 20.0, 600.0),
    # the big (off_1) sets a screen at the handler's left shoulder, shooters spaced
    "pick_and_roll_setup": (((63.0, 21.0), (64.5, 25.5), (72.0, 45.0), (90.5, 3.0),
                             (87.0, 44.0)), 1, 16.0, 480.0),
    # five out, 5 s on the shot clock: get a shot up
    "late_clock": (((65.0, 30.0), (71.0, 5.5), (72.0, 45.0), (90.5, 3.0), (62.0, 18.0)),
                   1, 5.0, 300.0),
    # low post entry made: the handler on the right block, back to the basket
    "post_up": (((84.5, 32.5), (63.0, 25.0), (71.0, 5.5), (90.5, 3.0), (74.0, 45.5)),
                1, 12.0, 200.0),
    # last shot of the period: the game clock runs out before the shot clock
    "end_of_period": (((63.0, 25.0), (71.0, 5.5), (71.0, 44.5), (90.5, 3.0), (90.5, 47.0)),
                      1, 14.0, 6.0),
}


def scenario_starts(names=None) -> StartStates:
    """The named scenarios (all, or those in ``names``) as StartStates."""
    names = list(SCENARIOS) if names is None else list(names)
    hoop = np.array([RIGHT_HOOP_X, HOOP_Y], np.float32)
    n = len(names)
    pos = np.zeros((n, 11, 3), np.float32)
    handler, sc, gc = np.zeros(n, np.int8), np.zeros(n, np.float32), np.zeros(n, np.float32)
    for i, name in enumerate(names):
        if name not in SCENARIOS:
            raise ValueError(f"unknown scenario {name!r}; known: {sorted(SCENARIOS)}")
        att, h, shot, game = SCENARIOS[name]
        att = np.asarray(att, np.float32)
        pos[i, 1:6, :2] = att
        pos[i, 6:11, :2] = att + GUARD_SAG * (hoop - att)
        pos[i, 0, :2] = att[h - 1]
        handler[i], sc[i], gc[i] = h, shot, game
    ids = np.zeros((n, 11), np.int64)
    ids[:, 0] = -1
    return StartStates(positions=pos, velocities=np.zeros_like(pos), handler=handler,
                       shot_clock=sc, game_clock=gc, player_ids=ids,
                       game_id=np.full(n, "", dtype="<U1"), period=np.ones(n, np.int16),
                       poss_index=np.zeros(n, np.int32), offense_team_id=np.zeros(n, np.int64),
                       offense=np.full(n, "", dtype="<U1"), frame=np.zeros(n, np.int32),
                       name=np.asarray(names, dtype=str))
