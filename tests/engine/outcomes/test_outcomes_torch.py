"""The torch, numpy and scalar simulator evaluators agree with the fitted numpy models
and with each other (twins, through tests/contracts.py's twin_tester)."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from engine.outcomes.models import default_models
from engine.outcomes.numpy_eval import OutcomeArrays
from engine.outcomes.passing import p_intercept
from engine.outcomes.scalar_eval import ScalarOutcomes
from engine.outcomes.torch_eval import OutcomeTensors
from tests.contracts import twin_tester

RNG_SEED = 5


@pytest.fixture(scope="module")
def models():
    return default_models()


def _shots(models, n: int = 4000, seed: int = RNG_SEED) -> dict[str, np.ndarray]:
    """Random tracked shots, with every clipping edge in the first rows."""
    rng = np.random.default_rng(seed)
    spec = models.spec
    d = rng.uniform(-2.0, 60.0, n)
    dfn = rng.uniform(-1.0, 25.0, n)
    ang = rng.uniform(-200.0, 200.0, n)
    clk = rng.uniform(0.0, 24.0, n)
    edges = [(0.0, 0.0, 0.0, 0.0), (spec.max_distance_ft, spec.defender_cap_ft, 180.0, 24.0),
             (70.0, 40.0, 190.0, 24.0), (spec.knots[0], 0.0, -90.0, spec.late_clock_s)]
    for i, (a, b, c, e) in enumerate(edges):
        d[i], dfn[i], ang[i], clk[i] = a, b, c, e
    ids = np.array(sorted(models.players))
    sid = np.where(rng.random(n) < 0.8, ids[rng.integers(0, ids.size, n)], 999999999)
    return {"distance_ft": d, "is_three": d >= 23.75, "defender_ft": dfn, "angle_deg": ang,
            "shot_clock": clk, "shooter_id": sid}


def test_torch_p_make_matches_numpy_full_model(models):
    f = _shots(models)
    want = models.p_make(f, kind="full")  # tracked, clock known, shooter offsets
    out = OutcomeTensors.from_models(models, "cpu")
    t = {k: torch.as_tensor(v) for k, v in f.items()}
    adj = out.player_logit_adj(t["shooter_id"][:, None])[:, 0]
    got = out.p_make(t["distance_ft"], t["is_three"], t["defender_ft"], t["angle_deg"],
                     t["shot_clock"], adj)
    assert got.dtype == torch.float32 and got.shape == (len(want),)
    assert np.max(np.abs(got.numpy() - want)) < 1e-5
    arr = OutcomeArrays.from_models(models)
    got_np = arr.p_make(f["distance_ft"], f["is_three"], f["defender_ft"], f["angle_deg"],
                        f["shot_clock"], arr.player_logit_adj(f["shooter_id"]))
    assert np.max(np.abs(got_np - want)) < 1e-12


def test_torch_and_numpy_twins_agree_everywhere(models):
    rng = np.random.default_rng(RNG_SEED)
    arr = OutcomeArrays.from_models(models)
    out = OutcomeTensors.from_models(models, "cpu", dtype=torch.float64)
    lane, length, dist = rng.uniform(-1, 40, 500), rng.uniform(-1, 100, 500), rng.uniform(0, 50, 500)
    assert np.allclose(out.p_intercept(torch.as_tensor(lane), torch.as_tensor(length)).numpy(),
                       arr.p_intercept(lane, length), atol=1e-12)
    assert np.allclose(arr.p_intercept(lane, length), p_intercept(models.passing, lane, length))
    assert np.allclose(out.shot_flight_s(torch.as_tensor(dist)).numpy(), arr.shot_flight_s(dist))
    ids = np.array(sorted(models.players))
    pid = np.where(rng.random((64, 5)) < 0.7, ids[rng.integers(0, ids.size, (64, 5))], 12345)
    for name in ("player_logit_adj", "player_ft_pct"):
        a = getattr(arr, name)(pid)
        t = getattr(out, name)(torch.as_tensor(pid))
        assert t.shape == (64, 5) and np.allclose(t.numpy(), a, atol=1e-12)
    assert np.all(arr.player_logit_adj(pid)[pid == 12345] == 0.0)
    assert np.all(arr.player_ft_pct(pid)[pid == 12345] == models.rates["ft_pct"])
    teams = np.array(sorted(models.teams))
    assert np.allclose(out.team_logit_adj(torch.as_tensor(teams)).numpy(),
                       arr.team_logit_adj(teams))
    for k in ("oreb_rate", "shooting_foul_rate", "ft_pct", "live_turnover_per_s",
              "pass_speed_ftps"):
        assert isinstance(getattr(out, k), float) and getattr(out, k) == getattr(arr, k) > 0


def test_torch_functions_are_differentiable(models):
    out = OutcomeTensors.from_models(models, "cpu")
    dfn = torch.tensor([1.0, 4.0, 8.0], requires_grad=True)
    lane = torch.tensor([0.5, 3.0, 10.0], requires_grad=True)
    d = torch.tensor([5.0, 18.0, 25.0])
    p = out.p_make(d, d > 23.75, dfn, torch.full((3,), 30.0), torch.full((3,), 12.0),
                   torch.zeros(3))
    (p.sum() + out.p_intercept(lane, torch.full((3,), 20.0)).sum()).backward()
    assert torch.all(dfn.grad > 0) and torch.all(lane.grad < 0)


def test_torch_numpy_and_scalar_evaluators_are_twins(models):
    """engine.outcomes torch_eval / numpy_eval / scalar_eval through tests/contracts.py's
    twin_tester: shot make (kind mixture with the approach speed), interception, shot flight
    time, the logged shot-end draw, the release distance and the make probability with the
    kind model read at another (body) distance on random inputs with the clipping edges first (the
    numpy evaluator is the reference)."""
    arr = OutcomeArrays.from_models(models)
    out = OutcomeTensors.from_models(models, "cpu", dtype=torch.float64)
    sca = ScalarOutcomes(arr)
    f = _shots(models, n=400)
    adj = arr.player_logit_adj(f["shooter_id"])
    rng = np.random.default_rng(RNG_SEED)
    lane, length = rng.uniform(-1.0, 40.0, 400), rng.uniform(-1.0, 100.0, 400)
    # approach speed toward the hoop (ft/s, past both clipping edges), end-time uniform
    approach, u = rng.uniform(-15.0, 25.0, 400), rng.uniform(0.0, 1.0, 400)
    u[:3] = (0.0, 1.0, 0.95)
    shot_keys = ("distance_ft", "is_three", "defender_ft", "angle_deg", "shot_clock")
    cases = [({k: f[k][i] for k in shot_keys}, adj[i], lane[i], length[i], approach[i], u[i])
             for i in range(400)]
    assert arr.uses_approach and out.uses_approach and sca.uses_approach   # a kind model
    assert max(arr.params.end_missed) > 1.0                                 # logged shot ends
    assert len(arr.params.release_q) == len(arr.params.release_edges) > 5  # a release model

    def numpy_eval(case):
        shot, a, ln, pl, v, uu = case
        args = [np.atleast_1d(shot[k]) for k in shot_keys]
        return {"p_make": arr.p_make(*args, np.atleast_1d(a), np.atleast_1d(v))[0],
                "p_intercept": arr.p_intercept(np.atleast_1d(ln), np.atleast_1d(pl))[0],
                "flight_s": arr.shot_flight_s(np.atleast_1d(shot["distance_ft"]))[0],
                "end_s": [arr.shot_end_s(np.atleast_1d(uu), np.atleast_1d(m))[0] for m in (True, False)],
                "release_ft": arr.release_ft(np.atleast_1d(shot["distance_ft"]),
                                             np.atleast_1d(shot["is_three"]), np.atleast_1d(uu))[0],
                "p_make_body": arr.p_make(*args, np.atleast_1d(a), np.atleast_1d(v),
                                          kind_distance_ft=np.atleast_1d(shot["distance_ft"]) + 3.0)[0]}

    def torch_eval(case):
        shot, a, ln, pl, v, uu = case
        t = [torch.as_tensor(np.atleast_1d(shot[k])) for k in shot_keys]
        return {"p_make": out.p_make(*t, torch.as_tensor(np.atleast_1d(a)),
                                     approach_ftps=torch.tensor([v], dtype=torch.float64))[0],
                "p_intercept": out.p_intercept(torch.tensor([ln]), torch.tensor([pl]))[0],
                "flight_s": out.shot_flight_s(torch.tensor([shot["distance_ft"]]))[0],
                "end_s": [float(out.shot_end_s(torch.tensor([uu], dtype=torch.float64),
                                               torch.tensor([m]))[0]) for m in (True, False)],
                "release_ft": out.release_ft(t[0], t[1], torch.tensor([uu], dtype=torch.float64))[0],
                "p_make_body": out.p_make(*t, torch.as_tensor(np.atleast_1d(a)),
                                          approach_ftps=torch.tensor([v], dtype=torch.float64),
                                          kind_distance_ft=t[0] + 3.0)[0]}

    def scalar_eval(case):
        shot, a, ln, pl, v, uu = case
        return {"p_make": sca.p_make(*(float(shot[k]) for k in shot_keys), float(a), float(v)),
                "p_intercept": sca.p_intercept(float(ln), float(pl)),
                "flight_s": sca.shot_flight_s(float(shot["distance_ft"])),
                "end_s": [sca.shot_end_s(float(uu), m) for m in (True, False)],
                "release_ft": sca.release_ft(float(shot["distance_ft"]), bool(shot["is_three"]), float(uu)),
                "p_make_body": sca.p_make(*(float(shot[k]) for k in shot_keys), float(a), float(v),
                                          kind_distance_ft=float(shot["distance_ft"]) + 3.0)}

    assert twin_tester(numpy_eval, {"torch_eval": torch_eval, "scalar_eval": scalar_eval}, cases,
                       atol=1e-12, min_cases=400) == 400


def test_twin_tester_catches_a_drifting_twin():
    cases = np.linspace(0.0, 30.0, 50)
    with pytest.raises(AssertionError, match=r"drift, case 6\['y'\]"):
        twin_tester(lambda x: {"y": x * 2.0}, {"drift": lambda x: {"y": x * 2.0 + x / 3e3}},
                    cases, atol=1e-3)
    with pytest.raises(AssertionError, match="keys"):
        twin_tester(lambda x: {"y": x}, {"other": lambda x: {"z": x}}, cases)
    with pytest.raises(AssertionError, match="only 0 cases"):
        twin_tester(lambda x: x, {"same": lambda x: x}, [])
