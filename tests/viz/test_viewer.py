"""The interactive viewer (keys, playback, drawing), the gym render wrapper and the
``hoopsim view`` / ``hoopsim render`` tasks, all on SDL's dummy video driver."""

from __future__ import annotations

import os
from typing import ClassVar

os.environ.setdefault("SDL_VIDEODRIVER", "dummy")   # before pygame loads: no real window
os.environ.setdefault("PYGAME_HIDE_SUPPORT_PROMPT", "1")

import gymnasium as gym
import numpy as np
import pandas as pd
import pygame
import pytest
from PIL import Image

from engine.possessions.dataset import PossessionSet, native_frames, save_cache, stack
from hoopsim.cli import main
from tests.viz.test_render import possession
from viz import render, window
from viz.gym_render import RenderWrapper
from viz.render import CourtRenderer
from viz.viewer import Viewer


def key(k: int) -> pygame.event.Event:
    return pygame.event.Event(pygame.KEYDOWN, key=k, mod=0, unicode="")


@pytest.fixture(scope="module")
def renderer() -> CourtRenderer:
    return CourtRenderer(width_px=470)


@pytest.fixture
def viewer(renderer) -> Viewer:
    return Viewer.from_possession(possession(), renderer, rate_hz=2.0)


def frames_viewer(n: int = 60, rate_hz: float = 25.0) -> Viewer:
    frames = [np.full((40, 60, 3), i, np.uint8) for i in range(n)]
    return Viewer.from_frames(frames, [f"frame {i}" for i in range(n)], rate_hz=rate_hz)


def test_step_home_end_and_jumps(viewer):
    for _ in range(2):
        viewer.handle_event(key(pygame.K_RIGHT))
    assert viewer.frame == 2 and not viewer.playing
    viewer.handle_event(key(pygame.K_LEFT))
    assert viewer.frame == 1
    viewer.handle_event(key(pygame.K_END))
    assert viewer.frame == viewer.n_frames - 1 == 7
    viewer.handle_event(key(pygame.K_RIGHT))          # clamped at the last frame
    assert viewer.frame == 7
    viewer.handle_event(key(pygame.K_HOME))
    assert viewer.frame == 0


def test_bracket_jumps_ten_frames():
    v = frames_viewer()
    v.handle_event(key(pygame.K_RIGHTBRACKET))
    v.handle_event(key(pygame.K_RIGHTBRACKET))
    assert v.frame == 20
    v.handle_event(key(pygame.K_LEFTBRACKET))
    assert v.frame == 10


def test_space_speed_trails_quit(viewer):
    assert viewer.playing
    viewer.handle_event(key(pygame.K_SPACE))
    assert not viewer.playing
    viewer.handle_event(key(pygame.K_SPACE))
    assert viewer.playing
    viewer.handle_event(key(pygame.K_EQUALS))         # '+' on a US keyboard
    assert viewer.speed == 2.0
    viewer.handle_event(key(pygame.K_KP_PLUS))
    assert viewer.speed == 4.0
    viewer.handle_event(key(pygame.K_MINUS))
    assert viewer.speed == 2.0
    viewer.handle_event(key(pygame.K_t))
    assert not viewer.trails
    viewer.handle_event(key(pygame.K_q))
    assert not viewer.running


def test_posted_events_reach_the_viewer(viewer):
    pygame.display.init()
    try:
        pygame.event.clear()
        for k in (pygame.K_RIGHT, pygame.K_RIGHT, pygame.K_ESCAPE):
            pygame.event.post(key(k))
        for event in pygame.event.get():
            viewer.handle_event(event)
    finally:
        pygame.display.quit()
    assert viewer.frame == 2 and not viewer.running


def test_update_advances_by_playback_rate():
    v = frames_viewer(rate_hz=25.0)
    v.update(1.0)
    assert v.frame == 25
    v.handle_event(key(pygame.K_SPACE))               # pause
    v.update(1.0)
    assert v.frame == 25
    v.handle_event(key(pygame.K_SPACE))
    v.handle_event(key(pygame.K_PLUS))                # 2x: 0.2 s -> 10 frames
    for _ in range(5):
        v.update(0.04)
    assert v.frame == 35
    v.update(10.0)                                    # stops (and pauses) at the end
    assert v.frame == 59 and not v.playing
    v.handle_event(key(pygame.K_SPACE))               # play again from the start
    assert v.frame == 0 and v.playing


def test_draw_highlights_current_event(viewer):
    assert [e["type"] for e in viewer.events] == ["drive", "pass", "shot"]
    assert viewer.current_event() == -1
    viewer.seek(5)
    assert viewer.current_event() == 1
    surf = viewer.draw()
    assert surf.get_size() == viewer.size == (viewer.clip.size[0] + 300, viewer.clip.size[1])
    rgb = pygame.surfarray.array3d(surf)              # (W, H, 3)
    panel = rgb[viewer.clip.size[0]:]
    assert np.all(panel == (255, 225, 0), axis=-1).any()   # the highlight colour
    viewer.handle_event(key(pygame.K_t))
    assert not np.array_equal(pygame.surfarray.array3d(viewer.draw()), rgb)


def test_run_with_max_frames_on_dummy_display(viewer):
    assert viewer.run(max_frames=3) == 3
    assert not pygame.display.get_init()


def test_no_display_is_an_error_not_an_invisible_window(monkeypatch, viewer):
    """viz.render's own dummy driver is dropped; SDL's quiet fallback to an invisible
    driver then raises instead of looping unseen."""
    monkeypatch.setenv("SDL_VIDEODRIVER", "dummy")
    monkeypatch.setattr(render, "DUMMY_DRIVER_SET_HERE", True)
    monkeypatch.setattr(pygame.display, "get_driver", lambda: "offscreen")
    with pytest.raises(window.NoDisplayError, match="hoopsim render"):
        viewer.run(max_frames=1)
    assert "SDL_VIDEODRIVER" not in os.environ and not pygame.display.get_init()


def test_frame_clip_checks_captions():
    with pytest.raises(ValueError, match="captions"):
        Viewer.from_frames([np.zeros((4, 4, 3), np.uint8)], ["a", "b"])


class DotEnv(gym.Env):
    """One offense player walks right one foot per step; the ball follows him."""

    metadata: ClassVar[dict] = {}

    def __init__(self) -> None:
        self.observation_space = gym.spaces.Box(0, 94, (1,), np.float32)
        self.action_space = gym.spaces.Discrete(1)
        self.x = 50.0

    def reset(self, *, seed=None, options=None):
        super().reset(seed=seed)
        self.x = 50.0
        return np.array([self.x], np.float32), {}

    def step(self, action):
        self.x += 1.0
        return np.array([self.x], np.float32), 0.0, self.x >= 60, False, {}

    def state_for_render(self):
        pos = np.zeros((11, 3))
        pos[0] = pos[1] = (self.x, 25.0, 0.0)
        valid = np.zeros(11, bool)
        valid[:2] = True
        return pos, valid, 1, {"game_clock": 700.0 - self.x, "shot_clock": 20.0, "period": 1}


def test_render_wrapper_rgb_array_and_trails(renderer):
    env = RenderWrapper(DotEnv(), renderer=renderer)
    assert env.render_mode == "rgb_array" and "human" in env.metadata["render_modes"]
    env.reset(seed=0)
    first = env.render()
    assert first.shape == (renderer.size[1], renderer.size[0], 3) and first.dtype == np.uint8
    for _ in range(3):
        env.step(0)
    moved = env.render()
    assert not np.array_equal(first, moved)
    env.reset()
    assert np.array_equal(env.render(), first)        # the trail does not cross episodes


def test_render_wrapper_frame_fn_and_human_mode(renderer):
    class Bare(DotEnv):
        state_for_render = None

    with pytest.raises(ValueError, match="frame_fn"):
        RenderWrapper(gym.make("CartPole-v1"))
    env = RenderWrapper(Bare(), mode="human", renderer=renderer,
                        frame_fn=lambda e: DotEnv.state_for_render(e.unwrapped))
    env.reset()
    env.step(0)
    assert env.render() is None and pygame.display.get_init()
    env.close()
    assert not pygame.display.get_init()


@pytest.fixture(scope="module")
def cache(tmp_path_factory):
    """A one-possession cache: the 8-frame hand-made play of test_render, at 2 Hz."""
    poss = possession()
    arrays, _ = stack([native_frames(poss)], [poss.player_ids], max_frames=8)
    meta = pd.DataFrame([{**poss.meta, "shots": poss.shots}])
    path = tmp_path_factory.mktemp("ingest") / "possessions"
    save_cache(PossessionSet(arrays, meta, 2.0), path, {"config": {}})
    return path.parent                                 # the ingest folder, as users pass it


def test_render_task_writes_gif_png_and_diagram(cache, tmp_path, capsys):
    args = ["render", f"cache={cache}", "index=0", f"out={tmp_path}", "width_px=300"]
    assert main(args + ["format=gif", "every=2", "fps=4"]) == 0
    with Image.open(tmp_path / "possession_0.gif") as gif:
        assert gif.n_frames == 4 and gif.info["duration"] == 250
    assert main(args + ["format=png"]) == 0
    with Image.open(tmp_path / "possession_0.png") as png:
        assert png.size[0] == 300
    assert main(args + ["format=diagram"]) == 0
    assert (tmp_path / "possession_0_diagram.png").stat().st_size > 0
    assert "possession_0_diagram.png" in capsys.readouterr().out


def test_view_task_exits_after_max_frames(cache, capsys):
    assert main(["view", f"cache={cache / 'possessions'}", "index=0", "max_frames=2",
                 "width_px=300"]) == 0


@pytest.mark.parametrize("args,needle", [
    (["index=5"], "out of range"),
    (["index=-1"], "out of range"),
    (["index=x"], "integer"),
    (["format=bmp"], "format"),
])
def test_bad_render_input_is_one_line_exit_2(cache, tmp_path, args, needle, capsys):
    assert main(["render", f"cache={cache}", f"out={tmp_path}", *args]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and needle in err and "Traceback" not in err


@pytest.mark.parametrize("task", ["view", "render"])
def test_missing_cache_is_one_line_exit_2(task, tmp_path, capsys):
    assert main([task, f"cache={tmp_path / 'nope'}", "index=0", "max_frames=1"]
                if task == "view" else [task, f"cache={tmp_path / 'nope'}"]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "nope" in err
