"""Frames -> image files (PNG, GIF, MP4), written atomically.

Every writer renders into a temporary file in the target's directory and renames it
over the target (``os.replace``), so a crash never leaves a half-written picture.
Frames are ``(H, W, 3) uint8`` arrays as produced by :mod:`viz.render`.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Sequence
from pathlib import Path

import numpy as np
from PIL import Image

from engine.atomic import atomic_path

log = logging.getLogger(__name__)


def _check_frame(frame: np.ndarray, where: str) -> np.ndarray:
    arr = np.asarray(frame)
    if arr.ndim != 3 or arr.shape[2] != 3 or arr.dtype != np.uint8:
        raise ValueError(f"{where}: expected an (H, W, 3) uint8 frame, got {arr.shape} {arr.dtype}")
    return arr


def save_png(frame: np.ndarray, path: str | os.PathLike) -> Path:
    """frame: (H, W, 3) uint8 -> PNG at path. Returns the path."""
    img = Image.fromarray(_check_frame(frame, str(path)), "RGB")
    with atomic_path(path) as tmp:
        img.save(tmp, format="PNG")
    return Path(path)


def save_gif(frames: Sequence[np.ndarray], path: str | os.PathLike, fps: float = 10.0) -> Path:
    """frames: sequence of (H, W, 3) uint8, all one size -> looping GIF at ``fps`` frames
    per second (GIF stores delays in 1/100 s, so the rate is rounded to that)."""
    if not len(frames):
        raise ValueError(f"{path}: no frames to write")
    if fps <= 0:
        raise ValueError(f"{path}: fps must be positive, got {fps}")
    images = [Image.fromarray(_check_frame(f, f"{path} frame {i}"), "RGB")
              for i, f in enumerate(frames)]
    if len({im.size for im in images}) != 1:
        raise ValueError(f"{path}: frames differ in size {sorted({im.size for im in images})}")
    with atomic_path(path) as tmp:
        images[0].save(tmp, format="GIF", save_all=True, append_images=images[1:],
                       duration=round(1000.0 / fps), loop=0)
    log.info("wrote %d frames to %s", len(images), path)
    return Path(path)


def _even(frame: np.ndarray) -> np.ndarray:
    """Pad to even height and width (yuv420p, the widely playable MP4 pixel format,
    needs both even)."""
    h, w = frame.shape[:2]
    return np.pad(frame, ((0, h % 2), (0, w % 2), (0, 0)), mode="edge")


def save_mp4(frames: Sequence[np.ndarray], path: str | os.PathLike, fps: float = 10.0) -> Path:
    """frames: sequence of (H, W, 3) uint8 -> H.264 MP4. Needs the optional packages
    ``imageio`` and ``imageio-ffmpeg``; raises RuntimeError when they are missing."""
    try:
        import imageio.v2 as imageio
        import imageio_ffmpeg  # noqa: F401  (provides the ffmpeg binary imageio calls)
    except ImportError as err:
        raise RuntimeError("save_mp4 needs the optional packages 'imageio' and "
                           "'imageio-ffmpeg': pip install -e '.[video]'") from err
    if not len(frames):
        raise ValueError(f"{path}: no frames to write")
    # macro_block_size=1: keep our size instead of imageio's resize to multiples of 16
    with atomic_path(path) as tmp, imageio.get_writer(
            tmp, format="FFMPEG", fps=fps, codec="libx264", pixelformat="yuv420p",
            macro_block_size=1) as writer:
        for i, f in enumerate(frames):
            writer.append_data(_even(_check_frame(f, f"{path} frame {i}")))
    log.info("wrote %d frames to %s", len(frames), path)
    return Path(path)
