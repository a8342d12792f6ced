"""Interactive pygame viewer of one possession (or of pre-rendered frames).

Keys: space play / pause; right / left step one frame (and pause); home / end first /
last frame; [ / ] jump 10 frames back / forward; + / - double / halve the playback
speed; t trails on / off; q or escape quit. The court is on the left; a side panel
lists the frame, time, speed, a scrub bar and the possession's events
(:func:`engine.possessions.events.detect_events`), the current one highlighted.

The logic runs without a display: :meth:`Viewer.handle_event`, :meth:`Viewer.update`
and :meth:`Viewer.draw` work on plain Surfaces; only :meth:`Viewer.run` opens a window
(:func:`viz.window.open_window`). This module never selects SDL's dummy driver, since a
person running it has a display; tests set ``SDL_VIDEODRIVER=dummy`` themselves before
pygame is imported.

    from viz.viewer import Viewer
    Viewer.from_possession(ds.possession(3), rate_hz=ds.rate_hz).run()
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

import numpy as np
import pygame

from engine.possessions.events import detect_events
from viz.render import CourtRenderer, possession_title
from viz.viewer_panel import SidePanel, frame_rate
from viz.window import array_to_surface, close_window, open_window

log = logging.getLogger(__name__)

MIN_SPEED, MAX_SPEED = 1 / 8, 16.0
JUMP_FRAMES = 10


class PossessionClip:
    """Frames of an engine.possessions.segment.Possession, drawn on demand by a CourtRenderer."""

    def __init__(self, poss, renderer: CourtRenderer, rate_hz: float) -> None:
        self.poss, self.renderer, self.rate_hz = poss, renderer, rate_hz
        self.n_frames = poss.n_frames
        self.title = possession_title(poss.meta)
        self.size = renderer.size
        self._head = self.title

    def image(self, i: int, trails: bool) -> np.ndarray:
        """Frame i as (H, W, 3) uint8."""
        return self.renderer.possession_frame(self.poss, i, self._head, trail=trails)

    def time_s(self, i: int) -> float:
        return float(self.poss.time_s[i])

    def caption(self, i: int) -> str:
        return ""  # the renderer's own panel already captions the frame


class FrameClip:
    """Pre-rendered (H, W, 3) uint8 frames, all one size, with optional captions."""

    def __init__(self, frames: Sequence[np.ndarray], captions: Sequence[str] | None,
                 rate_hz: float, title: str = "") -> None:
        if not len(frames):
            raise ValueError("FrameClip needs at least one frame")
        if captions is not None and len(captions) != len(frames):
            raise ValueError(f"{len(captions)} captions for {len(frames)} frames")
        self.frames, self.captions, self.rate_hz = frames, captions, rate_hz
        self.n_frames, self.title = len(frames), title
        h, w = np.asarray(frames[0]).shape[:2]
        self.size = (w, h)

    def image(self, i: int, trails: bool) -> np.ndarray:
        return np.asarray(self.frames[i])

    def time_s(self, i: int) -> float:
        return i / self.rate_hz

    def caption(self, i: int) -> str:
        return self.captions[i] if self.captions is not None else ""


class Viewer:
    """Playback state of a clip plus drawing; see the module docstring for the keys.

    clip: a PossessionClip or FrameClip (see :meth:`from_possession`,
    :meth:`from_frames`); events: dicts with ``type`` and ``frame`` (index into the
    clip); speed: playback multiple of real time; playing: start playing.
    """

    def __init__(self, clip, events: list[dict] | None = None, speed: float = 1.0,
                 playing: bool = True, panel_px: int = 300, fps_cap: int = 60) -> None:
        pygame.font.init()
        self.clip, self.events = clip, list(events or [])
        self.speed = float(np.clip(speed, MIN_SPEED, MAX_SPEED))
        self.playing, self.trails, self.running = playing, True, True
        self.fps_cap = fps_cap
        self._pos = 0.0          # fractional frame index: playback accumulates sub-frames
        w, h = clip.size
        self.panel = SidePanel(panel_px, h)
        self.size = (w + panel_px, h)
        self._cached: tuple[tuple[int, bool], pygame.Surface] | None = None
        self._keys = {
            pygame.K_SPACE: self.toggle_play, pygame.K_RIGHT: lambda: self.step(1),
            pygame.K_LEFT: lambda: self.step(-1), pygame.K_HOME: lambda: self.seek(0),
            pygame.K_END: lambda: self.seek(self.n_frames - 1),
            pygame.K_LEFTBRACKET: lambda: self.seek(self.frame - JUMP_FRAMES),
            pygame.K_RIGHTBRACKET: lambda: self.seek(self.frame + JUMP_FRAMES),
            pygame.K_t: self.toggle_trails, pygame.K_q: self.quit, pygame.K_ESCAPE: self.quit}
        # '+' is shift+'=' on US keyboards and its own key elsewhere; accept all of them
        for key in (pygame.K_PLUS, pygame.K_EQUALS, pygame.K_KP_PLUS):
            self._keys[key] = lambda: self.set_speed(self.speed * 2)
        for key in (pygame.K_MINUS, pygame.K_KP_MINUS):
            self._keys[key] = lambda: self.set_speed(self.speed / 2)

    @classmethod
    def from_possession(cls, poss, renderer: CourtRenderer | None = None,
                        rate_hz: float | None = None, events: list[dict] | None = None,
                        **kwargs) -> Viewer:
        """A viewer of an engine.possessions.segment.Possession. rate_hz: its frame rate
        (default: estimated from poss.time_s); events: default detect_events(poss)."""
        if poss.n_frames == 0:
            raise ValueError(f"possession {possession_title(poss.meta)!r} has no frames")
        rate = float(rate_hz) if rate_hz else frame_rate(poss.time_s)
        clip = PossessionClip(poss, renderer or CourtRenderer(), rate)
        return cls(clip, detect_events(poss) if events is None else events, **kwargs)

    @classmethod
    def from_frames(cls, frames: Sequence[np.ndarray], captions: Sequence[str] | None = None,
                    rate_hz: float = 10.0, events: list[dict] | None = None,
                    title: str = "", **kwargs) -> Viewer:
        """A viewer of pre-rendered (H, W, 3) uint8 frames shown at ``rate_hz``."""
        return cls(FrameClip(frames, captions, rate_hz, title), events, **kwargs)

    @property
    def n_frames(self) -> int:
        return self.clip.n_frames

    @property
    def frame(self) -> int:
        """The frame index shown, 0 .. n_frames - 1."""
        return min(int(self._pos + 1e-9), self.n_frames - 1)

    def seek(self, i: int) -> None:
        """Show frame i (clamped to the clip)."""
        self._pos = float(min(max(int(i), 0), self.n_frames - 1))

    def step(self, n: int) -> None:
        """Pause and move n frames (negative: back)."""
        self.playing = False
        self.seek(self.frame + n)

    def toggle_play(self) -> None:
        """Play / pause; playing from the last frame starts again from the first."""
        if not self.playing and self.frame >= self.n_frames - 1:
            self.seek(0)
        self.playing = not self.playing

    def toggle_trails(self) -> None:
        self.trails = not self.trails

    def set_speed(self, speed: float) -> None:
        self.speed = float(np.clip(speed, MIN_SPEED, MAX_SPEED))

    def quit(self) -> None:
        self.running = False

    def handle_event(self, event: pygame.event.Event) -> None:
        """Apply one pygame event (KEYDOWN per the key table, QUIT); others are ignored."""
        if event.type == pygame.QUIT:
            self.quit()
        elif event.type == pygame.KEYDOWN and event.key in self._keys:
            self._keys[event.key]()

    def update(self, dt_s: float) -> None:
        """Advance playback by dt_s seconds of wall time (rate_hz * speed frames per
        second); stops at the last frame."""
        if not self.playing:
            return
        self._pos = min(self._pos + dt_s * self.clip.rate_hz * self.speed, self.n_frames - 1.0)
        if self._pos >= self.n_frames - 1:
            self.playing = False

    def current_event(self) -> int:
        """Index into self.events of the latest event at or before the frame, or -1."""
        started = [k for k, ev in enumerate(self.events) if ev["frame"] <= self.frame]
        return started[-1] if started else -1

    def draw(self) -> pygame.Surface:
        """The viewer's picture now: court frame on the left, side panel on the right."""
        key = (self.frame, self.trails)
        if self._cached is None or self._cached[0] != key:  # why: paused frames cost nothing
            self._cached = (key, array_to_surface(self.clip.image(*key)))
        surf = pygame.Surface(self.size)
        surf.blit(self._cached[1], (0, 0))
        panel = self.panel.draw(self, self.events, self.current_event())
        surf.blit(panel, (self.clip.size[0], 0))
        return surf

    def run(self, max_frames: int | None = None) -> int:
        """Open a window and loop (events, update, draw) until quit, or until
        ``max_frames`` pictures have been shown. Returns the number shown."""
        screen = open_window(self.size, f"hoopsim viewer: {self.clip.title}")
        clock = pygame.time.Clock()
        shown = 0
        try:
            while self.running and (max_frames is None or shown < max_frames):
                for event in pygame.event.get():
                    self.handle_event(event)
                self.update(clock.tick(self.fps_cap) / 1000.0)
                screen.blit(self.draw(), (0, 0))
                pygame.display.flip()
                shown += 1
        finally:
            close_window()
        log.info("viewer closed after %d pictures at frame %d", shown, self.frame)
        return shown
