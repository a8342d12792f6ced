"""hoopsim render: one cached possession -> an animation (GIF / MP4), its first frame
(PNG) or its play diagram (PNG), written into the run folder."""

from __future__ import annotations

import importlib.util
import sys

from engine.errors import HoopsimDataError
from engine.possessions.dataset import cache_folder, load_cache
from engine.possessions.events import detect_events
from hoopsim.cli import run_dir
from viz.diagram import play_diagram
from viz.export import save_gif, save_mp4, save_png
from viz.render import CourtRenderer

FORMATS = ("gif", "mp4", "png", "diagram")


def load_possession(cfg):
    """(engine.possessions.segment.Possession number ``cfg.index``, the cache's frame rate in Hz).

    A missing cache or an index outside 0..n-1 raises HoopsimDataError."""
    cache = cache_folder(str(cfg.cache))
    ds, _ = load_cache(cache)
    try:
        index = int(cfg.index)
    except (TypeError, ValueError):
        raise HoopsimDataError(str(cache), f"index={cfg.index}", "index must be an integer") from None
    if not 0 <= index < len(ds):
        raise HoopsimDataError(str(cache), f"index={index}",
                               f"out of range: the cache holds {len(ds)} possessions "
                               f"(0..{len(ds) - 1})")
    poss = ds.possession(index)
    if poss.n_frames == 0:
        raise HoopsimDataError(str(cache), f"index={index}", "the possession has no frames")
    return poss, float(ds.rate_hz)


def main(cfg) -> int:
    fmt = str(cfg.format)
    if fmt not in FORMATS:
        raise HoopsimDataError("format", fmt, f"format must be one of {', '.join(FORMATS)}")
    if fmt == "mp4" and importlib.util.find_spec("imageio_ffmpeg") is None:
        print("hoopsim: error: format=mp4 needs the optional packages imageio and "
              "imageio-ffmpeg: pip install -e '.[video]'", file=sys.stderr)
        return 2
    every = int(cfg.every)
    if every < 1:
        raise HoopsimDataError("every", str(every), "every must be >= 1")
    poss, rate_hz = load_possession(cfg)
    out = run_dir("render", cfg)
    stem = out / f"possession_{int(cfg.index)}"
    if fmt == "diagram":
        path = play_diagram(poss, detect_events(poss), stem.with_name(stem.name + "_diagram.png"))
        print(f"wrote {path}")
        return 0
    renderer = CourtRenderer(width_px=int(cfg.width_px), half_court=bool(cfg.half_court),
                             trails=bool(cfg.trails))
    if fmt == "png":
        path = save_png(renderer.possession_frame(poss, 0), stem.with_suffix(".png"))
        print(f"wrote {path}")
        return 0
    frames = renderer.render_possession(poss, every=every)
    fps = float(cfg.fps) if cfg.fps is not None else rate_hz / every
    save = save_gif if fmt == "gif" else save_mp4
    path = save(frames, stem.with_suffix(f".{fmt}"), fps=fps)
    print(f"wrote {path} ({len(frames)} frames at {fps:g} fps)")
    return 0
