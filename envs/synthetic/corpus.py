"""Simulate the synthetic corpus and write it as real-format logs.

:func:`simulate_corpus` plays the games (``games_per_batch`` at a time, every period
of every game in one simulator batch, :mod:`envs.synthetic.schedule`) and yields a
:class:`SimGame` per game: the :class:`engine.schema.Game` with its tracking, the raw
play-by-play columns, and the simulator's own record of each possession.
:func:`write_corpus` writes ``tracking/<game_id>.json.gz`` (raw SportVU) and
``pbp/<game_id>.csv.gz`` (stats.nba.com play-by-play) per game, atomically, with a
progress bar, and returns the game ids. Every play-by-play row becomes one SportVU
event whose moments run from the previous row to 2-6 s past its own, so the events
overlap in time like the real logs.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import numpy as np
import pandas as pd
import torch
from tqdm import tqdm

from engine.logs.pbp import pbp_from_columns
from engine.logs.pbp_write import write_pbp
from engine.logs.rules import apply_rules
from engine.logs.sportvu_write import write_sportvu
from engine.runtime import torch_generator
from engine.schema import BALL_ID, Game, Provenance, Quality, SportVUEvent, Team
from envs.synthetic.config import SyntheticConfig, attacks_right, make_teams
from envs.synthetic.rows import pbp_columns, row_list
from envs.synthetic.schedule import PeriodRun, centre_court, play_periods
from envs.synthetic.sim import HalfCourtRunner

log = logging.getLogger(__name__)
TIP_OFF_MS = 1446000000000  # 2015-10-28 02:40 UTC
PERIOD_BREAK_MS = 130_000


@dataclass
class SimGame:
    """One simulated game: Game (tracking, rosters, SportVU events), raw play-by-play
    columns (HEADER -> strings) and ``possessions``: the simulator's record, one row
    per possession in time order (game_id, period, poss_seq, offense_team_id,
    defense_team_id, outcome, points, n_fga, n_shots, start_clock, end_clock, logged:
    False when nothing was logged, a period-end possession the play-by-play cannot
    show)."""

    game: Game
    pbp_columns: dict[str, list[str]]
    possessions: pd.DataFrame


def simulate_corpus(cfg: SyntheticConfig | None = None,
                    runner: HalfCourtRunner | None = None) -> Iterator[SimGame]:
    """Every game of the corpus in order (module docstring)."""
    cfg = cfg or SyntheticConfig()
    runner = runner or HalfCourtRunner(cfg.offenses, cfg.defenses, cfg.device)
    step = max(1, int(cfg.games_per_batch))
    for first in range(0, cfg.n_games, step):
        indices = range(first, min(first + step, cfg.n_games))
        runs = [run for g in indices for run in _period_runs(cfg, g)]
        gen = torch_generator(np.random.default_rng([cfg.seed, first]), runner.device)
        with _threads(cfg.threads):
            play_periods(runs, runner, cfg, gen)
        for g in indices:
            yield _assemble(cfg, g, [r for r in runs if r.game == g], runner.dt)


@contextmanager
def _threads(n: int):
    """torch's intra-op thread count set to ``n`` (0: unchanged) inside the block."""
    before = torch.get_num_threads()
    if n > 0:
        torch.set_num_threads(n)
    try:
        yield
    finally:
        torch.set_num_threads(before)


def _period_runs(cfg: SyntheticConfig, g: int) -> list[PeriodRun]:
    rng = np.random.default_rng([cfg.seed, g])
    tip = int(rng.integers(0, 2))
    offense_of = tuple(int(v) for v in rng.integers(0, len(cfg.offenses), 2))
    return [PeriodRun(g, p, tip, offense_of, float(cfg.seconds_per_period),
                      centre_court(0 if attacks_right(0, p) else 1))
            for p in range(1, cfg.n_periods + 1)]


def _assemble(cfg: SyntheticConfig, index: int, runs: list[PeriodRun], dt: float) -> SimGame:
    visitor, home = make_teams(index)
    gid = f"{cfg.first_game_id + index:010d}"
    offsets = np.concatenate([[0], np.cumsum([run.n_frames for run in runs])[:-1]])
    rows = row_list(runs, offsets.tolist(), cfg.seconds_per_period)
    game = _game(cfg, gid, index, (visitor, home), runs, rows, dt)
    cols = pbp_columns(rows, gid, (visitor, home))
    return SimGame(game, cols, _records(runs, gid, (visitor, home)))


def _records(runs: list[PeriodRun], gid: str, teams: tuple[Team, Team]) -> pd.DataFrame:
    recs = []
    for run in runs:
        for r in run.records:
            team = r["offense_team"]
            rest = {k: v for k, v in r.items() if k != "offense_team"}
            recs.append({"game_id": gid, **rest, "offense_team_id": teams[team].team_id,
                         "defense_team_id": teams[1 - team].team_id})
    return pd.DataFrame(recs)


def _game(cfg: SyntheticConfig, gid: str, index: int, teams: tuple[Team, Team],
          runs: list[PeriodRun], rows: list[dict], dt: float) -> Game:
    visitor, home = teams
    xyz, period, clock, shot, stamps = [], [], [], [], []
    for run in runs:
        n = run.n_frames
        xyz += [f[0] for f in run.frames]
        clock += [f[1] for f in run.frames]
        shot += [f[2] for f in run.frames]
        period.append(np.full(n, run.period, np.int16))
        base = (TIP_OFF_MS + 86_400_000 * index
                + (run.period - 1) * (int(cfg.seconds_per_period * 1000) + PERIOD_BREAK_MS))
        stamps.append(base + np.round(np.arange(1, n + 1) * dt * 1000).astype(np.int64))
    n = sum(run.n_frames for run in runs)
    ids = np.array([BALL_ID] + [p.player_id for t in teams for p in t.players[:5]], np.int64)
    tids = np.array([BALL_ID] + [visitor.team_id] * 5 + [home.team_id] * 5, np.int64)
    spans = _event_spans(rows, n, np.random.default_rng([cfg.seed, index, 99]), dt)
    first = np.full(n, -1, np.int32)
    for eid, (s, e) in reversed(list(enumerate(spans, start=1))):
        first[s:e] = eid
    arrays = dict(period=np.concatenate(period), game_clock=np.round(np.concatenate(clock), 2),
                  shot_clock=np.concatenate(shot), timestamp=np.concatenate(stamps),
                  event_id=first, entity_id=np.tile(ids, (n, 1)), team_id=np.tile(tids, (n, 1)),
                  xyz=np.round(np.concatenate(xyz), 5), valid=np.ones((n, 11), bool))
    quality = Quality()
    tracking = apply_rules(arrays, f"synthetic:{gid}", quality)
    events = [SportVUEvent(eid, e - s, np.arange(s, e, dtype=np.int64))
              for eid, (s, e) in enumerate(spans, start=1) if e > s]
    day = (date(2015, 10, 27) + timedelta(days=index)).isoformat()
    note = (f"seed={cfg.seed} index={index} offenses={list(cfg.offenses)} "
            f"defenses={list(cfg.defenses)}")
    return Game(gid, day, home, visitor, tracking, sportvu_events=events, quality=quality,
                provenance=Provenance(format="synthetic", notes=[note]))


def _event_spans(rows: list[dict], n: int, rng: np.random.Generator,
                 dt: float) -> list[tuple[int, int]]:
    """One SportVU event per play-by-play row, overlapping 2-6 s into the next."""
    frames = [r["frame"] for r in rows]
    overlap = np.round(rng.uniform(2, 6, len(frames)) / dt).astype(int)
    starts = [0] + frames[:-1]
    return [(min(s, n), min(e + o + 1, n)) for s, e, o in zip(starts, frames, overlap)]


def write_corpus(out_dir: str | Path, cfg: SyntheticConfig | None = None,
                 progress: bool = True) -> list[str]:
    """Simulate and write every game of the corpus; returns the game ids."""
    cfg = cfg or SyntheticConfig()
    out = Path(out_dir)
    (out / "tracking").mkdir(parents=True, exist_ok=True)
    (out / "pbp").mkdir(parents=True, exist_ok=True)
    ids = []
    games = simulate_corpus(cfg)
    for sim in tqdm(games, total=cfg.n_games, desc="synthesize", unit="game", disable=not progress):
        gid = sim.game.game_id
        write_sportvu(sim.game, out / "tracking" / f"{gid}.json.gz")
        write_pbp(pbp_from_columns(sim.pbp_columns, source=f"synthetic:{gid}"),
                  out / "pbp" / f"{gid}.csv.gz")
        ids.append(gid)
    return ids


__all__ = ["SimGame", "SyntheticConfig", "simulate_corpus", "write_corpus"]
