"""SuperSuit + Stable-Baselines3 PPO on hoopsim's PettingZoo env: the five attackers
share one policy (parameter sharing): ``pettingzoo_env_to_vec_env_v1`` makes each
attacker a row of a vector env, ``concat_vec_envs_v1`` stacks copies for SB3. Each
attacker acts in ``Box(9,)`` (its move, then seven decision scores; the ball handler's
arg-max is the decision). Reward: expected points at each shot's release.

    python examples/supersuit_ppo_pettingzoo.py --timesteps 1000000 --out runs/supersuit
"""

from __future__ import annotations

import time
from pathlib import Path

import supersuit as ss
import torch
from stable_baselines3 import PPO
from stable_baselines3.common.utils import set_random_seed

from envs.actions import parallel_env
from envs.agents import SharedOffenseAgent, random_box

try:
    from examples._common import Curve, evaluate, parser, starts
    from examples.sb3_ppo_halfcourt import Progress
except ImportError:
    from _common import Curve, evaluate, parser, starts
    from sb3_ppo_halfcourt import Progress


def main(argv=None) -> dict:
    p = parser(__doc__.splitlines()[0], timesteps=1_000_000)
    p.add_argument("--copies", type=int, default=4, help="env copies (x5 attackers = SB3 rows)")
    args = p.parse_args(argv)
    torch.set_num_threads(args.threads)
    env = parallel_env("box", controlled="offense", reward="expected_points",
                       starts=starts(args.starts))
    venv = ss.pettingzoo_env_to_vec_env_v1(env)
    venv = ss.concat_vec_envs_v1(venv, args.copies, num_cpus=0, base_class="stable_baselines3")
    set_random_seed(args.seed)   # why: PPO(seed=) calls venv.seed(), which SuperSuit's ConcatVecEnv lacks
    model = PPO("MlpPolicy", venv, n_steps=128, batch_size=256, learning_rate=3e-4,
                device="cpu", verbose=0)
    curve = Curve(Path(args.out))
    t0 = time.perf_counter()
    model.learn(args.timesteps, callback=Progress(curve, max(2048, args.timesteps // 50),
                                                  60 * args.max_minutes))
    wall = time.perf_counter() - t0
    model.save(Path(args.out) / "model")
    extra = {"route": "supersuit_ppo_pettingzoo", "agent_steps": int(model.num_timesteps),
             "wall_s": round(wall, 1), "agent_steps_per_s": round(model.num_timesteps / wall)}
    print(extra)

    def act(obs, generator):
        return model.predict(obs.cpu().numpy(), deterministic=True)[0]
    evaluate(args, SharedOffenseAgent(act, "box"), SharedOffenseAgent(random_box(9), "box"),
             "supersuit_ppo_pettingzoo", extra)
    return extra


if __name__ == "__main__":
    main()
