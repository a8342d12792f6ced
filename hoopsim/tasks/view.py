"""hoopsim view: open the interactive viewer (viz.viewer) on one cached possession."""

from __future__ import annotations

from hoopsim.data import load_cached_possession
from hoopsim.errors import UsageError
from viz.render import CourtRenderer
from viz.viewer import Viewer
from viz.window import NoDisplayError


def main(cfg) -> int:
    poss, rate_hz = load_cached_possession(cfg.cache, cfg.index)
    renderer = CourtRenderer(width_px=int(cfg.width_px), half_court=bool(cfg.half_court))
    viewer = Viewer.from_possession(poss, renderer, rate_hz=rate_hz, speed=float(cfg.speed))
    max_frames = None if cfg.max_frames is None else int(cfg.max_frames)
    try:
        viewer.run(max_frames=max_frames)
    except NoDisplayError as exc:
        raise UsageError(str(exc)) from exc
    return 0
