"""Tables people read: points per possession with n and a 95% interval."""

from __future__ import annotations

import numpy as np
import pandas as pd


def mean_ci95(values: np.ndarray) -> tuple[float, float, float]:
    """Mean and normal-approximation 95% interval (t ~ 1.96) of a sample."""
    v = np.asarray(values, np.float64)
    if v.size == 0:
        return float("nan"), float("nan"), float("nan")
    m = float(v.mean())
    half = 1.96 * float(v.std(ddof=1)) / np.sqrt(v.size) if v.size > 1 else float("nan")
    return m, float(m - half), float(m + half)


def ppp_table(meta: pd.DataFrame, by: str = "offense") -> str:
    """Markdown table of points per possession per group, with n and 95% interval."""
    rows = ["| offense | n | points | PPP | 95% CI |", "|---|---|---|---|---|"]
    groups = list(meta.groupby(by)) + [("all", meta)]
    for key, g in groups:
        m, lo, hi = mean_ci95(g["points"].to_numpy())
        rows.append(f"| {key} | {len(g)} | {int(g['points'].sum())} | {m:.3f} | [{lo:.3f}, {hi:.3f}] |")
    return "\n".join(rows)
