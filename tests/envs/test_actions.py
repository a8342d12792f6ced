"""The action options (envs.actions): dict, box and multidiscrete are wrappers over the
same env, so equivalent actions give the same trajectory; the library checkers pass."""

from __future__ import annotations

import gymnasium as gym
import numpy as np
import pytest
import torch
from gymnasium.utils.env_checker import check_env

import envs  # noqa: F401  (registers the ids)
from envs.actions import GRID, Codec, make_halfcourt, make_halfcourt_vector, parallel_env


def grid_actions(n: int, seed: int = 0, shoot: float = 0.04, pass_: float = 0.04) -> np.ndarray:
    """(n, 6) multidiscrete actions: grid moves, mostly holds."""
    rng = np.random.default_rng(seed)
    p = [1 - shoot - 5 * pass_] + [pass_] * 5 + [shoot]
    return np.concatenate([rng.integers(0, GRID.n, (n, 5)), rng.choice(7, size=(n, 1), p=p)], 1)


def equivalents(md: np.ndarray) -> dict:
    """The same action in each option."""
    move = GRID.moves_np(md[:5])
    return {"multidiscrete": md, "dict": {"move": move, "decision": int(md[5])},
            "box": Codec("box", 5, True).encode(move, int(md[5]))}


def trajectory(env, option: str, acts: np.ndarray, seed: int) -> list:
    obs, _ = env.reset(seed=seed)
    out = [obs]
    for md in acts:
        obs, r, term, trunc, info = env.step(equivalents(md)[option])
        out.append((obs, r, term, trunc, info["events"], info["outcome"]))
        if term or trunc:
            obs, _ = env.reset()
            out.append(obs)
    return out


def same(a, b) -> bool:
    if isinstance(a, np.ndarray):
        return np.array_equal(a, b)
    return all(same(x, y) for x, y in zip(a, b)) and len(a) == len(b) if isinstance(a, (tuple, list)) else a == b


@pytest.mark.parametrize("fast", [True, False])
def test_three_options_give_one_trajectory_single_env(fast):
    acts = grid_actions(150 if fast else 60, seed=1)
    runs = [trajectory(make_halfcourt(opt, fast=fast), opt, acts, seed=7)
            for opt in ("dict", "box", "multidiscrete")]
    assert same(runs[0], runs[1]) and same(runs[0], runs[2])


def test_three_options_give_one_trajectory_vector_env():
    acts = grid_actions(40, seed=2)
    b = 3
    runs = []
    for opt in ("dict", "box", "multidiscrete"):
        env = make_halfcourt_vector(opt, num_envs=b, device="cpu")
        out = [env.reset(seed=4)[0]]
        for md in acts:
            a = equivalents(md)[opt]
            if opt == "dict":
                batch = {"move": torch.as_tensor(a["move"])[None].repeat(b, 1, 1),
                         "decision": torch.full((b,), a["decision"])}
            else:
                batch = torch.as_tensor(np.stack([a] * b))
            obs, r, term, trunc, _ = env.step(batch)
            out += [obs, r, term, trunc]
        runs.append(out)
    for other in runs[1:]:
        assert all(torch.equal(x, y) for x, y in zip(runs[0], other))


def test_three_options_give_one_trajectory_pettingzoo():
    acts = grid_actions(60, seed=3)
    runs = []
    for opt in ("dict", "box", "multidiscrete"):
        env = parallel_env(opt, controlled="offense")
        obs, _ = env.reset(seed=9)
        out = [obs["off_0"]]
        for md in acts:
            if not env.agents:
                break
            per = {}
            for k, agent in enumerate(env.agents):
                codec = Codec(opt, 1, True) if opt != "dict" else None
                move = GRID.moves_np(md[k:k + 1])
                per[agent] = ({"move": move[0], "decision": int(md[5])} if codec is None
                              else codec.encode(move, int(md[5])))
            obs, rew, term, trunc, _ = env.step(per)
            out += [obs.get("off_1"), rew.get("off_1"), term.get("off_1")]
        runs.append(out)
    assert same(runs[0], runs[1]) and same(runs[0], runs[2])


@pytest.mark.parametrize("env_id", ["hoopsim/HalfCourt-v0", "hoopsim/Decision-v0"])
@pytest.mark.parametrize("option", ["box", "multidiscrete"])
def test_make_with_actions_passes_checkers(env_id, option):
    env = gym.make(env_id, actions=option)
    assert isinstance(env.action_space, gym.spaces.Box if option == "box" else gym.spaces.MultiDiscrete)
    check_env(env.unwrapped if option == "dict" else env.env.env, skip_render_check=True)
    sb3 = pytest.importorskip("stable_baselines3", reason="the rl extra (stable-baselines3) is absent")
    from stable_baselines3.common.env_checker import check_env as sb3_check
    sb3_check(gym.make(env_id, actions=option), warn=True)
    assert sb3 is not None


def test_make_vec_takes_the_option():
    env = gym.make_vec("hoopsim/HalfCourt-v0", num_envs=4, vectorization_mode="vector_entry_point",
                       device="cpu", actions="multidiscrete")
    assert env.single_action_space == gym.spaces.MultiDiscrete([GRID.n] * 5 + [7])
    env.reset(seed=0)
    obs, *_ = env.step(torch.as_tensor(env.action_space.sample()))
    assert obs.shape == (4, 88)


def test_bad_option_is_one_clear_error():
    with pytest.raises(ValueError, match="actions must be one of"):
        make_halfcourt("discrete")
