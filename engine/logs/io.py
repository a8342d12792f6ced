"""One entry point for every tracking format: ``load_tracking(path)``.

The format is decided by the file name (``.json``, ``.json.gz``, ``.7z`` are raw
SportVU logs) and, for CSV, by the header (``ball_x`` means the wide per-moment
layout, anything else the tidy long layout with a configurable column map).
Every reader returns the same :class:`engine.schema.Game`.
"""

from __future__ import annotations

import glob
import os
from pathlib import Path

import pandas as pd

from engine.errors import HoopsimDataError
from engine.logs.tidy_csv import TidyColumns, read_tidy_csv
from engine.logs.wide_csv import read_wide_csv
from engine.schema import Game

TRACKING_SUFFIXES = (".json", ".json.gz", ".7z", ".csv", ".csv.gz")


def tracking_format(path: str | Path) -> str:
    """'sportvu', 'wide-csv' or 'tidy-csv' for a tracking file."""
    name = str(path).lower()
    if name.endswith((".json", ".json.gz", ".7z")):
        return "sportvu"
    if name.endswith((".csv", ".csv.gz")):
        try:
            header = pd.read_csv(path, nrows=0).columns
        except Exception as exc:  # any parser failure is bad input
            raise HoopsimDataError(str(path), "header", f"cannot read CSV header: {exc}") from exc
        return "wide-csv" if "ball_x" in header else "tidy-csv"
    raise HoopsimDataError(str(path), "file name", f"unknown tracking format (expected one of "
                           f"{', '.join(TRACKING_SUFFIXES)})")


def load_tracking(path: str | Path, limit: int | None = None,
                  columns: TidyColumns | None = None) -> Game:
    """Read one game's tracking file of any supported format into a Game.

    ``limit`` caps rows (CSV) or events (SportVU) for quick looks.
    """
    fmt = tracking_format(path)
    if fmt == "sportvu":
        from engine.logs.sportvu import read_sportvu
        return read_sportvu(path, limit_events=limit)
    if fmt == "wide-csv":
        return read_wide_csv(path, limit=limit)
    return read_tidy_csv(path, columns=columns, limit=limit)


def expand_paths(spec: str | list[str], suffixes: tuple[str, ...], base: str | Path = ".") -> list[str]:
    """A file, a directory or a glob (or a list of them), relative to ``base``, to a
    sorted list of files with one of ``suffixes``. Nothing found is an error."""
    specs = [spec] if isinstance(spec, (str, Path)) else list(spec)
    out: list[str] = []
    for s in specs:
        p = Path(os.path.expanduser(str(s)))
        p = p if p.is_absolute() else Path(base) / p
        if p.is_dir():
            found = [str(q) for q in sorted(p.iterdir()) if q.name.lower().endswith(suffixes)]
        else:
            found = sorted(glob.glob(str(p)))
        if not found:
            raise HoopsimDataError(str(p), "path", "no matching files")
        out += found
    return sorted(dict.fromkeys(out))
