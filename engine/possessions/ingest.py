"""Ingest: tracking + play-by-play files -> possession dataset, summary and datasheet.

Files are paired by game id (a tracking game without play-by-play, or the reverse,
is a counted skip; a pairing whose ids disagree is an error). Each game is one unit
of the executor seam (engine.runtime.executor: in this process, ``workers`` local
processes, or Ray tasks) running ``ingest_game`` (read, segment, align, label); its result
can be kept as a per-game shard (resumption) and the games merge in file order, so every
executor writes the same dataset. A game whose input is bad is skipped and listed with
file, record and reason; the rest of the corpus still ingests.
"""

from __future__ import annotations

import logging
import math
import re
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from engine.errors import HoopsimDataError
from engine.logs.io import load_tracking
from engine.logs.pbp import check_score, read_pbp
from engine.logs.tidy_csv import TidyColumns
from engine.possessions.align import AlignConfig
from engine.possessions.dataset import (
    PossessionSet,
    native_frames,
    resample_possession,
    stack,
)
from engine.possessions.events import detect_events
from engine.possessions.features import possession_features
from engine.possessions.from_pbp import segment_possessions
from engine.possessions.labels import LabelConfig, decision_mask
from engine.possessions.segment import build_possessions
from engine.runtime.executor import ExecutorConfig, Unit, run_units
from engine.runtime.shards import ShardStore
from engine.rewards import (
    REWARD_COLUMNS,
    PlayBestTable,
    ReliableWeights,
    decision_shot_clock,
    playbest_reward,
    reliable_reward,
)

log = logging.getLogger(__name__)
OUTCOMES = ("made2", "made3", "free_throws", "missed_dreb", "turnover", "violation",
            "end_of_period")


@dataclass
class IngestConfig:
    periods: str | list[int] = "tracked"   # "tracked", "all", or a list of periods
    rate_hz: float | None = None           # None: native rate; else resample to this rate
    max_seconds: float = 40.0              # longer possessions are truncated (flagged)
    split_cutoff: str = "0021500500"       # game ids below are train, the rest test
    workers: int = 2
    reward: str = "playbest"               # which reward fills meta["reward"]: playbest | reliable | points
    tidy_columns: TidyColumns | None = None  # column map for tidy CSV tracking files
    playbest: PlayBestTable = field(default_factory=PlayBestTable)
    reliable: ReliableWeights = field(default_factory=ReliableWeights)
    align: AlignConfig = field(default_factory=AlignConfig)
    labels: LabelConfig = field(default_factory=LabelConfig)


def game_id_of(path: str) -> str | None:
    m = re.search(r"(\d{10})", Path(path).name)
    return m.group(1) if m else None


def pair_files(tracking: list[str], pbp: list[str]) -> tuple[list[tuple[str, str]], list[dict]]:
    """Pair files by the 10-digit game id in their names (one file each: paired as given,
    the ids inside are checked at ingest); unpaired files become skips."""
    if len(tracking) == 1 and len(pbp) == 1:
        return [(tracking[0], pbp[0])], []
    by_id = {game_id_of(p): p for p in pbp}
    pairs, skipped = [], []
    for path in tracking:
        gid = game_id_of(path)
        if gid in by_id:
            pairs.append((path, by_id.pop(gid)))
        else:
            skipped.append({"file": path, "record": "file", "reason": "no play-by-play for this game"})
    return pairs, skipped


def _periods(cfg: IngestConfig, tracked: list[int], all_periods: list[int]) -> list[int]:
    if cfg.periods == "tracked":
        return tracked
    if cfg.periods == "all":
        return all_periods
    return [int(p) for p in cfg.periods]


def ingest_game(tracking_path: str, pbp_path: str, cfg: IngestConfig) -> dict:
    """One game -> {"summary": dict, "frames": [...], "player_ids": [...], "meta": [...]}."""
    game = load_tracking(tracking_path, columns=cfg.tidy_columns)
    pbp = read_pbp(pbp_path)
    if pbp.game_id != game.game_id:
        raise HoopsimDataError(pbp_path, "GAME_ID", f"play-by-play is game {pbp.game_id} but "
                               f"{tracking_path} is game {game.game_id}")
    game.pbp = pbp
    if not game.has_tracking:
        raise HoopsimDataError(tracking_path, "moments", "game has no tracking")
    track = game.tracking
    all_periods = sorted(int(p) for p in pbp.events["period"].unique())
    periods = _periods(cfg, sorted({int(p) for p in track.period}), all_periods)
    poss = segment_possessions(pbp, periods=periods)
    built = build_possessions(track, poss, pbp.events, cfg.align, cfg.labels)
    frames, metas = [], []
    ev = _event_arrays(pbp.events)
    abbr = team_abbreviations(pbp.events)
    for p in built:
        rows = _rows_of(ev, p.meta)
        events = detect_events(p, rows)
        meta = {k: v for k, v in p.meta.items() if k != "shot_event_nums"}
        meta.update(possession_features(p, events))
        meta["shots"] = p.shots
        meta["reward_playbest"] = playbest_reward(rows, p.meta["offense_team_id"], cfg.playbest)
        end_shot = decision_shot_clock(p.shot_clock, decision_mask(p.handler, p.action))
        meta["reward_reliable"] = reliable_reward(p.meta["points"], float(end_shot),
                                                  float(p.meta["end_clock"]), cfg.reliable)
        meta["reward"] = meta[REWARD_COLUMNS[cfg.reward]]
        meta["n_events"] = len(events)
        meta["offense"] = abbr.get(int(p.meta["offense_team_id"]), str(p.meta["offense_team_id"]))
        meta["defense"] = abbr.get(int(p.meta["defense_team_id"]), str(p.meta["defense_team_id"]))
        metas.append(meta)
        frames.append(native_frames(p) if cfg.rate_hz is None
                      else resample_possession(p, cfg.rate_hz))
    summary = _summary(game, poss, periods, frames, track.rate_hz, cfg)
    summary["score_mismatches"] = [m for m in check_score(pbp) if m["period"] in periods]
    summary["low_coverage"] = low_coverage(game.game_id, period_coverage(track, pbp.events, periods))
    ids = np.array([m["event_id_consistency"] for m in metas], float)
    summary["event_id_consistency"] = float(np.nanmean(ids)) if np.isfinite(ids).any() else None
    return {"summary": summary, "frames": frames, "player_ids": [p.player_ids for p in built],
            "meta": metas, "quality": game.quality.as_dict()}


MIN_PERIOD_COVERAGE = 0.5   # a tracked period below this share of its clock is reported
MAX_CLOCK_GAP_S = 2.0       # clock gaps longer than this between moments count as untracked


def period_coverage(track, events: pd.DataFrame, periods: list[int]) -> dict[int, float]:
    """{period: share of its play-by-play clock span (s) covered by tracked moments} for
    each period in ``periods`` that has tracking. A moment covers the clock up to the next
    one when the gap is at most MAX_CLOCK_GAP_S (stoppages repeat clock values)."""
    shares = {}
    for period in periods:
        clock = np.unique(track.game_clock[track.period == period])
        pbp_clock = events.loc[events["period"] == period, "clock"].to_numpy(float)
        if clock.size == 0 or pbp_clock.size == 0:
            continue
        span_s = float(pbp_clock.max() - pbp_clock.min())
        gaps = np.diff(clock)
        covered_s = float(gaps[gaps <= MAX_CLOCK_GAP_S].sum())
        shares[int(period)] = min(1.0, covered_s / span_s) if span_s > 0 else 1.0
    return shares


def low_coverage(game_id: str, shares: dict[int, float]) -> list[dict]:
    """Periods whose tracking covers less than MIN_PERIOD_COVERAGE of their clock."""
    return [{"game_id": game_id, "period": p, "covered_share": round(s, 3)}
            for p, s in sorted(shares.items()) if s < MIN_PERIOD_COVERAGE]


EVENT_COLUMNS = ("event_num", "msg_type", "period", "clock", "team_id", "is_three", "ft_made",
                 "is_offensive_rebound")


def team_abbreviations(events: pd.DataFrame) -> dict[int, str]:
    """{team_id: abbreviation} from the play-by-play's player columns."""
    rows = events[["player1_team_id", "player1_team_abbreviation"]].dropna()
    rows = rows[rows["player1_team_abbreviation"] != ""]
    return {int(team): str(abbr) for team, abbr in zip(rows["player1_team_id"], rows["player1_team_abbreviation"])}


def _event_arrays(events: pd.DataFrame) -> dict[str, np.ndarray]:
    """The play-by-play columns the per-possession loop needs, as plain numpy arrays
    (pandas indexing per possession costs more than the rest of ingest together)."""
    arrays = {c: events[c].to_numpy() for c in EVENT_COLUMNS if c != "team_id"}
    arrays["team_id"] = events["team_id"].fillna(-1).to_numpy(dtype=np.int64)
    for c in ("is_three", "ft_made", "is_offensive_rebound"):
        arrays[c] = arrays[c].astype(bool)
    return arrays


def _rows_of(ev: dict[str, np.ndarray], meta: dict) -> dict[str, np.ndarray]:
    """Play-by-play rows of a possession: its event numbers when the segmentation lists
    them, else its period and clock span."""
    nums = meta.get("event_nums")
    if nums is not None and len(nums):
        keep = np.isin(ev["event_num"], np.asarray(list(nums)))
    else:
        keep = ((ev["period"] == meta["period"]) & (ev["clock"] <= meta["start_clock"])
                & (ev["clock"] >= meta["end_clock"]))
    return {k: v[keep] for k, v in ev.items()}


def _summary(game, poss: pd.DataFrame, periods: list[int], frames: list[dict],
             native_rate: float, cfg: IngestConfig) -> dict:
    teams = sorted({int(team) for team in poss["offense_team_id"]})
    counts = poss.groupby("offense_team_id").size()
    points = poss.groupby("offense_team_id")["points"].sum()
    outcomes = poss["outcome"].value_counts()
    return {
        "game_id": game.game_id,
        "periods": periods,
        "possessions": {str(team): int(counts.get(team, 0)) for team in teams},
        "points": {str(team): int(points.get(team, 0)) for team in teams},
        "frames": {"native": int(len(game.tracking)),
                   "resampled": int(sum(int(f["frame_valid"].sum()) for f in frames)),
                   "rate_hz": float(cfg.rate_hz or native_rate)},
        "outcomes": {o: int(outcomes.get(o, 0)) for o in OUTCOMES},
    }


def ingest_unit(args: tuple[str, str], cfg: IngestConfig) -> dict:
    """The unit function of one game: ``ingest_game``'s result, or ``{"error": ...}``
    (file, record, reason) when its input is bad (a skip, not a failed unit)."""
    tracking_path, pbp_path = args
    try:
        return ingest_game(tracking_path, pbp_path, cfg)
    except HoopsimDataError as exc:
        return {"error": {"file": exc.file, "record": exc.record, "reason": exc.problem}}


def game_units(pairs: list[tuple[str, str]]) -> list[Unit]:
    """One unit per (tracking, pbp) pair, keyed by its position and file name."""
    return [Unit(f"game/{i:05d}/{Path(t).name}", (t, p), source=t) for i, (t, p) in enumerate(pairs)]


def ingest(tracking: list[str], pbp: list[str], cfg: IngestConfig | None = None,
           progress: bool = True, executor: ExecutorConfig | None = None,
           store: ShardStore | None = None) -> tuple[PossessionSet, dict]:
    """Ingest paired files. Returns the dataset and the summary dict; the caller writes
    the cache (hoopsim ingest, engine.possessions.api.load_possessions). ``executor``:
    where the games run (default: ``cfg.workers`` local processes); ``store``: per-game
    shards kept for a rerun."""
    cfg = cfg or IngestConfig()
    if cfg.reward not in REWARD_COLUMNS:
        raise HoopsimDataError("config", "reward", f"unknown reward {cfg.reward!r}; "
                               f"choose one of {sorted(REWARD_COLUMNS)}")
    pairs, skipped = pair_files(tracking, pbp)
    executor = executor or ExecutorConfig(workers=cfg.workers if len(pairs) > 1 else 1)
    results = run_units(ingest_unit, game_units(pairs), cfg, executor, store, desc="ingest",
                        progress=progress)
    good = [r for r in results if "error" not in r]
    skipped += [r["error"] for r in results if "error" in r]
    for s in skipped:
        log.warning("skipped %s (%s): %s", s["file"], s["record"], s["reason"])
    for r in good:
        for low in r["summary"]["low_coverage"]:
            log.warning("game %s period %d: tracking covers %.0f%% of the play-by-play clock",
                        low["game_id"], low["period"], 100 * low["covered_share"])
    return _assemble(good, skipped, cfg)


def _assemble(good: list[dict], skipped: list[dict], cfg: IngestConfig) -> tuple[PossessionSet, dict]:
    frames = [f for r in good for f in r["frames"]]
    ids = [i for r in good for i in r["player_ids"]]
    meta = pd.DataFrame([m for r in good for m in r["meta"]])
    rates = [r["summary"]["frames"]["rate_hz"] for r in good]
    rate = float(cfg.rate_hz or (np.median(rates) if rates else 25.0))
    max_frames = int(math.ceil(cfg.max_seconds * rate)) + 1
    arrays, truncated = stack(frames, ids, max_frames)
    if len(meta):
        meta["truncated"] = truncated
        meta["split"] = np.where(meta["game_id"] < cfg.split_cutoff, "train", "test")
    games = [r["summary"] for r in good]
    summary = {"schema_version": 1, "config": _plain(cfg), "games": games,
               "totals": _totals(games, meta, good), "skipped": skipped}
    return PossessionSet(arrays, meta, rate), summary


def _totals(games: list[dict], meta: pd.DataFrame, good: list[dict]) -> dict:
    totals = {"games": len(games),
           "score_mismatches": int(sum(len(g["score_mismatches"]) for g in games)),
           "possessions": int(sum(sum(g["possessions"].values()) for g in games)),
           "points": int(sum(sum(g["points"].values()) for g in games)),
           "outcomes": {o: int(sum(g["outcomes"][o] for g in games)) for o in OUTCOMES},
           "frames_native": int(sum(g["frames"]["native"] for g in games)),
           "low_coverage": [low for g in games for low in g.get("low_coverage", [])]}
    if len(meta):
        cov = meta["coverage"].to_numpy()
        totals["tracked_share"] = {q: float(np.percentile(cov, v)) for q, v in
                                (("p10", 10), ("p25", 25), ("median", 50), ("p75", 75), ("p90", 90))}
        totals["tracked_share"]["mean"] = float(cov.mean())
        checks = meta["side_check"].dropna().astype(bool)
        totals["offense_side_match"] = float(checks.mean()) if len(checks) else None
        totals["split_counts"] = meta["split"].value_counts().to_dict()
    quality = pd.DataFrame([r["quality"] for r in good]).sum().to_dict() if good else {}
    totals["dropped"] = {k: int(v) for k, v in quality.items()}
    return totals


def _plain(cfg) -> dict:
    d = asdict(cfg)
    return {k: (list(v) if isinstance(v, tuple) else v) for k, v in d.items()}

