"""Shared contract testers (d3rlpy's one-tester-per-algorithm idea).

``simpolicy_tester(make_policy)``: the :class:`engine.policy.SimPolicy` contract, for every
offense the simulator plays (scripted plays, random walk, behaviour-cloned offense, ...):

- shapes: ``init`` gives a dict of (b, ...) tensors; ``act`` gives off_vel (b, 5, 2)
  float ft/s, decision (b,) long in ``[0, N_DECISIONS)`` and a memory with the same keys;
- a fixed number of random draws per call whatever the state: the generator advances
  the same from two different batches of states (or the policy declares the exception
  with ``fixed_draws=<reason>``);
- same seed, same rollout;
- batch 1 equals a row of batch n: with every batch-shaped draw taken row by row from a
  stream of its own (:class:`RowStreams`), a row's actions depend on that row only.

``twin_tester(reference, twins, cases)``: implementations of the same function (torch /
numpy / scalar, batched / plain Python) agree on every case, per output key within its
tolerance.

The rollouts step :func:`engine.sim.step.step` with the policy's actions, standing
defenders and uniforms from a separate generator, so states diverge as in a game.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping

import numpy as np
import torch

from engine.sim.state import N_DECISIONS, N_NOISE, SimConfig, SimState
from engine.sim.step import step

# ---------------------------------------------------------------------- SimPolicy


def scenario_states(b: int, shift: int = 0) -> SimState:
    """b live possessions from the named scenarios (rows ``(i + shift) % 5``), shipped
    outcome models (shooter offsets of the scenario ids), CPU float32."""
    from envs.core import default_outcomes
    from envs.starts import scenario_starts

    starts = scenario_starts()
    idx = (np.arange(b) + shift) % len(starts)
    return starts.to_sim(idx, "cpu", default_outcomes(torch.device("cpu")), SimConfig())


class RowStreams:
    """Within the context, ``torch.rand`` / ``randn`` / ``randint`` of a (b, ...) size
    draw row r from a generator of its own, seeded by (seed, rows[r], call number): the
    same numbers reach a possession whatever batch it sits in. The caller's generator is
    not used. A draw whose size does not lead with the batch size is an error."""

    NAMES = ("rand", "randn", "randint")

    def __init__(self, seed: int, rows: list[int]) -> None:
        self.seed, self.rows, self.calls, self.saved = seed, list(rows), 0, {}

    def __enter__(self) -> "RowStreams":
        for name in self.NAMES:
            self.saved[name] = getattr(torch, name)
            setattr(torch, name, self._patched(name))
        return self

    def __exit__(self, *exc) -> None:
        for name, fn in self.saved.items():
            setattr(torch, name, fn)

    def _patched(self, name: str):
        orig = self.saved[name]

        def draw(*args, generator=None, device=None, dtype=None, **kwargs):
            lead, size = _split_size(name, args)
            if len(size) == 0 or size[0] != len(self.rows):
                raise AssertionError(f"torch.{name} of size {tuple(size)}: a SimPolicy's draws "
                                     f"must lead with the batch size {len(self.rows)}")
            k, self.calls = self.calls, self.calls + 1
            out = []
            for r in self.rows:
                g = torch.Generator().manual_seed(hash((self.seed, r, k)) % 2**62)
                out.append(orig(*lead, tuple(size[1:]), generator=g, dtype=dtype, **kwargs))
            return torch.stack(out).to(device)
        return draw


def _split_size(name: str, args: tuple) -> tuple[tuple, tuple]:
    """(leading arguments, size) of a torch.rand / randn / randint call."""
    if name == "randint":
        *lead, size = args
        return tuple(lead), tuple(size)
    if len(args) == 1 and isinstance(args[0], (tuple, list, torch.Size)):
        return (), tuple(args[0])
    return (), tuple(args)


def _gen_state(g: torch.Generator) -> bytes:
    return bytes(g.get_state().tolist())


def policy_rollout(policy, state: SimState, seed: int, steps: int,
                   noise: torch.Tensor | None = None) -> dict:
    """Run ``policy`` for ``steps`` sim steps from ``state``. Returns vel (steps, b, 5, 2),
    decision (steps, b), draws (generator state after init and after each act), and
    checks the output shapes on the way. ``noise`` (steps, b, N_NOISE): the sim's uniforms
    (default: a generator of its own)."""
    from envs.core import default_outcomes

    out_t = default_outcomes(torch.device("cpu"))
    cfg = SimConfig()
    b = state.batch_size
    if noise is None:
        noise = torch.rand((steps, b, N_NOISE), generator=torch.Generator().manual_seed(seed + 1))
    gen = torch.Generator().manual_seed(seed)
    memory = policy.init(state, gen)
    _check_memory(memory, b, None)
    draws, vels, decs = [_gen_state(gen)], [], []
    for k in range(steps):
        vel, dec, new_memory = policy.act(state, memory, gen)
        assert vel.shape == (b, 5, 2) and vel.dtype.is_floating_point, vel.shape
        assert torch.isfinite(vel).all(), "non-finite velocities"
        assert dec.shape == (b,) and dec.dtype == torch.long, (dec.shape, dec.dtype)
        assert ((dec >= 0) & (dec < N_DECISIONS)).all(), dec
        _check_memory(new_memory, b, memory)
        memory = new_memory
        draws.append(_gen_state(gen))
        vels.append(vel.detach().clone())
        decs.append(dec.clone())
        state, _ = step(state, vel, torch.zeros(b, 5, 2), dec, noise[k], out_t, cfg)
    return {"vel": torch.stack(vels), "decision": torch.stack(decs), "draws": draws}


def _check_memory(memory, b: int, before) -> None:
    assert isinstance(memory, dict), type(memory)
    for key, v in memory.items():
        assert isinstance(v, torch.Tensor) and v.shape[:1] == (b,), (key, getattr(v, "shape", v))
    if before is not None:
        assert set(memory) == set(before), (sorted(memory), sorted(before))


def simpolicy_tester(make_policy: Callable[[], object], *, b: int = 6, steps: int = 8,
                     seed: int = 0, fixed_draws: bool | str = True, atol: float = 1e-5) -> None:
    """Assert the SimPolicy contract (module docstring) for ``make_policy()``, a fresh
    policy per call. ``fixed_draws``: True, or a string saying why this policy is a
    declared exception to the fixed draw count (then that check is skipped)."""
    if fixed_draws is not True and not (isinstance(fixed_draws, str) and fixed_draws):
        raise ValueError("fixed_draws is True or the reason for the exception")
    a = policy_rollout(make_policy(), scenario_states(b), seed, steps)
    again = policy_rollout(make_policy(), scenario_states(b), seed, steps)
    assert torch.equal(a["vel"], again["vel"]) and torch.equal(a["decision"], again["decision"]), \
        "same seed, different rollout"
    if fixed_draws is True:
        other = policy_rollout(make_policy(), scenario_states(b, shift=2), seed, steps)
        for k, (x, y) in enumerate(zip(a["draws"], other["draws"])):
            assert x == y, (f"random draws depend on the state: generator differs after "
                            f"{'init' if k == 0 else f'act {k}'}")
    noise = torch.rand((steps, b, N_NOISE), generator=torch.Generator().manual_seed(seed + 7))
    with RowStreams(seed, list(range(b))):
        full = policy_rollout(make_policy(), scenario_states(b), seed, steps, noise)
    starts = scenario_states(b)
    for i in sorted({0, b - 1}):
        with RowStreams(seed, [i]):
            one = policy_rollout(make_policy(), starts.map(lambda t, i=i: t[i:i + 1]), seed,
                                 steps, noise[:, i:i + 1])
        assert torch.equal(one["decision"][:, 0], full["decision"][:, i]), f"row {i}: decisions"
        assert torch.allclose(one["vel"][:, 0], full["vel"][:, i], atol=atol), f"row {i}: moves"


# ---------------------------------------------------------------------- twins


def _as_array(x) -> np.ndarray:
    if isinstance(x, torch.Tensor):
        return x.detach().cpu().double().numpy()
    return np.asarray(x, dtype=float) if not isinstance(x, (str, list)) or _numeric(x) else x


def _numeric(x) -> bool:
    return isinstance(x, list) and all(isinstance(v, (int, float, list, np.ndarray)) for v in x)


def assert_twin_equal(ref, got, atol: float, where: str) -> None:
    """ref and got (dicts, tuples, arrays, tensors, numbers, strings or lists of names)
    agree: numbers within ``atol``, everything else exactly."""
    if isinstance(ref, Mapping):
        assert isinstance(got, Mapping) and set(ref) == set(got), \
            f"{where}: keys {sorted(ref)} != {sorted(got)}"
        for k in ref:
            assert_twin_equal(ref[k], got[k], atol, f"{where}[{k!r}]")
        return
    if isinstance(ref, tuple):
        assert isinstance(got, tuple) and len(ref) == len(got), f"{where}: lengths differ"
        for k, (r, g) in enumerate(zip(ref, got)):
            assert_twin_equal(r, g, atol, f"{where}[{k}]")
        return
    r, g = _as_array(ref), _as_array(got)
    if isinstance(r, np.ndarray) and isinstance(g, np.ndarray) and r.dtype.kind in "fiub":
        assert r.shape == g.shape, f"{where}: shape {r.shape} != {g.shape}"
        gap = float(np.max(np.abs(r - g))) if r.size else 0.0
        assert gap <= atol, f"{where}: max |reference - twin| = {gap:.3g} > {atol:g}"
    else:
        assert r == g, f"{where}: {r!r} != {g!r}"


def twin_tester(reference: Callable, twins: Mapping[str, Callable], cases: Iterable, *,
                atol: float | Mapping[str, float] = 0.0, min_cases: int = 1) -> int:
    """Call ``reference(case)`` and every twin on each case and assert they agree
    (:func:`assert_twin_equal`). ``atol``: one tolerance, or one per output key (dict
    outputs; missing keys are exact). Returns the number of cases compared, which must
    reach ``min_cases``. Twins may carry state from case to case (a simulator step)."""
    n = 0
    for n, case in enumerate(cases, start=1):
        ref = reference(case)
        for name, twin in twins.items():
            got = twin(case)
            if isinstance(atol, Mapping):
                assert isinstance(ref, Mapping), "per-key atol needs dict outputs"
                assert set(ref) == set(got), f"{name}, case {n}: keys differ"
                for k in ref:
                    assert_twin_equal(ref[k], got[k], atol.get(k, 0.0), f"{name}, case {n}[{k!r}]")
            else:
                assert_twin_equal(ref, got, atol, f"{name}, case {n}")
    assert n >= min_cases, f"only {n} cases compared (< {min_cases})"
    return n


# ---------------------------------------------------------------------- rewards


def _random_start(g: torch.Generator) -> SimState:
    """One live possession anywhere in the attacked half, random clocks (the game clock
    spans several shot-clock cycles, so ReLiable's negative-binomial term moves)."""
    from engine.sim.step import initial_state

    pos = torch.zeros(1, 11, 3)
    pos[..., 0] = 50.0 + 42.0 * torch.rand(1, 11, generator=g)
    pos[..., 1] = 2.0 + 46.0 * torch.rand(1, 11, generator=g)
    return initial_state(pos, torch.randint(1, 6, (1,), generator=g),
                         4.0 + 20.0 * torch.rand(1, generator=g),
                         1.0 + 200.0 * torch.rand(1, generator=g))


def reward_tester(make_reward: Callable[[], object], *, steps: int = 300, seed: int = 0,
                  atol: float = 1e-4) -> dict:
    """Assert the step-reward contract (envs.reward_fns) for ``make_reward()``:

    - ``reward(events, state)`` of :func:`engine.sim.step.step` is a finite (b,) float
      tensor, and a batch of b rows pays what each row pays alone;
    - where the reward has a ``scalar`` twin (the gym env's fast path), the twin on the
      events and state of :func:`engine.sim.fast.step` (same start, actions, noise) pays
      the same, step for step;
    - a done row pays nothing after the step it ended.
    Returns {"paid": steps with a non-zero reward, "steps": steps compared}."""
    from engine.outcomes.models import default_models
    from engine.outcomes.torch_eval import OutcomeArrays, OutcomeTensors
    from engine.sim import fast as sim_fast

    models = default_models()
    out_t, out_a = OutcomeTensors.from_models(models, "cpu"), OutcomeArrays.from_models(models)
    reward, cfg = make_reward(), SimConfig()
    g = torch.Generator().manual_seed(seed)
    s = _random_start(g)
    f = sim_fast.FastState.from_torch(s)
    paid = 0
    for k in range(steps):
        off = (torch.rand(1, 5, 2, generator=g) - 0.5) * 40.0
        dfn = (torch.rand(1, 5, 2, generator=g) - 0.5) * 40.0
        dec = torch.multinomial(torch.tensor([10.0, 1, 1, 1, 1, 1, 2]), 1, generator=g)
        u = torch.rand(1, N_NOISE, generator=g)
        s2, ev = step(s, off, dfn, dec, u, out_t, cfg)
        r = reward(ev, s2)
        assert isinstance(r, torch.Tensor) and r.shape == (1,) and r.dtype.is_floating_point, r
        assert torch.isfinite(r).all(), f"step {k}: non-finite reward {r}"
        if hasattr(reward, "scalar"):
            f, fev = sim_fast.step(f, off[0].double().numpy(), dfn[0].double().numpy(), int(dec),
                                   u[0].double().numpy(), out_a, cfg)
            rs = float(reward.scalar(fev, f))
            assert abs(rs - float(r[0])) <= atol * max(1.0, abs(rs)), \
                f"step {k}: torch reward {float(r[0])} != scalar twin {rs} (events {sorted(fev)})"
        # a finished row pays nothing on a further step
        s3, ev3 = step(s2, off, dfn, dec, u, out_t, cfg)
        if bool(s2.done[0]):
            assert float(reward(ev3, s3)[0]) == 0.0, f"step {k}: a done row was paid"
        paid += int(float(r[0]) != 0.0)
        s = s2
        if bool(s.done[0]):
            s = _random_start(g)
            f = sim_fast.FastState.from_torch(s)
    _batch_rows_agree(reward, out_t, cfg, seed)
    return {"paid": paid, "steps": steps}


def _batch_rows_agree(reward, out_t, cfg: SimConfig, seed: int, b: int = 8, steps: int = 40) -> None:
    """A batch of b possessions pays each row what that row pays alone."""
    g = torch.Generator().manual_seed(seed + 1)
    rows = [_random_start(g) for _ in range(b)]
    batch = _cat_states(rows)
    for _ in range(steps):
        off = (torch.rand(b, 5, 2, generator=g) - 0.5) * 40.0
        dec = torch.multinomial(torch.tensor([10.0, 1, 1, 1, 1, 1, 2]), b, replacement=True,
                                generator=g)
        u = torch.rand(b, N_NOISE, generator=g)
        batch, ev = step(batch, off, torch.zeros(b, 5, 2), dec, u, out_t, cfg)
        r_batch = reward(ev, batch)
        assert r_batch.shape == (b,), r_batch.shape
        for i in range(b):
            rows[i], ev_i = step(rows[i], off[i:i + 1], torch.zeros(1, 5, 2), dec[i:i + 1],
                                 u[i:i + 1], out_t, cfg)
            assert abs(float(reward(ev_i, rows[i])[0]) - float(r_batch[i])) <= 1e-4, \
                f"row {i}: batched reward differs from the row alone"


def _cat_states(states: list[SimState]) -> SimState:
    from dataclasses import fields

    return SimState(**{f.name: torch.cat([getattr(s, f.name) for s in states])
                       for f in fields(SimState)})


# ---------------------------------------------------------------------- defensive schemes


def scheme_tester(make_scheme: Callable[[], object], *, b: int = 16, steps: int = 10,
                  seed: int = 0, atol: float = 1e-4) -> None:
    """Assert the defensive-scheme contract (envs.defense) for ``make_scheme()``:
    ``scheme(positions (b, 11, 3), valid (b, 11), state)`` -> (defender xy (b, 5, 2)
    finite feet on the court, state); no defender moves farther than its speed cap x dt in
    a step; same inputs, same output; a batch row equals the row alone; and where the
    scheme has a float twin (envs.defense.fast.fast_twin), the twin moves the same."""
    from envs.defense.fast import fast_twin

    g = torch.Generator().manual_seed(seed)
    pos = torch.zeros(b, 11, 3)
    pos[..., 0] = 50.0 + 42.0 * torch.rand(b, 11, generator=g)
    pos[..., 1] = 2.0 + 46.0 * torch.rand(b, 11, generator=g)
    valid = torch.ones(b, 11, dtype=torch.bool)
    scheme, again, twin = make_scheme(), make_scheme(), fast_twin(make_scheme())
    cap = scheme.cfg.speed_ftps * scheme.cfg.dt
    state = state2 = None
    rows = [None] * b
    twin_pos = [pos[i].double().tolist() for i in range(b)]
    twin_state = [None] * b
    for k in range(steps):
        nxt, state = scheme(pos, valid, state)
        same, state2 = again(pos, valid, state2)
        assert nxt.shape == (b, 5, 2) and torch.isfinite(nxt).all(), nxt.shape
        assert torch.equal(nxt, same), f"step {k}: same inputs, different moves"
        assert ((nxt[..., 0] >= 0) & (nxt[..., 0] <= 94) & (nxt[..., 1] >= 0) & (nxt[..., 1] <= 50)).all()
        moved = (nxt - pos[:, 6:, :2]).norm(dim=-1)
        assert float(moved.max()) <= cap + 1e-4, f"step {k}: moved {float(moved.max()):.3f} > cap {cap:.3f}"
        for i in (0, b - 1):
            one, rows[i] = scheme(pos[i:i + 1], valid[i:i + 1], rows[i])
            assert torch.allclose(one[0], nxt[i], atol=atol), f"step {k}, row {i}: batch != alone"
        if twin is not None:
            for i in range(b):
                xy, twin_state[i] = twin(twin_pos[i], twin_state[i])
                got = torch.tensor(xy, dtype=nxt.dtype)
                assert torch.allclose(got, nxt[i], atol=1e-3), f"step {k}, row {i}: float twin differs"
        pos = pos.clone()
        pos[:, 6:, :2] = nxt
        pos[:, :6, :2] += 2.0 * torch.randn(b, 6, 2, generator=g)
        pos[:, :6, 0].clamp_(48.0, 93.0)
        pos[:, :6, 1].clamp_(1.0, 49.0)
        twin_pos = [pos[i].double().tolist() for i in range(b)]
