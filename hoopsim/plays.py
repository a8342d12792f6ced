"""Plays named on the command line (``<possession cache folder>:<index>``, 0-based as in
``hoopsim render index=``), their names and log rows, and the language-model options
shared by the language tasks (commentary, judge, coach)."""

from __future__ import annotations

import json
from pathlib import Path

from engine.errors import HoopsimDataError
from hoopsim.data import load_cached_possession
from hoopsim.errors import UsageError


def parse_play(spec: str) -> tuple[str, int]:
    """'folder:index' -> (folder, index); the last ':' splits."""
    folder, sep, index = str(spec).rpartition(":")
    if not sep or not folder:
        raise UsageError(f"play={spec!r}: write <possession cache folder>:<index>, e.g. runs/real:12")
    try:
        return folder, int(index)
    except ValueError:
        raise UsageError(f"play={spec!r}: the index after ':' must be an integer") from None


def load_play(spec: str):
    """(Possession, rate_hz, label) of a play spec."""
    folder, index = parse_play(spec)
    poss, rate = load_cached_possession(folder, index)
    return poss, rate, f"{Path(folder).name}:{index}"


def pbp_file(pbp: str, game_id: str) -> Path | None:
    """The play-by-play file of ``game_id`` under ``pbp`` (a file or a folder)."""
    path = Path(pbp).expanduser()
    if path.is_file():
        return path
    if not path.is_dir():
        raise FileNotFoundError(f"{path}: pbp folder or file not found")
    for suffix in (".csv.gz", ".csv"):
        hit = path / f"{game_id}{suffix}"
        if hit.is_file():
            return hit
    return None


def names_and_rows(poss, pbp: str | None):
    """(player id -> name, the log rows of this possession or None) from the game's
    play-by-play under ``pbp`` (None: no names, no rows)."""
    if not pbp:
        return {}, None
    from engine.logs.pbp import read_pbp
    from language.commentary import names_from_pbp

    game = str(poss.meta.get("game_id", ""))
    path = pbp_file(pbp, game)
    if path is None:
        raise HoopsimDataError(str(pbp), f"game {game}", "no play-by-play file for this game")
    events = read_pbp(path).events
    nums = poss.meta.get("event_nums", "[]")
    nums = json.loads(nums) if isinstance(nums, str) else list(nums)
    rows = events[events["event_num"].isin(nums) & (events["period"] == int(poss.meta.get("period", 1)))]
    return names_from_pbp(events), rows


def language_model(cfg):
    """The task's language model (language.lm.make_lm) from its lm / lm_url / lm_model /
    lm_timeout_s / lm_retries keys; None (one line printed) when none is installed."""
    from language.lm import NOT_INSTALLED, LMConfig, make_lm

    lm = make_lm(LMConfig(backend=cfg.lm, url=cfg.lm_url or "", model=cfg.lm_model or "",
                          timeout_s=cfg.lm_timeout_s, retries=cfg.lm_retries))
    if lm is None and cfg.lm != "none":
        print(NOT_INSTALLED)
    return lm


def write_play_cache(folder, trajectories: list, rate_hz: float, rows: list[dict]):
    """Simulated or planned trajectories (each (T_i, 11, 3) feet, canonical) -> a
    possession cache at ``folder`` that plays can name (``<folder>:<index>``); ``rows``:
    one metadata dict per trajectory (offense, defense, outcome, points, ...)."""
    import numpy as np
    import pandas as pd

    from engine.possessions.dataset import PossessionSet, save_cache

    n, t_max = len(trajectories), max((len(p) for p in trajectories), default=1)
    pos = np.zeros((n, t_max, 11, 3), np.float32)
    fv = np.zeros((n, t_max), bool)
    for i, p in enumerate(trajectories):
        pos[i, :len(p)] = p
        fv[i, :len(p)] = True
    time_s = np.broadcast_to(np.arange(t_max, dtype=np.float32) / rate_hz, (n, t_max)).copy()
    arrays = {"positions": pos, "valid": np.repeat(fv[..., None], 11, axis=-1), "frame_valid": fv,
              "interpolated": np.zeros((n, t_max), bool), "handler": np.full((n, t_max), -1, np.int8),
              "action": np.zeros((n, t_max), np.int8), "pass_target": np.full((n, t_max), -1, np.int8),
              "game_clock": (720.0 - time_s).astype(np.float32), "shot_clock": np.full((n, t_max), np.nan, np.float32),
              "time_s": time_s, "player_ids": np.tile(np.arange(11, dtype=np.int64), (n, 1))}
    arrays["player_ids"][:, 0] = -1
    meta = pd.DataFrame([{"game_id": "simulated", "period": 1, "poss_index": i, "shots": "[]",
                          "event_nums": "[]", "split": "test", "n_frames": len(p), **rows[i]}
                         for i, p in enumerate(trajectories)])
    return save_cache(PossessionSet(arrays, meta, float(rate_hz)), folder, {"source": "hoopsim simulate"})
