"""Byte-faithful writer of stats.nba.com play-by-play CSV (the reader is engine.logs.pbp).

Values are formatted as the real files are (PERSON1TYPE "4.0", team ids "1610612741.0",
empty cells empty, the source's line endings), so every real file read with
:func:`engine.logs.pbp.read_pbp` is written back byte-identical once decompressed.
"""

from __future__ import annotations

import csv
import gzip
import io
from pathlib import Path

import numpy as np
import pandas as pd

from engine.atomic import write_bytes_atomic
from engine.logs.pbp import COLUMNS, HEADER, PlayByPlay
from engine.schema import normalize_game_id


def _fmt_numbers(s: pd.Series) -> list[str]:
    """Like pandas' CSV writer: a column with any empty value is float ("4.0"), else int."""
    missing = s.isna().to_numpy()
    text = s.fillna(0).to_numpy(dtype=np.int64).astype(str).astype(object)
    if missing.any():
        text = text + ".0"
        text[missing] = ""
    return text.tolist()


def _text(v: object) -> str:
    return v if isinstance(v, str) else "" if pd.isna(v) else str(v)


def _fmt_clock(seconds: float) -> str:
    whole = round(seconds)
    if abs(seconds - whole) < 1e-6:
        return f"{whole // 60}:{whole % 60:02d}"
    return f"{int(seconds // 60)}:{seconds % 60:04.1f}"


def _raw_columns(ev: pd.DataFrame) -> dict[str, list[str]]:
    n = len(ev)
    out: dict[str, list[str]] = {}
    for rawname, name, kind in COLUMNS:
        if kind == "game":
            out[rawname] = [normalize_game_id(v) for v in ev["game_id"].tolist()]
        elif kind in ("int", "int?"):
            out[rawname] = _fmt_numbers(ev[name]) if name in ev else ["0"] * n
        elif kind == "str":
            out[rawname] = [_text(v) for v in ev[name].tolist()] if name in ev else [""] * n
        elif kind == "clock":
            out[rawname] = [_fmt_clock(float(v)) for v in ev["clock"]]
    vis = ev["score_visitor"] if "score_visitor" in ev else pd.Series([pd.NA] * n)
    home = ev["score_home"] if "score_home" in ev else pd.Series([pd.NA] * n)
    out["SCORE"] = ["" if pd.isna(v) or pd.isna(h) else f"{int(v)} - {int(h)}"
                    for v, h in zip(vis, home)]
    margin = ev["score_margin"] if "score_margin" in ev else (home - vis).astype("Int64")
    out["SCOREMARGIN"] = ["" if pd.isna(m) else "TIE" if m == 0 else str(int(m)) for m in margin]
    return out


def write_pbp(pbp: PlayByPlay, path: str | Path) -> Path:
    """Write ``pbp`` as a stats.nba.com CSV (``.csv`` or ``.csv.gz``), rows in source order.

    Values are formatted as the real files are, so a file read with :func:`engine.logs.pbp.read_pbp` is
    written back byte-identical (decompressed). Written to a temporary file, then renamed.
    """
    ev = pbp.events
    if "file_row" in ev:
        ev = ev.sort_values("file_row", kind="stable")
    cols = _raw_columns(ev.reset_index(drop=True))
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator=pbp.line_terminator)
    writer.writerow(HEADER)
    writer.writerows(zip(*(cols[h] for h in HEADER)))
    data = buf.getvalue().encode("utf-8")
    if str(path).endswith(".gz"):
        data = gzip.compress(data, mtime=0)
    return write_bytes_atomic(path, data)
