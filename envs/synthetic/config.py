"""The embedded default corpus: simulated games written as real-format logs.

A fresh clone has no real data, so hoopsim plays games in its own simulator
(:mod:`engine.sim.step`), writes them with the writers of the real formats (raw SportVU
``.json.gz`` + stats.nba.com play-by-play ``.csv.gz``) and ingests them through the
same readers. A game:

- two fictional teams; ``n_periods`` periods of ``seconds_per_period``; the visitors
  attack the right hoop in the first half, the home team in the second; the team that
  wins the opening tip has the ball first in periods 1 and 4, the other in 2 and 3;
- possessions alternate (an offensive rebound keeps the ball inside a possession);
  each one is a bring-up (the ball handler walks the ball from where the last play
  ended into the front court, the others jog to a 5-out formation, clocks running)
  then a half-court possession played by :func:`engine.sim.step.step`: the team's offense
  (``offenses``, scripted plays of :mod:`envs.offense`, drawn per team and game)
  against a scheme of :mod:`envs.defense` (``defenses``, drawn per possession), with
  makes, fouls, free throws, interceptions, live-ball turnovers and rebounds drawn
  from the shipped outcome models;
- tracking moments at the simulator's rate (``dt_s`` = 0.52 s, like the real 2 Hz
  extracts); play-by-play rows from the simulator's events, at whole seconds, with the
  real columns, descriptions (``MISS Name 18' Jump Shot``, ``3PT``, ``Free Throw 1 of
  2``, ``Bad Pass Turnover`` + ``STEAL``, ``Turnover: Shot Clock``), ``SCORE``
  ("visitor - home") on scoring rows and EVENTMSGTYPE codes, so possessions, points
  and shot positions can be checked exactly against what was simulated.

Modules: this one (config, teams, text), :mod:`envs.synthetic.sim` (batched
half-court runs), :mod:`envs.synthetic.play` (one possession's frames and rows),
:mod:`envs.synthetic.schedule` (periods of possessions in rounds),
:mod:`envs.synthetic.rows` (play-by-play text), :mod:`envs.synthetic.corpus` (games
and files).
"""

from __future__ import annotations

from dataclasses import dataclass

from engine.schema import Player, Team

# Bump when the same config would play different games (cached corpora keyed by it).
CORPUS_VERSION = 2
LAYUP_FT = 5


def _default_defenses() -> tuple[str, ...]:
    return ("man_to_man", "zone_2_3", "switch_everything")


@dataclass
class SyntheticConfig:
    """n_games games of n_periods x seconds_per_period; game ids count up from
    first_game_id (season "99": never a real game). offenses: names of
    envs.offense.OFFENSES, one drawn per team and game; defenses: names of
    envs.defense.DEFENSES, one drawn per possession. bring_up_frames: (min, max)
    simulator steps the bring-up takes (12..16 x 0.52 s, about when real offenses
    reach the front court; nobody runs faster than the measured speed cap). games_per_batch: games simulated together (memory ~ 30 MB per
    game). device: torch device of the simulator (the bytes written depend on it);
    threads: torch intra-op threads while simulating (the batches are many small ops:
    one thread is fastest and immune to a busy machine; 0 leaves torch's setting)."""

    n_games: int = 4
    n_periods: int = 4
    seconds_per_period: float = 720.0
    first_game_id: int = 29900001
    seed: int = 0
    offenses: tuple[str, ...] = ("scripted",)
    defenses: tuple[str, ...] = _default_defenses()
    bring_up_frames: tuple[int, int] = (12, 16)
    games_per_batch: int = 8
    device: str = "cpu"
    threads: int = 1

    def __post_init__(self) -> None:
        self.offenses, self.defenses = tuple(self.offenses), tuple(self.defenses)
        self.bring_up_frames = tuple(int(v) for v in self.bring_up_frames)
        if not self.offenses or not self.defenses:
            raise ValueError("SyntheticConfig needs at least one offense and one defense")
        if self.n_games < 0 or self.n_periods < 1 or self.seconds_per_period <= 0:
            raise ValueError("SyntheticConfig: n_games >= 0, n_periods >= 1 and "
                             "seconds_per_period > 0 are required")


def make_teams(game_index: int) -> tuple[Team, Team]:
    """Two fictional 13-player teams (ids outside the real NBA ranges): (visitor, home).
    The first five of each play the whole game."""
    teams = []
    for k, (city, nick, abbr) in enumerate((("Synth", "Visitors", "SYV"), ("Synth", "Hosts", "SYH"))):
        tid = 1610600000 + 10 * game_index + k
        players = [Player(9_000_000 + 1000 * game_index + 100 * k + i, f"P{i}", f"{abbr}{i}",
                          str(i + 1), "G" if i < 2 else ("F" if i < 4 else "C"))
                   for i in range(13)]
        teams.append(Team(tid, f"{city} {nick}", abbr, players))
    return teams[0], teams[1]


def attacks_right(team: int, period: int) -> bool:
    """Visitors (team 0) attack the right hoop in the first half, home (1) in the second."""
    return (team == 0) == (period <= 2)


def first_offense(tip_winner: int, period: int) -> int:
    """Team with the first possession of ``period``: the tip winner in periods 1 and 4
    (and overtimes), the other team in periods 2 and 3."""
    return tip_winner if period == 1 or period >= 4 else 1 - tip_winner


def shot_description(last: str, dist_ft: float, three: bool, made: bool, pts: int) -> str:
    """``Name 18' Jump Shot (12 PTS)`` / ``MISS Name 25' 3PT Jump Shot``; pts is the
    shooter's running total after the shot."""
    d = round(dist_ft)
    kind = "3PT Jump Shot" if three else ("Layup" if is_layup(dist_ft, three) else "Jump Shot")
    text = f"{last} {d}' {kind}"
    return f"{text} ({pts} PTS)" if made else f"MISS {text}"


def is_layup(dist_ft: float, three: bool) -> bool:
    """A finish at the rim (the plays' drives end 3-5 ft from the hoop)."""
    return not three and round(dist_ft) <= LAYUP_FT


def free_throw_description(last: str, i: int, n: int, made: bool, pts: int) -> str:
    return f"{last} Free Throw {i} of {n} ({pts} PTS)" if made else f"MISS {last} Free Throw {i} of {n}"


__all__ = [
    "CORPUS_VERSION",
    "SyntheticConfig",
    "attacks_right",
    "first_offense",
    "free_throw_description",
    "make_teams",
    "shot_description",
]
