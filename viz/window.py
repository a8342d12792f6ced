"""Opening an on-screen pygame window (the interactive viewer, gym "human" mode).

:mod:`viz.render` selects SDL's dummy video driver so that offscreen rendering works
on machines without a display. A window for a person must not inherit that choice, so
:func:`open_window` drops the dummy driver again when viz.render set it (a driver the
user or a test chose, e.g. ``SDL_VIDEODRIVER=dummy`` in tests/conftest.py, is kept).
Tests that open windows set ``SDL_VIDEODRIVER=dummy`` themselves before importing pygame.
"""

from __future__ import annotations

import logging
import os

import numpy as np
import pygame

from viz import render  # imported first: it sets the SDL variables before pygame loads

log = logging.getLogger(__name__)


INVISIBLE = ("offscreen", "dummy")   # SDL video drivers that show nothing


class NoDisplayError(RuntimeError):
    """No video device could be opened (a headless machine, a missing $DISPLAY)."""


def open_window(size: tuple[int, int], title: str) -> pygame.Surface:
    """Initialise pygame's display and open a window of ``size`` (w, h) pixels.

    Raises NoDisplayError when no window can be opened, or when SDL would fall back
    to an invisible driver that nobody chose (``SDL_VIDEODRIVER=dummy`` set by the
    caller, as tests do, is honoured)."""
    if render.DUMMY_DRIVER_SET_HERE and os.environ.get("SDL_VIDEODRIVER") == "dummy" \
            and not pygame.display.get_init():
        del os.environ["SDL_VIDEODRIVER"]   # why: the user did not ask for an invisible window
        render.DUMMY_DRIVER_SET_HERE = False
    hint = "on a machine without a display use `hoopsim render` to write a GIF instead"
    try:
        pygame.display.init()
        # why: without a display SDL quietly falls back to an invisible driver, and a
        # viewer nobody can see (or quit) would loop for ever
        if "SDL_VIDEODRIVER" not in os.environ and pygame.display.get_driver() in INVISIBLE:
            pygame.display.quit()
            raise NoDisplayError(f"no display found (SDL fell back to its "
                                 f"invisible driver); {hint}")
        screen = pygame.display.set_mode(size)
    except pygame.error as exc:
        raise NoDisplayError(f"cannot open a window ({exc}); {hint}") from exc
    pygame.display.set_caption(title)
    log.debug("opened a %dx%d window with SDL driver %s", *size, pygame.display.get_driver())
    return screen


def array_to_surface(frame: np.ndarray) -> pygame.Surface:
    """(H, W, 3) uint8 RGB -> a pygame Surface of size (W, H)."""
    h, w = frame.shape[:2]
    return pygame.image.frombuffer(np.ascontiguousarray(frame).tobytes(), (w, h), "RGB")


def close_window() -> None:
    """Close the window (pygame's display module); safe when none is open."""
    if pygame.display.get_init():
        pygame.display.quit()
