"""Shared helpers for the CSV tracking readers: safe reading and error wrapping."""

from __future__ import annotations

import gzip
import re
import zlib
from pathlib import Path

import numpy as np
import pandas as pd

from engine.errors import HoopsimDataError
from engine.schema import normalize_game_id


def read_csv_safely(path: str | Path, usecols: list[str] | None = None,
                    nrows: int | None = None) -> pd.DataFrame:
    """pandas.read_csv that only ever raises HoopsimDataError (names file and problem)."""
    path = str(path)
    try:
        header = pd.read_csv(path, nrows=0).columns.tolist()
        if usecols is not None:
            missing = [c for c in usecols if c not in header]
            if missing:
                raise HoopsimDataError(path, "header", f"missing column(s) {missing}")
        return pd.read_csv(path, usecols=usecols, nrows=nrows, low_memory=False)
    except HoopsimDataError:
        raise
    except (OSError, EOFError, zlib.error, gzip.BadGzipFile, UnicodeDecodeError,
            pd.errors.ParserError, pd.errors.EmptyDataError, ValueError) as exc:
        raise HoopsimDataError(path, "file", f"cannot parse CSV: {exc}") from exc


def numeric_column(df: pd.DataFrame, col: str, path: str, required: bool = True) -> np.ndarray:
    """Column as float64; non-numeric text raises HoopsimDataError naming the first bad row."""
    values = pd.to_numeric(df[col], errors="coerce")
    bad = values.isna() & df[col].notna()
    if bad.any():
        row = int(np.flatnonzero(bad.to_numpy())[0])
        raise HoopsimDataError(path, f"row {row + 2} column {col}",
                               f"not a number: {df[col].iloc[row]!r}")
    arr = values.to_numpy(dtype=np.float64, na_value=np.nan)
    if required and np.isnan(arr).all() and len(arr):
        raise HoopsimDataError(path, f"column {col}", "no values")
    return arr


def game_id_from(path: str | Path, values: np.ndarray | None = None) -> str:
    """Game id from a column's most common value, else the first 10-digit run in the name."""
    if values is not None:
        finite = values[np.isfinite(values)]
        if finite.size:
            ids, counts = np.unique(finite.astype(np.int64), return_counts=True)
            return normalize_game_id(int(ids[np.argmax(counts)]))
    m = re.search(r"(\d{10})", Path(path).name) or re.search(r"(\d{8,})", Path(path).name)
    if not m:
        raise HoopsimDataError(str(path), "file name", "no game id column and none in the name")
    return normalize_game_id(m.group(1))
