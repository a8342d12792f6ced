"""Simulate the synthetic corpus and write it as real-format logs.

``write_corpus(out_dir, cfg)`` writes ``tracking/<game_id>.json.gz`` (raw SportVU) and
``pbp/<game_id>.csv.gz`` (stats.nba.com play-by-play) per game, atomically, with a
progress bar, and returns the game ids. Every play-by-play row becomes one SportVU
event whose moments run from the previous row to a few seconds past its own, so the
events overlap in time like the real logs.
"""

from __future__ import annotations

import logging
from dataclasses import replace
from datetime import date, timedelta
from pathlib import Path

import numpy as np
from tqdm import tqdm

from engine.pbp import HEADER, pbp_from_columns
from engine.pbp_write import write_pbp
from engine.rules import apply_rules
from engine.schema import Game, Provenance, Quality, SportVUEvent
from engine.sportvu_write import write_sportvu
from envs.synthetic import SyntheticConfig
from envs.synthetic_play import Play

log = logging.getLogger(__name__)
TIP_OFF_MS = 1446000000000  # 2015-10-28 02:40 UTC


def simulate(cfg: SyntheticConfig, index: int) -> tuple[Game, dict[str, list[str]]]:
    """Game ``index`` of the corpus: (Game with tracking and events, raw play-by-play columns)."""
    rng = np.random.default_rng([cfg.seed, index])
    sim = Play(cfg, index, rng)
    offense = int(rng.integers(0, 2))
    for period in range(1, cfg.n_periods + 1):
        sim.period(period, offense if period % 2 else 1 - offense)
    gid = f"{cfg.first_game_id + index:010d}"
    game = _game(sim, gid, index)
    return game, _pbp_columns(sim, gid)


def _game(sim: Play, gid: str, index: int) -> Game:
    m = sim.log.moments
    n = len(m["game_clock"])
    ids, teams = sim.ids()
    stamps = TIP_OFF_MS + 86_400_000 * index + np.round(np.arange(n) * 1000 / sim.cfg.rate_hz)
    period = np.asarray(m["period"], np.int16)
    stamps = stamps + (period.astype(np.int64) - 1) * 130_000  # a break between periods
    spans, event_ids = _event_spans(sim, n)
    first = np.full(n, -1, np.int32)
    for (s, e), eid in reversed(list(zip(spans, event_ids))):
        first[s:e] = eid
    arrays = dict(period=period, game_clock=np.asarray(m["game_clock"]),
                  shot_clock=np.asarray(m["shot_clock"]), timestamp=stamps.astype(np.int64),
                  event_id=first, entity_id=np.tile(ids, (n, 1)), team_id=np.tile(teams, (n, 1)),
                  xyz=np.round(np.stack(m["xyz"]), 5), valid=np.ones((n, 11), bool))
    quality = Quality()
    tracking = apply_rules(arrays, f"synthetic:{gid}", quality)
    events = [SportVUEvent(int(eid), e - s, np.arange(s, e, dtype=np.int64))
              for eid, (s, e) in zip(event_ids, spans) if e > s]
    day = (date(2015, 10, 27) + timedelta(days=index)).isoformat()
    return Game(gid, day, sim.home, sim.visitor, tracking, sportvu_events=events,
                quality=quality, provenance=Provenance(format="synthetic",
                                                       notes=[f"seed={sim.cfg.seed} index={index}"]))


def _event_spans(sim: Play, n: int) -> tuple[list[tuple[int, int]], list[int]]:
    """One SportVU event per play-by-play row, overlapping 2-6 s into the next."""
    frames = [r["frame"] for r in sim.log.rows]
    overlap = (sim.rng.uniform(2, 6, len(frames)) * sim.cfg.rate_hz).astype(int)
    spans, starts = [], [0] + frames[:-1]
    for s, e, o in zip(starts, frames, overlap):
        spans.append((min(s, n), min(e + o, n)))
    return spans, list(range(1, len(frames) + 1))


def _pbp_columns(sim: Play, gid: str) -> dict[str, list[str]]:
    """Raw play-by-play columns (HEADER -> strings) in the real file's conventions."""
    cols: dict[str, list[str]] = {h: [] for h in HEADER}
    for num, r in enumerate(sim.log.rows, start=1):
        row = dict.fromkeys(HEADER, "")
        row.update(GAME_ID=gid, EVENTNUM=str(num), EVENTMSGTYPE=str(r["msg"]),
                   EVENTMSGACTIONTYPE=str(r["action"]), PERIOD=str(r["period"]),
                   WCTIMESTRING="7:30 PM", PCTIMESTRING=f"{r['clock'] // 60}:{r['clock'] % 60:02d}")
        _people(sim, row, r)
        if r["score"] is not None:
            v, h = r["score"]
            row["SCORE"] = f"{v} - {h}"
            row["SCOREMARGIN"] = "TIE" if v == h else str(h - v)
        for k, val in row.items():
            cols[k].append(val)
    return cols


def _people(sim: Play, row: dict, r: dict) -> None:
    teams = (sim.visitor, sim.home)
    for k, who in ((1, r["actor"]), (2, r["other"])):
        if who is None:
            row.update({f"PERSON{k}TYPE": "0.0" if k == 1 else "0", f"PLAYER{k}_ID": "0"})
            continue
        side, idx = who
        p, t = sim.on_court[side][idx], teams[side]
        row.update({f"PERSON{k}TYPE": ("5" if side == 0 else "4") + (".0" if k == 1 else ""),
                    f"PLAYER{k}_ID": str(p.player_id), f"PLAYER{k}_NAME": f"{p.first_name} {p.last_name}",
                    f"PLAYER{k}_TEAM_ID": f"{t.team_id}.0", f"PLAYER{k}_TEAM_CITY": t.name.split()[0],
                    f"PLAYER{k}_TEAM_NICKNAME": t.name.split()[1],
                    f"PLAYER{k}_TEAM_ABBREVIATION": t.abbreviation})
        desc_col = "VISITORDESCRIPTION" if side == 0 else "HOMEDESCRIPTION"
        row[desc_col] = r["desc"] if k == 1 else r["other_desc"]
    row["PERSON3TYPE"], row["PLAYER3_ID"] = "0", "0"


def write_corpus(out_dir: str | Path, cfg: SyntheticConfig | None = None,
                 progress: bool = True) -> list[str]:
    """Simulate and write every game of the corpus; returns the game ids."""
    cfg = cfg or SyntheticConfig()
    out = Path(out_dir)
    (out / "tracking").mkdir(parents=True, exist_ok=True)
    (out / "pbp").mkdir(parents=True, exist_ok=True)
    ids = []
    for i in tqdm(range(cfg.n_games), desc="synthesize", unit="game", disable=not progress):
        game, cols = simulate(cfg, i)
        write_sportvu(game, out / "tracking" / f"{game.game_id}.json.gz")
        write_pbp(pbp_from_columns(cols, source=f"synthetic:{game.game_id}"),
                  out / "pbp" / f"{game.game_id}.csv.gz")
        ids.append(game.game_id)
    return ids


__all__ = ["simulate", "write_corpus", "SyntheticConfig", "replace"]
