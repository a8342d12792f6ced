"""Stable-Baselines3 PPO on hoopsim/HalfCourt-v0 with ``actions="box"``: one Box holds
the five moves and seven decision scores (the decision is the arg-max), the action
space SB3's PPO accepts. Reward: expected points at each shot's release.

    python examples/sb3_ppo_halfcourt.py --timesteps 1000000 --out runs/sb3_ppo
"""

from __future__ import annotations

import time
from pathlib import Path

import gymnasium as gym
import torch
from stable_baselines3 import PPO
from stable_baselines3.common.callbacks import BaseCallback
from stable_baselines3.common.env_util import make_vec_env

import envs  # noqa: F401  (registers hoopsim/HalfCourt-v0)
from envs.agents import HalfCourtAgent, random_box

try:
    from examples._common import Curve, evaluate, parser, starts
except ImportError:
    from _common import Curve, evaluate, parser, starts


class Progress(BaseCallback):
    """Curve rows from finished episodes (``info["points"]`` at the end) and the time cap."""

    def __init__(self, curve: Curve, every: int, max_s: float) -> None:
        super().__init__()
        self.curve, self.every, self.max_s, self.t0 = curve, every, max_s, time.perf_counter()
        self.rets, self.pts, self.acc, self.next = [], [], None, every

    def _on_step(self) -> bool:
        if self.acc is None:
            self.acc = [0.0] * self.training_env.num_envs
        for i, (r, d, info) in enumerate(zip(self.locals["rewards"], self.locals["dones"], self.locals["infos"])):
            self.acc[i] += float(r)
            if d:
                self.rets.append(self.acc[i])
                self.pts.append(info["points"])
                self.acc[i] = 0.0
        if self.num_timesteps >= self.next and self.rets:
            self.curve.add(self.num_timesteps, len(self.rets), sum(self.rets) / len(self.rets),
                           sum(self.pts) / len(self.pts))
            self.rets, self.pts, self.next = [], [], self.num_timesteps + self.every
        return time.perf_counter() - self.t0 < self.max_s


def main(argv=None) -> dict:
    p = parser(__doc__.splitlines()[0], timesteps=1_000_000)
    p.add_argument("--n-envs", type=int, default=8)
    args = p.parse_args(argv)
    torch.set_num_threads(args.threads)
    env = make_vec_env("hoopsim/HalfCourt-v0", n_envs=args.n_envs, seed=args.seed,
                       env_kwargs={"actions": "box", "reward": "expected_points",
                                   "starts": starts(args.starts)})
    model = PPO("MlpPolicy", env, n_steps=256, batch_size=256, learning_rate=3e-4,
                ent_coef=0.0, seed=args.seed, device="cpu", verbose=0)
    curve = Curve(Path(args.out))
    t0 = time.perf_counter()
    model.learn(args.timesteps, callback=Progress(curve, max(2048, args.timesteps // 50),
                                                  60 * args.max_minutes))
    wall = time.perf_counter() - t0
    model.save(Path(args.out) / "model")
    extra = {"route": "sb3_ppo_halfcourt_box", "env_steps": int(model.num_timesteps),
             "wall_s": round(wall, 1), "env_steps_per_s": round(model.num_timesteps / wall)}
    print(extra)

    def act(obs, generator):
        return model.predict(obs.cpu().numpy(), deterministic=True)[0]
    box_dim = gym.make("hoopsim/HalfCourt-v0", actions="box").action_space.shape[0]
    evaluate(args, HalfCourtAgent(act, "box"), HalfCourtAgent(random_box(box_dim), "box"),
             "sb3_ppo_halfcourt_box", extra)
    return extra


if __name__ == "__main__":
    main()
