"""Wide per-moment tracking CSV: one row per moment, ten players side by side.

Layout (e.g. ``tracking_25hz/0021500001_1_5.csv``): quarter, moment_id (unix ms),
quarter_clock, shot_clock, ball_x, ball_y, ball_radius (ball height), then
player_k_id, player_k_team_id, player_k_x, player_k_y for k = 1..10. A player
whose cells are empty is missing for that moment (masked). The game id comes from
the file name's leading digits unless given. The shared data rules then apply
(a clock stepping back or a gap starts a new segment; shot clock > 24 is missing).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from engine.errors import HoopsimDataError
from engine.logs.csv_common import game_id_from, numeric_column, read_csv_safely
from engine.logs.rules import RulesConfig, apply_rules
from engine.schema import N_ENTITIES, Game, Player, Provenance, Team

BASE_COLUMNS = ["quarter", "moment_id", "quarter_clock", "shot_clock",
                "ball_x", "ball_y", "ball_radius"]
PLAYER_FIELDS = ["id", "team_id", "x", "y"]


def wide_columns(n_players: int = N_ENTITIES - 1) -> list[str]:
    """The full header of a wide file."""
    return BASE_COLUMNS + [f"player_{k}_{f}" for k in range(1, n_players + 1)
                           for f in PLAYER_FIELDS]


def read_wide_csv(path: str | Path, game_id: str | None = None, limit: int | None = None,
                  rules: RulesConfig | None = None) -> Game:
    """Read a wide per-moment CSV (.csv/.csv.gz) into a Game."""
    path = str(path)
    df = read_csv_safely(path, usecols=wide_columns(), nrows=limit)
    if df.empty:
        raise HoopsimDataError(path, "file", "no rows")
    col = {c: numeric_column(df, c, path, required=c in ("quarter", "quarter_clock"))
           for c in wide_columns()}
    m, e = len(df), N_ENTITIES
    xyz = np.zeros((m, e, 3))
    entity = np.zeros((m, e), np.int64)
    team = np.zeros((m, e), np.int64)
    xyz[:, 0] = np.stack([col["ball_x"], col["ball_y"], col["ball_radius"]], axis=1)
    entity[:, 0] = team[:, 0] = -1
    for k in range(1, e):
        xyz[:, k, 0] = col[f"player_{k}_x"]
        xyz[:, k, 1] = col[f"player_{k}_y"]
        entity[:, k] = np.nan_to_num(col[f"player_{k}_id"]).astype(np.int64)
        team[:, k] = np.nan_to_num(col[f"player_{k}_team_id"]).astype(np.int64)
    valid = np.isfinite(xyz[..., :2]).all(axis=-1) & ((entity != 0) | (np.arange(e) == 0))
    game = Game(game_id=game_id or game_id_from(path),
                provenance=Provenance(files=[path], format="wide-csv"))
    game.quality.entities_missing += int((~valid).sum())
    stamp = np.nan_to_num(col["moment_id"], nan=-1).astype(np.int64)
    if np.any(np.diff(stamp[stamp >= 0]) < 0):
        i = int(np.flatnonzero(np.diff(stamp) < 0)[0])
        raise HoopsimDataError(path, f"row {i + 3} (moment_id {stamp[i + 1]})",
                               "moment timestamp goes backwards")
    arrays = dict(period=np.nan_to_num(col["quarter"]), game_clock=col["quarter_clock"],
                  shot_clock=col["shot_clock"], timestamp=stamp,
                  event_id=np.full(m, -1, np.int32), entity_id=entity, team_id=team,
                  xyz=np.where(valid[..., None], np.nan_to_num(xyz), 0.0), valid=valid)
    game.tracking = apply_rules(arrays, path, game.quality, cfg=rules)
    game.home, game.visitor = _teams_in_order(entity, team)
    game.provenance.notes.append("home/visitor unknown in wide CSV: taken from slot order "
                                 "(players 1-5, 6-10) until play-by-play is attached")
    return game


def _teams_in_order(entity: np.ndarray, team: np.ndarray) -> tuple[Team | None, Team | None]:
    teams = []
    for tid in team[:, 1:].ravel():
        if tid > 0 and tid not in teams:
            teams.append(int(tid))
    out = []
    for tid in teams[:2]:
        ids = np.unique(entity[team == tid])
        out.append(Team(team_id=tid, players=[Player(int(i)) for i in ids]))
    out += [None] * (2 - len(out))
    return out[0], out[1]
