"""hoopsim render: one cached possession -> an animation (GIF / MP4), its first frame
(PNG) or its play diagram (PNG), written into the run folder."""

from __future__ import annotations

import importlib.util

from engine.errors import HoopsimDataError
from engine.possessions.events import detect_events
from hoopsim.data import load_cached_possession
from hoopsim.errors import UsageError
from hoopsim.runs import run_dir
from viz.diagram import play_diagram
from viz.export import save_gif, save_mp4, save_png
from viz.render import CourtRenderer

FORMATS = ("gif", "mp4", "png", "diagram")


def main(cfg) -> int:
    fmt = str(cfg.format)
    if fmt not in FORMATS:
        raise HoopsimDataError("format", fmt, f"format must be one of {', '.join(FORMATS)}")
    if fmt == "mp4" and importlib.util.find_spec("imageio_ffmpeg") is None:
        raise UsageError("format=mp4 needs the optional packages imageio and imageio-ffmpeg: "
                         "pip install -e '.[video]'")
    every = int(cfg.every)
    if every < 1:
        raise HoopsimDataError("every", str(every), "every must be >= 1")
    poss, rate_hz = load_cached_possession(cfg.cache, cfg.index)
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
