"""Tables people read: points per possession with n and a 95% interval."""

from __future__ import annotations

import numpy as np
import pandas as pd


def mean_ci95(values: np.ndarray) -> tuple[float, float, float]:
    """Mean and Student-t 95% interval of a sample (NaN bounds for n < 2, all NaN when
    empty). Why t: at the sizes the demo and tests run (n = 10-20) the normal quantile
    1.96 covers 92-93% of the time (tests/envs/test_paired_stats.py measures it)."""
    v = np.asarray(values, np.float64)
    if v.size == 0:
        return float("nan"), float("nan"), float("nan")
    m = float(v.mean())
    if v.size < 2:
        return m, float("nan"), float("nan")
    from scipy.stats import t

    half = float(t.ppf(0.975, v.size - 1)) * float(v.std(ddof=1)) / np.sqrt(v.size)
    return m, float(m - half), float(m + half)


def ppp_table(meta: pd.DataFrame, by: str = "offense") -> str:
    """Markdown table of points per possession per group, with n and 95% interval."""
    rows = ["| offense | n | points | PPP | 95% CI |", "|---|---|---|---|---|"]
    groups = list(meta.groupby(by)) + [("all", meta)]
    for key, g in groups:
        m, lo, hi = mean_ci95(g["points"].to_numpy())
        rows.append(f"| {key} | {len(g)} | {int(g['points'].sum())} | {m:.3f} | [{lo:.3f}, {hi:.3f}] |")
    return "\n".join(rows)
