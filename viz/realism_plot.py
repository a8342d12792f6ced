"""realism.png: simulated vs real rates (bars with 95% intervals) and the possession
length and player speed distributions (envs.evaluation.realism)."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from engine.atomic import atomic_path  # noqa: E402

RATE_GROUPS = (("points per possession", ("points_per_possession",)),
               ("rates", ("turnover_rate", "offensive_rebound_rate", "three_point_attempt_rate")),
               ("FG% by distance", ("fg_pct_0_3ft", "fg_pct_3_10ft", "fg_pct_10_16ft",
                                    "fg_pct_16ft_arc", "fg_pct_three")),
               ("shot shares", ("shot_share_rim", "shot_share_mid", "shot_share_three")))


def _bars(ax, metrics: dict, names: tuple[str, ...], title: str) -> None:
    x = np.arange(len(names))
    for k, (side, color) in enumerate((("simulated", "tab:orange"), ("real", "tab:blue"))):
        v = np.array([metrics[n][side] for n in names], float)
        ci = np.array([metrics[n][f"{side}_ci95"] for n in names], float)
        err = np.abs(np.stack([v - ci[:, 0], ci[:, 1] - v]))
        ax.bar(x + (k - 0.5) * 0.38, v, 0.38, yerr=np.nan_to_num(err), color=color, label=side,
               capsize=3)
    for i, n in enumerate(names):
        ok = metrics[n]["pass"]
        if ok is not None:
            ax.text(i, ax.get_ylim()[1] * 0.97, "ok" if ok else "miss", ha="center", va="top",
                    fontsize=8, color="green" if ok else "red")
    ax.set_xticks(x)
    ax.set_xticklabels([n.replace("fg_pct_", "").replace("shot_share_", "").replace("_rate", "")
                        for n in names], rotation=30, ha="right", fontsize=8)
    ax.set_title(title, fontsize=10)


def _hist(ax, sim: np.ndarray, real: np.ndarray, metric: dict, title: str, unit: str,
          hi: float) -> None:
    bins = np.linspace(0.0, hi, 40)
    ax.hist(np.clip(real, 0, hi), bins, density=True, alpha=0.5, color="tab:blue", label="real")
    ax.hist(np.clip(sim, 0, hi), bins, density=True, alpha=0.5, color="tab:orange",
            label="simulated")
    ax.set_title(f"{title}: KS {metric['difference']:.3f} (medians {metric['simulated']:.1f} "
                 f"vs {metric['real']:.1f} {unit})", fontsize=9)
    ax.set_xlabel(unit)
    ax.legend(fontsize=8)


def plot_realism(report: dict, sim: dict, real: dict, path: str | Path) -> Path:
    """report: realism.json contents; sim / real: measures with ``length_s`` and
    ``speeds`` arrays (s, ft/s). Writes the PNG atomically."""
    m = report["metrics"]
    fig, axes = plt.subplots(2, 3, figsize=(15, 8.5))
    for ax, (title, names) in zip(axes.flat[:4], RATE_GROUPS):
        _bars(ax, m, names, title)
    axes.flat[0].legend(fontsize=8)
    _hist(axes.flat[4], sim["length_s"], real["length_s"], m["possession_length_ks"],
          "possession length from start", "s", 30.0)
    _hist(axes.flat[5], sim["speeds"], real["speeds"], m["player_speed_ks"], "player speed",
          "ft/s", 25.0)
    meta = report["meta"]
    fig.suptitle(f"BC offense vs BC defense: {meta['n_starts']} simulated possessions, "
                 f"{meta['n_games']} held-out games (GAME_ID >= {meta['cutoff']})")
    fig.tight_layout()
    path = Path(path)
    with atomic_path(path) as tmp:
        fig.savefig(tmp, format="png", dpi=110)
    plt.close(fig)
    return path
