"""Stable-Baselines3 DQN on hoopsim/Decision-v0: the ball handler's macro decisions
(hold, drive, pass to one of four teammates, shoot), teammates and defense scripted.
Reward: expected points at each shot's release.

    python examples/sb3_dqn_decision.py --timesteps 300000 --out runs/sb3_dqn
"""

from __future__ import annotations

import time
from pathlib import Path

import torch
from stable_baselines3 import DQN
from stable_baselines3.common.env_util import make_vec_env

import envs  # noqa: F401  (registers hoopsim/Decision-v0)
from envs.agents import DecisionAgent, random_discrete

try:
    from examples._common import Curve, evaluate, parser, starts
    from examples.sb3_ppo_halfcourt import Progress
except ImportError:
    from _common import Curve, evaluate, parser, starts
    from sb3_ppo_halfcourt import Progress


def main(argv=None) -> dict:
    p = parser(__doc__.splitlines()[0], timesteps=300_000)
    args = p.parse_args(argv)
    torch.set_num_threads(args.threads)
    env = make_vec_env("hoopsim/Decision-v0", n_envs=4, seed=args.seed,
                       env_kwargs={"reward": "expected_points", "starts": starts(args.starts)})
    model = DQN("MlpPolicy", env, learning_rate=5e-4, buffer_size=100_000,
                learning_starts=min(5_000, args.timesteps // 10), batch_size=128, train_freq=4,
                gradient_steps=1, target_update_interval=2_000, exploration_fraction=0.3,
                exploration_final_eps=0.05, gamma=0.99, seed=args.seed, device="cpu", verbose=0)
    curve = Curve(Path(args.out))
    t0 = time.perf_counter()
    model.learn(args.timesteps, callback=Progress(curve, max(1000, args.timesteps // 50),
                                                  60 * args.max_minutes))
    wall = time.perf_counter() - t0
    model.save(Path(args.out) / "model")
    extra = {"route": "sb3_dqn_decision", "env_steps": int(model.num_timesteps),
             "wall_s": round(wall, 1), "env_steps_per_s": round(model.num_timesteps / wall)}
    print(extra)

    def act(obs, generator):
        return model.predict(obs.cpu().numpy(), deterministic=True)[0]
    evaluate(args, DecisionAgent(act), DecisionAgent(random_discrete(7)), "sb3_dqn_decision", extra)
    return extra


if __name__ == "__main__":
    main()
