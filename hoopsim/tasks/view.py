"""hoopsim view: open the interactive viewer (viz.viewer) on one cached possession."""

from __future__ import annotations

from hoopsim.configs import to_config
from hoopsim.data import load_cached_possession
from hoopsim.errors import UsageError
from hoopsim.task_configs import ViewTask
from viz.render import CourtRenderer
from viz.viewer import Viewer
from viz.window import NoDisplayError

CONFIG = ViewTask


def main(cfg) -> int:
    cfg = to_config(ViewTask, cfg)
    poss, rate_hz = load_cached_possession(cfg.cache, cfg.index)
    renderer = CourtRenderer(width_px=cfg.width_px, half_court=cfg.half_court)
    events = None
    if cfg.commentary:
        from hoopsim.plays import names_and_rows
        from language.commentary import viewer_events

        names, rows = names_and_rows(poss, cfg.pbp)
        events = viewer_events(poss, rate_hz, names, rows)
    viewer = Viewer.from_possession(poss, renderer, rate_hz=rate_hz, speed=cfg.speed, events=events)
    try:
        viewer.run(max_frames=cfg.max_frames)
    except NoDisplayError as exc:
        raise UsageError(str(exc)) from exc
    return 0
