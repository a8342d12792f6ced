"""Give any gymnasium env a ``render()`` that draws the court (DESIGN: rendering never
lives inside an env; viz wraps envs).

The wrapper asks ``frame_fn(env)`` for the current state: ``(positions (11, 3) feet,
valid (11,) bool, handler slot or -1, clocks dict)`` in the slot order
``[ball, off_0..4, def_0..4]``. The default reads ``env.unwrapped.state_for_render()``.
Recent positions are kept between steps so the renderer can draw motion trails.

    env = RenderWrapper(make_env(), mode="rgb_array")
    env.reset(seed=0); frame = env.render()          # (H, W, 3) uint8

In "human" mode a window opens on the first draw, every reset / step redraws it (the
gymnasium convention) and ``render()`` returns None.
"""

from __future__ import annotations

import logging
from collections import deque
from collections.abc import Callable
from typing import Any

import gymnasium as gym
import numpy as np
import pygame
from pettingzoo.utils import BaseParallelWrapper

from viz.render import CourtRenderer
from viz.window import array_to_surface, close_window, open_window

log = logging.getLogger(__name__)

FrameFn = Callable[[gym.Env], tuple[np.ndarray, np.ndarray, int, dict]]
MODES = ("rgb_array", "human")


def state_for_render(env: gym.Env) -> tuple[np.ndarray, np.ndarray, int, dict]:
    """The default frame_fn: ``env.unwrapped.state_for_render()``."""
    return env.unwrapped.state_for_render()


class RenderWrapper(gym.Wrapper):
    """Adds ``render()`` to ``env``.

    mode: "rgb_array" (render() returns (H, W, 3) uint8) or "human" (a pygame window);
    renderer: a viz.render.CourtRenderer (default: 940 px, trails on); frame_fn: env ->
    (positions (11, 3), valid (11,), handler, clocks), default :func:`state_for_render`.
    """

    def __init__(self, env: gym.Env, mode: str = "rgb_array",
                 renderer: CourtRenderer | None = None, frame_fn: FrameFn | None = None) -> None:
        super().__init__(env)
        if mode not in MODES:
            raise ValueError(f"mode must be one of {MODES}, got {mode!r}")
        if frame_fn is None and not hasattr(env.unwrapped, "state_for_render"):
            raise ValueError(f"{type(env.unwrapped).__name__} has no state_for_render(); "
                             "pass frame_fn=lambda env: (positions, valid, handler, clocks)")
        self._mode = mode
        self.renderer = renderer or CourtRenderer()
        self.frame_fn = frame_fn or state_for_render
        self.metadata = {**env.metadata, "render_modes": list(MODES)}
        self._history: deque = deque(maxlen=self.renderer.style.trail_frames + 1)
        self._screen: pygame.Surface | None = None

    @property
    def render_mode(self) -> str:
        return self._mode

    def reset(self, **kwargs) -> tuple[Any, dict]:
        obs, info = self.env.reset(**kwargs)
        self._history.clear()   # why: a trail must not join two episodes
        self._record()
        return obs, info

    def step(self, action) -> tuple[Any, float, bool, bool, dict]:
        out = self.env.step(action)
        self._record()
        return out

    def _record(self) -> None:
        """Remember the state after a reset / step; redraw the window in human mode."""
        self._remember()
        if self._mode == "human":
            self._show(self._draw())

    def _remember(self) -> None:
        positions, valid, handler, clocks = self.frame_fn(self.env)
        self._history.append((np.asarray(positions, float), np.asarray(valid, bool),
                              int(handler), dict(clocks or {})))

    def _draw(self) -> np.ndarray:
        if not self._history:
            self._remember()   # render() before any reset / step
        positions, valid, handler, clocks = self._history[-1]
        trail = np.stack([h[0] for h in self._history])
        trail_valid = np.stack([h[1] for h in self._history])
        return self.renderer.render_frame(positions, valid, handler, clocks,
                                          trail=trail, trail_valid=trail_valid)

    def _show(self, frame: np.ndarray) -> None:
        if self._screen is None:
            self._screen = open_window(self.renderer.size, f"hoopsim: {self.env}")
        pygame.event.pump()     # why: an OS window that never pumps events "stops responding"
        self._screen.blit(array_to_surface(frame), (0, 0))
        pygame.display.flip()

    def render(self) -> np.ndarray | None:
        """rgb_array: the current frame (H, W, 3) uint8; human: draw it, return None."""
        frame = self._draw()
        if self._mode == "rgb_array":
            return frame
        self._show(frame)
        return None

    def close(self) -> None:
        if self._screen is not None:
            close_window()
            self._screen = None
        super().close()


class ParallelRenderWrapper(BaseParallelWrapper):
    """Adds ``render()`` pictures to a PettingZoo ParallelEnv with ``state_for_render()``
    (envs.multiagent.HalfCourtParallelEnv, with any action option): mode "rgb_array"
    ((H, W, 3) uint8) or "human" (a pygame window, render() returns None). Trails as in
    :class:`RenderWrapper`."""

    def __init__(self, env, mode: str = "rgb_array", renderer: CourtRenderer | None = None) -> None:
        super().__init__(env)
        if mode not in MODES:
            raise ValueError(f"mode must be one of {MODES}, got {mode!r}")
        self._mode = mode
        self.renderer = renderer or CourtRenderer()
        self.metadata = {**env.metadata, "render_modes": list(MODES)}
        self._history: deque = deque(maxlen=self.renderer.style.trail_frames + 1)
        self._screen: pygame.Surface | None = None

    @property
    def render_mode(self) -> str:
        return self._mode

    def reset(self, seed=None, options=None):
        out = self.env.reset(seed=seed, options=options)
        self._history.clear()
        self._record()
        return out

    def step(self, actions):
        out = self.env.step(actions)
        self._record()
        return out

    def _record(self) -> None:
        positions, valid, handler, clocks = self.env.unwrapped.state_for_render()
        self._history.append((np.asarray(positions, float), np.asarray(valid, bool),
                              int(handler), dict(clocks or {})))
        if self._mode == "human":
            self.render()

    def render(self) -> np.ndarray | None:
        if not self._history:
            raise RuntimeError("call reset() before render()")
        positions, valid, handler, clocks = self._history[-1]
        frame = self.renderer.render_frame(positions, valid, handler, clocks,
                                           trail=np.stack([h[0] for h in self._history]),
                                           trail_valid=np.stack([h[1] for h in self._history]))
        if self._mode == "rgb_array":
            return frame
        if self._screen is None:
            self._screen = open_window(self.renderer.size, "hoopsim (PettingZoo)")
        pygame.event.pump()
        self._screen.blit(array_to_surface(frame), (0, 0))
        pygame.display.flip()
        return None

    def close(self) -> None:
        if self._screen is not None:
            close_window()
            self._screen = None
        self.env.close()
