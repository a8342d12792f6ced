"""The embedded default corpus: synthetic games written as real-format logs.

A fresh clone has no real data, so hoopsim generates a small corpus, writes it with
the same writers the real formats use (raw SportVU ``.json.gz`` + stats.nba.com
play-by-play ``.csv.gz``) and ingests it through the same readers. The games are a
simple but consistent simulation, not a model of the NBA:

- the offense walks to five half-court spots of the hoop it attacks (sides switch at
  half time), defenders shadow their man between him and the hoop;
- the handler holds, passes (the ball flies to the receiver), drives toward the rim,
  or shoots; a shot's make probability falls with distance; misses are rebounded by
  the defense 73% of the time; some passes are stolen; some shots draw a shooting foul
  and free throws (the clock stops during them);
- every play-by-play row is logged 0-2 s after the tracked action, at whole seconds,
  with the real columns, descriptions ("MISS Name 18' Jump Shot", "3PT"), SCORE
  ("visitor - home") on scoring rows and EVENTMSGTYPE codes, so possessions, points
  and shot alignment can be checked exactly against what was simulated.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from engine.court import COURT_LENGTH, HOOP_Y, distance_to_hoop, hoop_xy, is_three
from engine.schema import BALL_ID, N_ENTITIES, Player, Team

SPOTS = np.array([[24.0, 25.0], [20.0, 8.0], [20.0, 42.0], [3.0, 3.5], [8.0, 18.0]])  # from hoop baseline


@dataclass
class SyntheticConfig:
    n_games: int = 4
    n_periods: int = 2
    seconds_per_period: float = 720.0
    rate_hz: float = 25.0
    first_game_id: int = 29900001          # season "99": never a real game id
    seed: int = 0
    make_prob_rim: float = 0.62
    make_prob_slope: float = 0.012         # per foot of distance
    oreb_rate: float = 0.27
    steal_per_pass: float = 0.035
    foul_per_shot: float = 0.08
    ft_pct: float = 0.76
    max_speed_ftps: float = 16.0


@dataclass
class SimLog:
    """What one game's simulation produced: moment arrays and play-by-play rows."""

    moments: dict[str, list] = field(default_factory=lambda: {
        "period": [], "game_clock": [], "shot_clock": [], "xyz": []})
    rows: list[dict] = field(default_factory=list)


class GameSim:
    """Simulates one game step by step (one step = one tracking frame)."""

    def __init__(self, cfg: SyntheticConfig, game_index: int, rng: np.random.Generator):
        self.cfg, self.rng = cfg, rng
        self.dt = 1.0 / cfg.rate_hz
        self.visitor, self.home = make_teams(rng, game_index)
        self.on_court = [t.players[:5] for t in (self.visitor, self.home)]
        self.score = [0, 0]  # visitor, home
        self.log = SimLog()
        self.pos = np.zeros((10, 2))  # visitors 0-4, home 5-9
        self.ball = np.zeros(3)

    # ---- geometry -------------------------------------------------------------
    def attacks_right(self, team: int, period: int) -> bool:
        """Visitors (0) attack right in the first half, home in the second."""
        first_half = period <= 2
        return (team == 0) == first_half

    def spots(self, team: int, period: int) -> np.ndarray:
        right = self.attacks_right(team, period)
        hx, _ = hoop_xy("right" if right else "left")
        s = SPOTS + self.rng.normal(0, 1.5, SPOTS.shape)
        x = hx - s[:, 0] if right else hx + s[:, 0]
        return np.column_stack([np.clip(x, 1, COURT_LENGTH - 1), np.clip(s[:, 1], 1, 49)])

    def move(self, targets: np.ndarray, speed: float | None = None) -> None:
        step = targets - self.pos
        dist = np.linalg.norm(step, axis=1, keepdims=True)
        vmax = (speed or self.cfg.max_speed_ftps) * self.dt
        self.pos += step * np.minimum(1.0, vmax / np.maximum(dist, 1e-9))

    # ---- recording ------------------------------------------------------------
    def record(self, period: int, clock: float, shot_clock: float | None) -> None:
        xyz = np.zeros((N_ENTITIES, 3))
        xyz[0] = self.ball
        xyz[1:, :2] = self.pos
        m = self.log.moments
        m["period"].append(period)
        m["game_clock"].append(round(max(clock, 0.0), 2))
        m["shot_clock"].append(np.nan if shot_clock is None else round(max(shot_clock, 0.0), 2))
        m["xyz"].append(xyz)

    def ids(self) -> tuple[np.ndarray, np.ndarray]:
        """(11,) player ids and team ids of the slots (ball, visitors, home)."""
        pid = [BALL_ID] + [p.player_id for side in self.on_court for p in side]
        tid = [BALL_ID] + [self.visitor.team_id] * 5 + [self.home.team_id] * 5
        return np.array(pid, np.int64), np.array(tid, np.int64)


def make_teams(rng: np.random.Generator, game_index: int) -> tuple[Team, Team]:
    """Two fictional 13-player teams (ids outside the real NBA ranges)."""
    teams = []
    for k, (city, nick, abbr) in enumerate((("Synth", "Visitors", "SYV"), ("Synth", "Hosts", "SYH"))):
        tid = 1610600000 + 10 * game_index + k
        players = [Player(9_000_000 + 1000 * game_index + 100 * k + i, f"P{i}", f"{abbr}{i}",
                          str(i + 1), "G" if i < 2 else ("F" if i < 4 else "C"))
                   for i in range(13)]
        teams.append(Team(tid, f"{city} {nick}", abbr, players))
    return teams[0], teams[1]


def shot_description(last: str, dist_ft: float, three: bool, made: bool, pts: int) -> str:
    d = int(round(dist_ft))
    kind = "3PT Jump Shot" if three else ("Layup" if d <= 3 else "Jump Shot")
    text = f"{last} {d}' {kind}"
    return f"{text} ({pts} PTS)" if made else f"MISS {text}"


def make_probability(cfg: SyntheticConfig, dist_ft: float) -> float:
    return float(np.clip(cfg.make_prob_rim - cfg.make_prob_slope * dist_ft, 0.05, 0.95))


__all__ = ["SyntheticConfig", "GameSim", "make_teams", "shot_description", "make_probability",
           "distance_to_hoop", "is_three", "HOOP_Y"]
