"""hoopsim render: one cached possession -> an animation (GIF / MP4), its first frame
(PNG) or its play diagram (PNG), written into the run folder."""

from __future__ import annotations

import importlib.util

from engine.possessions.events import detect_events
from hoopsim.configs import to_config
from hoopsim.data import load_cached_possession
from hoopsim.errors import UsageError
from hoopsim.runs import run_dir
from hoopsim.task_configs import RenderTask
from viz.diagram import play_diagram
from viz.export import save_gif, save_mp4, save_png
from viz.render import CourtRenderer

CONFIG = RenderTask


def main(cfg) -> int:
    cfg = to_config(RenderTask, cfg)     # format: gif | mp4 | png | diagram; every >= 1
    fmt, every = cfg.format, cfg.every
    if fmt == "mp4" and importlib.util.find_spec("imageio_ffmpeg") is None:
        raise UsageError("format=mp4 needs the optional packages imageio and imageio-ffmpeg: "
                         "pip install -e '.[video]'")
    poss, rate_hz = load_cached_possession(cfg.cache, cfg.index)
    out = run_dir("render", cfg)
    stem = out / f"possession_{cfg.index}"
    if fmt == "diagram":
        path = play_diagram(poss, detect_events(poss), stem.with_name(stem.name + "_diagram.png"))
        print(f"wrote {path}")
        return 0
    renderer = CourtRenderer(width_px=cfg.width_px, half_court=cfg.half_court, trails=cfg.trails)
    if fmt == "png":
        path = save_png(renderer.possession_frame(poss, 0), stem.with_suffix(".png"))
        print(f"wrote {path}")
        return 0
    frames = renderer.render_possession(poss, every=every)
    fps = cfg.fps if cfg.fps is not None else rate_hz / every
    save = save_gif if fmt == "gif" else save_mp4
    path = save(frames, stem.with_suffix(f".{fmt}"), fps=fps)
    print(f"wrote {path} ({len(frames)} frames at {fps:g} fps)")
    return 0
