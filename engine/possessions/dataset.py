"""The possession dataset: padded arrays + a metadata table, cached on disk.

Arrays (n possessions, T frames, 11 slots [ball, off_0..4, def_0..4]):
    positions    (n, T, 11, 3) float32 feet, canonical (offense attacks the right hoop)
    valid        (n, T, 11)    bool    entity tracked at that frame
    frame_valid  (n, T)        bool    frame exists (False for padding and gaps)
    interpolated (n, T)        bool    frame made by resampling, not a native moment
    handler      (n, T)        int8    slot holding the ball, -1 none / in flight
    action       (n, T)        int8    engine.possessions.labels.Action at decision points
    pass_target  (n, T)        int8    slot receiving a pass, -1 otherwise
    game_clock   (n, T)        float32 seconds left in the period
    shot_clock   (n, T)        float32 seconds, NaN missing
    time_s       (n, T)        float32 seconds since the possession's first frame
    player_ids   (n, 11)       int64   -1 ball, 0 empty slot
``meta`` is a DataFrame with one row per possession (ids, teams, clocks, outcome,
points, rewards, coverage, checks, split). The cache is a directory holding
``arrays.npz``, ``meta.parquet`` and ``manifest.json`` (schema version, config,
sources); it is written to a temporary directory and renamed, so a half-written
cache never exists.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from engine.atomic import atomic_path
from engine.errors import HoopsimDataError
from engine.runtime.shards import write_npz
from engine.schema import SCHEMA_VERSION


@dataclass
class PossessionSet:
    arrays: dict[str, np.ndarray]
    meta: pd.DataFrame
    rate_hz: float

    def __len__(self) -> int:
        return len(self.meta)

    def subset(self, mask: np.ndarray) -> "PossessionSet":
        mask = np.asarray(mask, bool)
        return PossessionSet({k: v[mask] for k, v in self.arrays.items()},
                             self.meta[mask].reset_index(drop=True), self.rate_hz)

    def possession(self, i: int):
        """Possession ``i`` as an engine.possessions.segment.Possession (existing frames only)."""
        from engine.possessions.segment import Possession

        a, keep = self.arrays, self.arrays["frame_valid"][i]
        row = self.meta.iloc[i].to_dict()
        shots = row.get("shots", [])
        shots = json.loads(shots) if isinstance(shots, str) else list(shots)
        return Possession(
            meta=row, positions=a["positions"][i][keep], valid=a["valid"][i][keep],
            player_ids=a["player_ids"][i], game_clock=a["game_clock"][i][keep].astype(np.float64),
            shot_clock=a["shot_clock"][i][keep].astype(np.float64),
            time_s=a["time_s"][i][keep].astype(np.float64),
            segment=np.zeros(int(keep.sum()), np.int32), handler=a["handler"][i][keep],
            action=a["action"][i][keep], pass_target=a["pass_target"][i][keep], shots=shots)

    def split(self, name: str) -> "PossessionSet":
        """'train' or 'test' possessions under the cutoff recorded in meta['split']."""
        return self.subset(self.meta["split"].to_numpy() == name)


def resample_possession(poss, rate_hz: float) -> dict[str, np.ndarray]:
    """Put one Possession on a regular time grid at ``rate_hz``.

    Grid frames between two native moments of one segment are linearly interpolated
    (positions, clocks) or copied from the earlier moment (labels kept only on frames
    that coincide with a native moment); grid frames in a gap are marked invalid.
    Returns the per-frame arrays of the module docstring (without player_ids), T = grid length.
    """
    t_native = poss.time_s
    if t_native.size == 0:
        return _empty_frames(0)
    grid = np.arange(0.0, t_native[-1] + 1e-9, 1.0 / rate_hz)
    j = np.clip(np.searchsorted(t_native, grid, side="right") - 1, 0, t_native.size - 1)
    k = np.clip(j + 1, 0, t_native.size - 1)
    exact = np.isclose(grid, t_native[j], atol=1e-6)
    same_seg = poss.segment[j] == poss.segment[k]
    frame_ok = exact | same_seg
    span = np.maximum(t_native[k] - t_native[j], 1e-9)
    w = np.where(exact, 0.0, (grid - t_native[j]) / span)
    pos = poss.positions[j] * (1 - w)[:, None, None] + poss.positions[k] * w[:, None, None]
    valid = poss.valid[j] & (exact[:, None] | poss.valid[k]) & frame_ok[:, None]
    lab = np.where(exact, 1, 0).astype(bool)
    out = {
        "positions": pos.astype(np.float32), "valid": valid, "frame_valid": frame_ok,
        "interpolated": ~exact & frame_ok,
        "handler": np.where(lab, poss.handler[j], -1).astype(np.int8),
        "action": np.where(lab, poss.action[j], -1).astype(np.int8),
        "pass_target": np.where(lab, poss.pass_target[j], -1).astype(np.int8),
        "game_clock": (poss.game_clock[j] * (1 - w) + poss.game_clock[k] * w).astype(np.float32),
        "shot_clock": (poss.shot_clock[j] * (1 - w) + poss.shot_clock[k] * w).astype(np.float32),
        "time_s": grid.astype(np.float32),
    }
    out["positions"][~valid] = 0.0
    return out


def native_frames(poss) -> dict[str, np.ndarray]:
    """One Possession's frames as they are (no resampling)."""
    t = poss.n_frames
    return {
        "positions": poss.positions.astype(np.float32), "valid": poss.valid,
        "frame_valid": np.ones(t, bool), "interpolated": np.zeros(t, bool),
        "handler": poss.handler, "action": poss.action, "pass_target": poss.pass_target,
        "game_clock": poss.game_clock.astype(np.float32),
        "shot_clock": poss.shot_clock.astype(np.float32), "time_s": poss.time_s.astype(np.float32),
    }


def _empty_frames(t: int) -> dict[str, np.ndarray]:
    return {"positions": np.zeros((t, 11, 3), np.float32), "valid": np.zeros((t, 11), bool),
            "frame_valid": np.zeros(t, bool), "interpolated": np.zeros(t, bool),
            "handler": np.full(t, -1, np.int8), "action": np.full(t, -1, np.int8),
            "pass_target": np.full(t, -1, np.int8), "game_clock": np.full(t, np.nan, np.float32),
            "shot_clock": np.full(t, np.nan, np.float32), "time_s": np.full(t, np.nan, np.float32)}


PAD = {"handler": -1, "action": -1, "pass_target": -1, "game_clock": np.nan,
       "shot_clock": np.nan, "time_s": np.nan}


def stack(frames: list[dict[str, np.ndarray]], player_ids: list[np.ndarray],
          max_frames: int) -> tuple[dict[str, np.ndarray], np.ndarray]:
    """Pad/truncate per-possession frame dicts to (n, max_frames, ...) arrays.

    Returns (arrays, truncated (n,) bool)."""
    n = len(frames)
    out = {}
    template = _empty_frames(max_frames)
    for name, arr in template.items():
        full = np.empty((n,) + arr.shape, arr.dtype)
        full[...] = PAD.get(name, 0)
        for i, f in enumerate(frames):
            m = min(f[name].shape[0], max_frames)
            full[i, :m] = f[name][:m]
        out[name] = full
    out["player_ids"] = np.stack(player_ids) if player_ids else np.zeros((0, 11), np.int64)
    truncated = np.array([f["positions"].shape[0] > max_frames for f in frames], bool)
    return out, truncated


def _jsonable(v):
    if isinstance(v, np.ndarray):
        return v.tolist()
    if isinstance(v, np.generic):
        return v.item()
    raise TypeError(f"not JSON serialisable: {type(v)}")


def jsonify_nested(meta: pd.DataFrame) -> pd.DataFrame:
    """Copy of ``meta`` with list / dict / array cells turned into JSON text (for parquet)."""
    meta = meta.copy()
    for col in meta.columns:
        if meta[col].dtype == object and meta[col].map(
                lambda v: isinstance(v, (list, dict, np.ndarray))).any():
            meta[col] = meta[col].map(lambda v: json.dumps(v, default=_jsonable))
    return meta


def save_cache(ds: PossessionSet, directory: str | Path, manifest: dict) -> Path:
    """Write the dataset atomically: a temporary sibling folder renamed into place."""
    directory = Path(directory)
    with atomic_path(directory) as tmp:
        tmp.mkdir()
        write_npz(tmp / "arrays.npz", ds.arrays)      # no clock inside: same arrays, same bytes
        jsonify_nested(ds.meta).to_parquet(tmp / "meta.parquet", index=False)
        full = {"schema_version": SCHEMA_VERSION, "rate_hz": ds.rate_hz, **manifest}
        (tmp / "manifest.json").write_text(json.dumps(full, indent=2, default=str))
    return directory


def cache_folder(path: str | Path) -> Path:
    """An ingest output folder or the ``possessions/`` cache inside it -> the cache folder."""
    path = Path(path).expanduser()
    inner = path / "possessions"
    return inner if (inner / "manifest.json").exists() else path


def cache_schema(directory: str | Path):
    """The schema version a cache folder was written with (None when unreadable)."""
    try:
        return json.loads((cache_folder(directory) / "manifest.json").read_text()).get("schema_version")
    except (OSError, ValueError):
        return None


def load_cache(directory: str | Path) -> tuple[PossessionSet, dict]:
    """Read a cache written by save_cache (or the ingest folder holding it); a wrong
    schema version is an error."""
    directory = cache_folder(directory)
    man_path = directory / "manifest.json"
    try:
        manifest = json.loads(man_path.read_text())
    except (OSError, ValueError) as exc:
        raise HoopsimDataError(str(man_path), "manifest", f"unreadable cache: {exc}") from exc
    if manifest.get("schema_version") != SCHEMA_VERSION:
        raise HoopsimDataError(str(man_path), "schema_version",
                               f"cache has {manifest.get('schema_version')}, code expects "
                               f"{SCHEMA_VERSION}: re-run ingest")
    with np.load(directory / "arrays.npz") as z:
        arrays = {k: z[k] for k in z.files}
    meta = pd.read_parquet(directory / "meta.parquet")
    return PossessionSet(arrays, meta, float(manifest["rate_hz"])), manifest
