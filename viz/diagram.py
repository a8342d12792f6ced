"""Coach-style play diagrams and shot charts (matplotlib, Agg canvas, no pyplot).

Conventions of a whiteboard play diagram, in canonical orientation (offense attacks
the right hoop, court y up):

- offense starting spots: numbered circles; defense: numbered X marks;
- off-ball movement (cuts): thin solid lines with an arrowhead;
- passes: dashed arrows from passer to receiver (where he caught it);
- dribbles: thin zig-zags along the handler's path; detected drives: bold black
  zig-zag arrows on top;
- shots: a bold arrow to the rim, green and ending in a dot when made, red and ending
  in an x when missed.

Each arrow carries its step number in the play. Figures are built with
``matplotlib.figure.Figure`` on an explicit Agg canvas, so nothing touches pyplot's
global state or the process-wide backend.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from engine.atomic import atomic_path
from engine.court import COURT_LENGTH, COURT_WIDTH, HOOP_Y, RIGHT_HOOP_X
from viz.court_draw import HALF_X, court_markings

log = logging.getLogger(__name__)

OFFENSE = "#c0282b"
DEFENSE = "#1f4fbf"
MADE, MISSED = "#1a8a2e", "#d11f1f"
PLAYER_R = 1.3  # ft, the marker radius used to stop arrows at the disc edge


def _figure(width_px: int, height_px: int, dpi: int) -> tuple[Figure, object]:
    fig = Figure(figsize=(width_px / dpi, height_px / dpi), dpi=dpi)
    FigureCanvasAgg(fig)
    ax = fig.add_axes((0.02, 0.06, 0.96, 0.87))
    return fig, ax


def draw_court(ax, half_court: bool = True, color: str = "black", lw: float = 1.2,
               x_min: float | None = None) -> None:
    """Draw the court markings (feet) on a matplotlib Axes and frame the view.

    half_court: draw only the right half; x_min: left edge of the view (ft), default the
    half-court line (half) or the baseline (full), minus a 2 ft apron."""
    for mk in court_markings(half_court):
        style = "--" if mk.style == "dashed" else "-"
        width = lw * 2 if mk.style == "backboard" else lw
        c = "#e0581c" if mk.style == "rim" else color
        ax.plot(mk.points[:, 0], mk.points[:, 1], style, color=c, lw=width, zorder=1)
    lo = (HALF_X if half_court else 0.0) - 2.0 if x_min is None else x_min
    ax.set_xlim(lo, COURT_LENGTH + 2.0)
    ax.set_ylim(-2.0, COURT_WIDTH + 2.0)
    ax.set_aspect("equal")
    ax.axis("off")


def _save(fig: Figure, path: str | os.PathLike) -> Path:
    with atomic_path(path) as tmp:
        fig.savefig(tmp, format="png", dpi=fig.dpi, facecolor="white")
    log.info("wrote %s", path)
    return Path(path)


def _shorten(a: np.ndarray, b: np.ndarray, start: float, end: float) -> tuple[np.ndarray, np.ndarray]:
    """Segment a->b (feet) trimmed by ``start`` ft at a and ``end`` ft at b."""
    d = b - a
    n = float(np.hypot(*d))
    if n <= start + end + 1e-6:
        return a, b
    u = d / n
    return a + u * start, b - u * end


def _zigzag(path: np.ndarray, amp: float = 0.7, wavelength: float = 2.0) -> np.ndarray:
    """(m, 2) feet polyline -> a zig-zag following it (the last wavelength straight, so
    the arrowhead points along the path)."""
    seg = np.hypot(*np.diff(path, axis=0).T)
    s = np.concatenate([[0.0], np.cumsum(seg)])
    if s[-1] < 1e-6:
        return path
    grid = np.linspace(0.0, s[-1], max(int(s[-1] / (wavelength / 4)), 2) + 1)
    pts = np.stack([np.interp(grid, s, path[:, 0]), np.interp(grid, s, path[:, 1])], axis=1)
    tangent = np.gradient(pts, axis=0)
    normal = np.stack([-tangent[:, 1], tangent[:, 0]], axis=1)
    normal /= np.maximum(np.hypot(*normal.T), 1e-9)[:, None]
    wave = amp * np.sin(2 * np.pi * grid / wavelength)
    wave[grid > s[-1] - wavelength] = 0.0
    return pts + normal * wave[:, None]


def _point_along(pts: np.ndarray, share: float) -> np.ndarray:
    """The point ``share`` (0..1) of the way along polyline (m, 2) by arc length."""
    s = np.concatenate([[0.0], np.cumsum(np.hypot(*np.diff(pts, axis=0).T))])
    at = share * s[-1]
    return np.array([np.interp(at, s, pts[:, 0]), np.interp(at, s, pts[:, 1])])


def _arrow(ax, pts: np.ndarray, color: str, lw: float, style: str = "-",
           step: int | None = None, z: int = 3) -> None:
    """Polyline (m, 2) feet with a solid arrowhead at its end and an optional step number."""
    ax.plot(pts[:, 0], pts[:, 1], style, color=color, lw=lw, zorder=z, solid_capstyle="round")
    ax.annotate("", xy=pts[-1], xytext=pts[-2], zorder=z,
                arrowprops={"arrowstyle": "-|>", "color": color, "lw": lw, "mutation_scale": 10 + 3 * lw,
                                "shrinkA": 0, "shrinkB": 0})
    if step is not None:
        mid = _point_along(pts, 0.5)
        ax.text(mid[0], mid[1] + 1.2, str(step), fontsize=8, ha="center", va="center",
                color=color, zorder=z + 1,
                bbox={"boxstyle": "circle,pad=0.15", "fc": "white", "ec": color, "lw": 0.8})


def _start_frame(poss) -> int:
    """First frame with all ten players tracked (0 when none has)."""
    full = np.flatnonzero(poss.valid[:, 1:].all(axis=1))
    return int(full[0]) if full.size else 0


def _catch_frame(poss, frame: int, receiver: int) -> int:
    """First frame after ``frame`` whose handler is ``receiver`` (else the next frame)."""
    later = np.flatnonzero(poss.handler[frame + 1:] == receiver)
    return frame + 1 + int(later[0]) if later.size else min(frame + 1, poss.n_frames - 1)


def _runs(mask: np.ndarray) -> list[tuple[int, int]]:
    """(T,) bool -> [(start, stop)] of its True runs (stop exclusive)."""
    edges = np.flatnonzero(np.diff(np.concatenate([[0], mask.astype(np.int8), [0]])))
    return list(zip(edges[::2], edges[1::2]))


def _draw_movement(ax, poss, t0: int, slot: int, min_ft: float = 3.0) -> None:
    """One offensive player's path from t0: dribbles (he holds the ball) as a zig-zag,
    cuts (off the ball) as a thin solid line; runs shorter than ``min_ft`` are skipped.
    Each run starts one frame early (when tracked) so it meets the run before it."""
    valid, has_ball = poss.valid[t0:, slot], poss.handler[t0:] == slot
    xy = poss.positions[t0:, slot, :2]
    for ball in (False, True):
        for a, b in _runs(valid & (has_ball == ball)):
            path = xy[a - 1 if a > 0 and valid[a - 1] else a:b]
            if len(path) > 1 and np.hypot(*np.diff(path, axis=0).T).sum() > min_ft:
                _arrow(ax, _zigzag(path, 0.5) if ball else path, OFFENSE, 0.8, z=2)


def _draw_players(ax, poss, t0: int) -> None:
    """Starting spots (frame t0) and thin off-ball movement lines of the offense."""
    for slot in range(1, 11):
        if not poss.valid[t0, slot]:
            continue
        x, y = poss.positions[t0, slot, :2]
        num = str((slot - 1) % 5 + 1)
        if slot <= 5:
            ax.plot(x, y, "o", ms=15, mfc="white", mec=OFFENSE, mew=2, zorder=5)
            ax.text(x, y, num, color=OFFENSE, ha="center", va="center", fontsize=9,
                    weight="bold", zorder=6)
            _draw_movement(ax, poss, t0, slot)
        else:
            ax.text(x, y, "X", color=DEFENSE, ha="center", va="center", fontsize=14,
                    weight="bold", zorder=5)
            ax.text(x + 1.0, y - 1.0, num, color=DEFENSE, fontsize=7, zorder=5)


def _draw_event(ax, poss, ev: dict, step: int) -> bool:
    """One detected event as an arrow; False when it is not drawable (no slot, no frame)."""
    pos, f, kind = poss.positions, int(ev["frame"]), ev["type"]
    src = ev.get("from", -1)
    if kind in ("pass", "drive", "shot") and not 1 <= src <= 5:
        return False
    if kind == "pass" and 1 <= ev.get("to", -1) <= 5:
        a = pos[f, src, :2]
        b = pos[_catch_frame(poss, f, ev["to"]), ev["to"], :2]
        a, b = _shorten(a, b, PLAYER_R, PLAYER_R + 0.3)
        _arrow(ax, np.stack([a, b]), "black", 1.4, "--", step)
    elif kind == "drive":
        path = pos[f:ev["end_frame"] + 1, src, :2]
        if len(path) < 2:
            return False
        _arrow(ax, _zigzag(path), "black", 1.4, "-", step)
    elif kind == "shot":
        made = bool(ev.get("made"))
        c = MADE if made else MISSED
        a, b = _shorten(pos[f, src, :2], np.array([RIGHT_HOOP_X, HOOP_Y]), PLAYER_R, 0.9)
        _arrow(ax, np.stack([a, b]), c, 3.0, "-", step, z=4)
        ax.plot(RIGHT_HOOP_X, HOOP_Y, "o" if made else "x", color=c, ms=11, mew=3, zorder=7,
                mfc="none" if made else c)
    elif kind in ("rebound", "turnover"):
        x, y = pos[f, 0, :2] if poss.valid[f, 0] else pos[f, 1:6, :2].mean(axis=0)
        ax.text(x, y, "R" if kind == "rebound" else "TO", fontsize=9, weight="bold",
                ha="center", va="center", color="#6a3d9a", zorder=6,
                bbox={"boxstyle": "round,pad=0.2", "fc": "white", "ec": "#6a3d9a"})
    else:
        return False
    return True


def _legend(ax) -> None:
    handles = [Line2D([], [], color="black", ls="--", lw=1.4, label="pass"),
               Line2D([], [], color="black", ls="-", lw=1.4, label="dribble / drive (zig-zag)"),
               Line2D([], [], color=OFFENSE, ls="-", lw=0.8, label="cut (off ball)"),
               Line2D([], [], color=MADE, lw=3, label="shot made"),
               Line2D([], [], color=MISSED, lw=3, label="shot missed")]
    ax.figure.legend(handles=handles, loc="lower center", ncol=len(handles), fontsize=8,
                     frameon=False)


def play_diagram(poss, events: list[dict], path: str | os.PathLike, title: str | None = None,
                 width_px: int = 800, height_px: int = 800, dpi: int = 100) -> Path:
    """Whiteboard diagram of one engine.possessions.segment.Possession -> PNG of exactly
    width_px x height_px at ``path``.

    events: engine.possessions.events.detect_events(poss, ...) output (frames index poss's arrays).
    The view is the attacked half court, widened to the left when the play starts in
    the back court. Returns the path."""
    t0 = _start_frame(poss) if poss.n_frames else 0
    fig, ax = _figure(width_px, height_px, dpi)
    xs = poss.positions[t0:, 1:6, 0][poss.valid[t0:, 1:6]] if poss.n_frames else np.zeros(0)
    x_min = min(HALF_X, float(xs.min()) if xs.size else HALF_X) - 2.0
    draw_court(ax, half_court=x_min >= HALF_X - 2.0, x_min=max(x_min, -2.0))
    if poss.n_frames:
        _draw_players(ax, poss, t0)
        step = 0
        for ev in events:
            if ev["frame"] < t0 or ev["frame"] >= poss.n_frames:
                continue
            drawn = _draw_event(ax, poss, ev, step + 1 if ev["type"] in ("pass", "drive", "shot") else None)
            step += drawn and ev["type"] in ("pass", "drive", "shot")
    _legend(ax)
    m = poss.meta
    ax.set_title(title or f"{m.get('game_id', '')} P{m.get('period', '?')} possession "
                 f"{m.get('poss_index', '?')}: {m.get('outcome', '?')} ({m.get('points', '?')} pts)",
                 fontsize=10)
    return _save(fig, path)


def shot_chart(xy: np.ndarray, made: np.ndarray, path: str | os.PathLike, title: str = "",
               width_px: int = 800, height_px: int = 800, dpi: int = 100,
               gridsize: int = 14) -> Path:
    """Shot locations on the canonical attacked half court -> PNG at ``path``.

    xy: (n, 2) feet, canonical (the basket at x = 88.75); made: (n,) bool. A hexbin of
    attempt density sits under the shots (made: green circles, missed: red x)."""
    xy, made = np.asarray(xy, float).reshape(-1, 2), np.asarray(made, bool).reshape(-1)
    if xy.shape[0] != made.shape[0]:
        raise ValueError(f"shot_chart: {xy.shape[0]} locations but {made.shape[0]} outcomes")
    fig, ax = _figure(width_px, height_px, dpi)
    if len(xy):
        ax.hexbin(xy[:, 0], xy[:, 1], gridsize=gridsize, cmap="Oranges", mincnt=1, alpha=0.8,
                  extent=(HALF_X, COURT_LENGTH, 0.0, COURT_WIDTH), zorder=0)
        ax.scatter(*xy[made].T, s=22, facecolors="none", edgecolors=MADE, lw=1.2, zorder=3)
        ax.scatter(*xy[~made].T, s=22, marker="x", color=MISSED, lw=1.2, zorder=3)
    draw_court(ax, half_court=True)
    pct = f"{100 * made.mean():.0f}% FG" if len(made) else "no shots"
    ax.set_title(f"{title + '  ' if title else ''}{len(made)} shots, {pct}", fontsize=10)
    return _save(fig, path)
