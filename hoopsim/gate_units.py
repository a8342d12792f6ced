"""``hoopsim planner-check``'s sampling as units of the executor seam (engine.runtime.executor).

The gates (planners.gates) read raw DDIM-10 samples of two seeded subsets of held-out
windows: the ``speed`` windows (one sample each, conditioned on their first frames) and the
``forecast`` windows (``n_samples`` each). A unit is one gate x block of windows: a speed
block is ``batch`` windows, a forecast block the ``batch // n_samples`` windows of one
denoising batch. Its generator is seeded by ``unit_seed(seed, "planner-check", gate, the
block's window ids)``, never by a worker, the number of workers or arrival order; the
blocks' samples are concatenated in order and read once by planners.gates.gates_from_samples.
The planner (weights, normaliser) and the chosen windows travel once, as the job's shared
object.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, replace

import numpy as np

from engine.runtime import resolve_device, seed_everything, unit_seed
from engine.runtime.executor import Unit

GATES = ("speed", "forecast")


@dataclass
class GateShared:
    """What every planner-check unit needs (sent to each node once)."""

    model: object           # planners.denoiser.Denoiser (eval)
    normalizer: object
    diffusion: object       # the planner's diffusion config
    windows: dict           # gate -> (n, h, c) feet of its chosen windows, in row order
    ids: dict               # gate -> window ids ('game/period/poss/start frame')
    n_observed: dict        # gate -> conditioning frames
    n_samples: dict         # gate -> samples per window
    sampler: object         # planners.sampler.SamplerConfig (read undecoded)
    batch: int              # samples per denoising batch
    seed: int
    device: str
    threads: int = 1        # torch threads of a unit: a batched matmul's sums depend on it


def window_ids(meta, windows, rows: np.ndarray) -> list[str]:
    """'game/period/poss_index/start' of windows ``rows`` (meta: the PossessionSet's)."""
    src, start = windows.source[rows], windows.start[rows]
    g, p, k = (meta[c].to_numpy() for c in ("game_id", "period", "poss_index"))
    return [f"{g[s]}/{int(p[s])}/{int(k[s])}/{int(f)}" for s, f in zip(src, start)]


def gate_units(n_rows: dict, n_samples: dict, batch: int) -> list[Unit]:
    """Units of each gate: blocks of one denoising batch of its ``n_rows[gate]`` windows."""
    units = []
    for gate in GATES:
        per = max(1, batch // n_samples[gate])
        for b, lo in enumerate(range(0, n_rows[gate], per)):
            units.append(Unit(f"{gate}/b{b:05d}", (gate, lo, min(lo + per, n_rows[gate]))))
    return units


def sample_unit(args, shared: GateShared) -> np.ndarray:
    """Raw undecoded samples (n, s, h, c) feet of one block (module docstring)."""
    import torch

    from envs.evaluation.bench import torch_threads
    from planners.gates import raw_samples

    gate, lo, hi = args
    device = resolve_device(shared.device)
    seed = unit_seed(shared.seed, "planner-check", gate, list(shared.ids[gate][lo:hi]))
    seed_everything(seed)
    gen = torch.Generator().manual_seed(seed)        # on the cpu, as planners.gates draws
    model = shared.model.to(device).eval()
    # arrays from Ray's object store are read-only (torch warns on them): copies
    block, normalizer = shared.windows[gate][lo:hi].copy(), copy.deepcopy(shared.normalizer)
    with torch.no_grad(), torch_threads(shared.threads):
        return raw_samples(model, normalizer, shared.diffusion, block, shared.n_observed[gate],
                           shared.n_samples[gate], gen, replace(shared.sampler, decode_weight=0.0),
                           shared.batch, device)


def merge_samples(units: list[Unit], results: list) -> dict:
    """gate -> its blocks' samples concatenated in block order."""
    out: dict = {g: [] for g in GATES}
    for unit, res in zip(units, results):
        out[unit.args[0]].append(res)
    return {g: np.concatenate(parts) if parts else np.zeros((0,)) for g, parts in out.items()}
