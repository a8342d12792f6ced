"""Export the possession dataset as two tidy tables analysts can open anywhere.

possessions.parquet: one row per possession (the dataset's meta table).
frames.parquet: one row per (possession, frame, slot) for existing frames, with
x, y, z in feet (canonical orientation), player id, valid, handler and action.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from engine.atomic import write_bytes_atomic
from engine.possessions.dataset import jsonify_nested


def frame_table(ds) -> pd.DataFrame:
    a = ds.arrays
    n, t, s = a["valid"].shape
    poss, frame, slot = np.meshgrid(np.arange(n), np.arange(t), np.arange(s), indexing="ij")
    keep = np.repeat(a["frame_valid"][:, :, None], s, axis=2)
    pos = a["positions"]
    return pd.DataFrame({
        "possession": poss[keep], "frame": frame[keep], "slot": slot[keep],
        "player_id": np.broadcast_to(a["player_ids"][:, None, :], (n, t, s))[keep],
        "x": pos[..., 0][keep], "y": pos[..., 1][keep], "z": pos[..., 2][keep],
        "valid": a["valid"][keep],
        "time_s": np.repeat(a["time_s"][:, :, None], s, axis=2)[keep],
        "game_clock": np.repeat(a["game_clock"][:, :, None], s, axis=2)[keep],
        "shot_clock": np.repeat(a["shot_clock"][:, :, None], s, axis=2)[keep],
        "interpolated": np.repeat(a["interpolated"][:, :, None], s, axis=2)[keep],
        "is_handler": (a["handler"][:, :, None] == np.arange(s))[keep],
        "action": np.repeat(a["action"][:, :, None], s, axis=2)[keep],
    })


def _parquet_bytes(df: pd.DataFrame) -> bytes:
    import io
    buf = io.BytesIO()
    df.to_parquet(buf, index=False)
    return buf.getvalue()


def export_parquet(ds, out: str | Path) -> list[Path]:
    out = Path(out)
    meta = jsonify_nested(ds.meta)
    meta.insert(0, "possession", np.arange(len(meta)))
    return [write_bytes_atomic(out / "possessions.parquet", _parquet_bytes(meta)),
            write_bytes_atomic(out / "frames.parquet", _parquet_bytes(frame_table(ds)))]
