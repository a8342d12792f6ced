"""PettingZoo pictures: viz.gym_render.ParallelRenderWrapper passes PettingZoo's render test."""

from __future__ import annotations

import numpy as np
from pettingzoo.test import parallel_api_test, render_test
from pettingzoo.utils.conversions import parallel_to_aec

from envs.actions import parallel_env
from viz.gym_render import ParallelRenderWrapper


def test_rgb_array_frames_pass_pettingzoo_render_test():
    def make(render_mode="rgb_array"):   # "human" draws on SDL's dummy driver (tests/conftest.py)
        return parallel_to_aec(ParallelRenderWrapper(parallel_env("box", max_steps=20), render_mode))
    env = make()
    assert env.metadata["render_modes"] == ["rgb_array", "human"]
    render_test(make)
    par = ParallelRenderWrapper(parallel_env(), "rgb_array")
    par.reset(seed=0)
    frame = par.render()
    assert frame.dtype == np.uint8 and frame.ndim == 3 and frame.std() > 0
    parallel_api_test(ParallelRenderWrapper(parallel_env("multidiscrete"), "rgb_array"), num_cycles=20)
