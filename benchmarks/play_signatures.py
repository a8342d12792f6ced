"""Signature rates of the scripted plays per defensive scheme.

For every offense (envs.offense.OFFENSES) and defense (envs.defense.DEFENSES, scripted), ``--n``
seeded possessions start from the 5-out formation and are played out in the batched
simulator with the shipped outcome models; engine.possessions.events (tactical) then looks for each
play's signature (envs.evaluation.play_signatures.SIGNATURES). Printed:

1. play x defense: share of possessions showing the play's own signature (random_walk
   and scripted: the share showing *any* play's screen / post entry / reversal /
   kick-out signature is in table 2 instead);
2. offense x signature for each defense, with mean points and seconds per possession.

Usage: ``python benchmarks/play_signatures.py [--n 100] [--seed 0] [--defenses man_to_man zone_2_3]``
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

import numpy as np  # noqa: E402
import torch  # noqa: E402

from envs.defense import DEFENSES  # noqa: E402
from envs.offense import OFFENSES, PLAYS  # noqa: E402
from envs.evaluation.play_signatures import SIGNATURES, default_outcomes, signature_rates, simulate  # noqa: E402

SCRIPTED = [d for d in DEFENSES.names() if d != "bc"]   # bc needs training data


def run(n: int, seed: int, defenses: list[str]) -> dict:
    """{(offense, defense): {"rates": {signature: rate}, "points": mean, "seconds": mean}}."""
    out, res = default_outcomes(), {}
    for d in defenses:
        for o in OFFENSES.names():
            poss = simulate(o, d, n, seed=seed, out=out)
            res[o, d] = {"rates": signature_rates(poss),
                         "points": float(np.mean([p.meta["points"] for p in poss])),
                         "seconds": float(np.mean([p.time_s[-1] for p in poss]))}
    return res


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=100)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--defenses", nargs="+", default=SCRIPTED, choices=SCRIPTED)
    ap.add_argument("--threads", type=int, default=1, help="torch intra-op threads")
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    t0 = time.time()
    res = run(args.n, args.seed, args.defenses)
    print(f"\nOwn-signature rate, {args.n} seeded possessions each (seed {args.seed})")
    print(f"{'play':16s}" + "".join(f"{d:>19s}" for d in args.defenses))
    for p in PLAYS:
        print(f"{p:16s}" + "".join(f"{res[p, d]['rates'][p]:19.2f}" for d in args.defenses))
    for d in args.defenses:
        print(f"\nAll signatures vs {d}")
        print(f"{'offense':16s}" + "".join(f"{s:>15s}" for s in SIGNATURES) + f"{'points':>8s}{'sec':>6s}")
        for o in OFFENSES.names():
            r = res[o, d]
            print(f"{o:16s}" + "".join(f"{r['rates'][s]:15.2f}" for s in SIGNATURES)
                  + f"{r['points']:8.2f}{r['seconds']:6.1f}")
    print(f"\n({time.time() - t0:.1f} s)")


if __name__ == "__main__":
    main()
