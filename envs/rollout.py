"""The rollout loop: run an :class:`engine.policy.Policy` in an env for whole episodes."""

from __future__ import annotations

from typing import Any

import numpy as np

from engine.policy import Policy


def rollout(env, policy: Policy, n_episodes: int, seed: int | None = None,
            max_steps: int = 10_000) -> list[dict[str, Any]]:
    """Play ``n_episodes`` of a gymnasium env (HalfCourt-v0, Decision-v0, ...).

    The first reset gets ``seed`` (and ``policy.reset(seed)``); later resets continue
    the env's generator, so the whole list is reproducible from ``seed``. Each episode
    dict: ``positions`` (T + 1, 11, 3) feet from ``env.unwrapped.state_for_render()``
    (when the env has it), ``handler`` (T + 1,), ``actions``, ``rewards`` (T,),
    ``events`` (list of per-step event-name lists), ``outcome`` (name), ``points``,
    ``return`` (sum of rewards), ``length`` T, ``truncated``.
    """
    policy.reset(seed)
    episodes = []
    for i in range(n_episodes):
        obs, info = env.reset(seed=seed if i == 0 else None)
        ep = _new_episode(env)
        for _ in range(max_steps):
            action = policy.act(obs, info)
            obs, reward, terminated, truncated, info = env.step(action)
            _record(env, ep, action, reward, info)
            if terminated or truncated:
                ep["truncated"] = bool(truncated and not terminated)
                break
        episodes.append(_finish(ep, info))
    return episodes


def _frame(env):
    fn = getattr(env.unwrapped, "state_for_render", None)
    return fn() if fn is not None else None


def _new_episode(env) -> dict:
    ep = {"positions": [], "handler": [], "actions": [], "rewards": [], "events": [],
          "truncated": False}
    _remember(env, ep)
    return ep


def _remember(env, ep: dict) -> None:
    frame = _frame(env)
    if frame is not None:
        ep["positions"].append(np.asarray(frame[0], np.float32))
        ep["handler"].append(int(frame[2]))


def _record(env, ep: dict, action, reward: float, info: dict) -> None:
    _remember(env, ep)
    ep["actions"].append(action)
    ep["rewards"].append(float(reward))
    ep["events"].append(list(info.get("events", [])))


def _finish(ep: dict, info: dict) -> dict:
    ep["positions"] = (np.stack(ep["positions"]) if ep["positions"]
                       else np.zeros((0, 11, 3), np.float32))
    ep["handler"] = np.asarray(ep["handler"], np.int8)
    ep["rewards"] = np.asarray(ep["rewards"], np.float32)
    ep["outcome"] = info.get("outcome")
    ep["points"] = float(info.get("points", 0.0))
    ep["return"] = float(ep["rewards"].sum())
    ep["length"] = len(ep["actions"])
    return ep


class RandomPolicy:
    """A Policy that samples the env's action space (seeded by reset)."""

    def __init__(self, action_space) -> None:
        self.space = action_space

    def reset(self, seed: int | None = None) -> None:
        self.space.seed(seed)

    def act(self, observation, info: dict | None = None):
        return self.space.sample()
