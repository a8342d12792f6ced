"""Defensive schemes (envs/defense/schemes.py) and the behaviour-cloned defense (envs/defense/bc.py)."""

from __future__ import annotations

import itertools
from pathlib import Path

import numpy as np
import pytest
import torch
import yaml

from engine.errors import HoopsimConfigError
from envs.defense.schemes import (
    DEF,
    DEFENSES,
    OFF,
    DefenseState,
    ManToMan,
    ManToManConfig,
    Zone23,
    ZoneConfig,
    greedy_assignment,
    guard_spot,
    matched_distance,
    min_cost_assignment,
    pair_distances,
)

REPO = Path(__file__).resolve().parents[2]
SCRIPTED = [n for n in DEFENSES.names() if n != "bc"]   # bc needs training possessions

HOOP = torch.tensor([88.75, 25.0])


def random_state(b: int, seed: int) -> tuple[torch.Tensor, torch.Tensor]:
    """(b, 11, 3) positions spread over the attacked half court, all valid."""
    g = torch.Generator().manual_seed(seed)
    pos = torch.zeros(b, 11, 3)
    pos[..., 0] = 50.0 + 42.0 * torch.rand(b, 11, generator=g)
    pos[..., 1] = 2.0 + 46.0 * torch.rand(b, 11, generator=g)
    return pos, torch.ones(b, 11, dtype=torch.bool)


def rollout(scheme, pos: torch.Tensor, valid: torch.Tensor, steps: int, jitter: float,
            seed: int = 0) -> list[torch.Tensor]:
    """Run a scheme for ``steps`` steps, attackers random-walking by ``jitter`` ft.
    Returns the defender xy (b, 5, 2) after each step, starting with the initial one."""
    g = torch.Generator().manual_seed(seed)
    pos, state, out = pos.clone(), None, [pos[:, DEF, :2].clone()]
    for _ in range(steps):
        nxt, state = scheme(pos, valid, state)
        pos[:, DEF, :2] = nxt
        pos[:, :6, :2] += jitter * torch.randn(pos.shape[0], 6, 2, generator=g)
        pos[:, :6, 0].clamp_(48.0, 93.0)
        pos[:, :6, 1].clamp_(1.0, 49.0)
        out.append(nxt.clone())
    return out


@pytest.mark.parametrize("name", SCRIPTED)
def test_every_step_respects_the_speed_cap(name):
    scheme = DEFENSES.make(name)
    pos, valid = random_state(64, 1)
    pos[:, DEF, 0] = 10.0  # defenders start far away, so they run at the cap
    traj = rollout(scheme, pos, valid, steps=12, jitter=3.0)
    cap = scheme.cfg.speed_ftps * scheme.cfg.dt
    steps = torch.stack([(b - a).norm(dim=-1) for a, b in itertools.pairwise(traj)])
    assert steps.max() <= cap + 1e-4
    assert steps.max() >= cap - 1e-3  # the cap binds


@pytest.mark.parametrize("name", ["man_to_man", "loose_man", "switch_everything"])
def test_man_defender_ends_between_his_man_and_the_hoop(name):
    scheme = DEFENSES.make(name)
    pos, valid = random_state(32, 2)
    pos[:, DEF, :2] = torch.tensor([20.0, 25.0])
    rollout_pos = pos.clone()
    state = None
    for _ in range(20):
        nxt, state = scheme(rollout_pos, valid, state)
        rollout_pos[:, DEF, :2] = nxt
    men = torch.gather(pos[:, OFF, :2], 1, state.assignment[..., None].expand(-1, -1, 2))
    d = rollout_pos[:, DEF, :2]
    spot = guard_spot(men, scheme.cfg.sag)
    assert (d - spot).norm(dim=-1).max() <= scheme.cfg.trigger_ft + 1e-4
    # between: the detour man -> defender -> hoop is short
    detour = (d - men).norm(dim=-1) + (HOOP - d).norm(dim=-1) - (HOOP - men).norm(dim=-1)
    assert detour.max() <= 2 * scheme.cfg.trigger_ft


def test_man_to_man_keeps_its_match_up_and_switch_recomputes():
    pos, valid = random_state(16, 3)
    _, s0 = ManToMan()(pos, valid)
    shuffled = pos.clone()
    shuffled[:, OFF] = pos[:, OFF].flip(1)
    _, s1 = ManToMan()(shuffled, valid, s0)
    assert torch.equal(s0.assignment, s1.assignment)
    _, w1 = ManToMan(switch=True)(shuffled, valid, s0)
    assert torch.equal(w1.assignment, min_cost_assignment(torch.cdist(
        shuffled[:, DEF, :2], shuffled[:, OFF, :2])))


def test_man_to_man_reassigns_when_his_man_disappears():
    # regression: this test compared empty tensors (every row of an assignment holds
    # attacker 0, so every row counted as "lost") and passed for a scheme that never
    # reassigns. Defender 0 stands between attackers 0 and 1, a little nearer 0; defender
    # 1 is farther from attacker 1: the greedy match pairs 0-0 and 1-1 while attacker 0
    # plays, and 0-1 once he is gone, leaving defender 1 to attacker 0 (invalid: he holds).
    pos, valid = random_state(8, 4)
    pos[:, OFF, :2] = torch.tensor([[60.0, 10.0], [60.0, 12.5], [80.0, 40.0], [85.0, 45.0],
                                    [90.0, 30.0]])
    pos[:, DEF, :2] = pos[:, OFF, :2] + torch.tensor([[0.0, 1.0], [0.0, 2.0], [1.0, 0.0],
                                                      [1.0, 0.0], [1.0, 0.0]])
    _, s0 = ManToMan()(pos, valid)
    assert s0.assignment.tolist() == [[0, 1, 2, 3, 4]] * 8
    gone = valid.clone()
    gone[:, 1] = False
    nxt, s1 = ManToMan()(pos, gone, s0)
    assert s1.assignment.tolist() == [[1, 0, 2, 3, 4]] * 8
    assert torch.equal(s1.assignment, greedy_assignment(pair_distances(pos, gone)))
    assert torch.equal(nxt[:, 1], pos[:, 7, :2])            # no valid man left: he holds
    kept = ManToMan()(pos, valid, s0)[1]                     # nobody gone: nothing changes
    assert torch.equal(kept.assignment, s0.assignment)


def test_greedy_assignment_matches_a_python_greedy():
    cost = torch.rand(20, 5, 5, generator=torch.Generator().manual_seed(5))
    got = greedy_assignment(cost)
    for b in range(20):
        c, want = cost[b].clone(), [0] * 5
        for _ in range(5):
            i, j = divmod(int(c.argmin()), 5)
            want[i] = j
            c[i, :], c[:, j] = float("inf"), float("inf")
        assert got[b].tolist() == want


def test_zone_defenders_stay_inside_their_zones():
    cfg = ZoneConfig()
    pos, valid = random_state(64, 6)
    pos[:, DEF, :2] = torch.tensor(cfg.anchors)[torch.randperm(5)]
    traj = rollout(Zone23(cfg), pos, valid, steps=25, jitter=4.0, seed=6)
    _, state = Zone23(cfg)(pos, valid)
    box = torch.tensor(cfg.zones)[state.assignment]                  # (b, 5, 4)
    for d in traj:
        assert ((d[..., 0] >= box[..., 0] - 1e-4) & (d[..., 0] <= box[..., 1] + 1e-4)
                & (d[..., 1] >= box[..., 2] - 1e-4) & (d[..., 1] <= box[..., 3] + 1e-4)).all()


def test_zone_defender_chases_an_attacker_in_his_zone_and_shades_otherwise():
    cfg = ZoneConfig()
    pos, valid = torch.zeros(1, 11, 3), torch.ones(1, 11, dtype=torch.bool)
    pos[0, DEF, :2] = torch.tensor(cfg.anchors)
    pos[0, OFF, :2] = torch.tensor([[60.0, 20.0], [50.0, 45.0], [50.0, 40.0], [50.0, 35.0],
                                    [50.0, 30.0]])
    pos[0, 0, :2] = pos[0, 1, :2]
    zone = Zone23(cfg)
    _, state = zone(pos, valid)
    target = zone.targets(pos, valid, state.assignment)[0]
    assert torch.allclose(target[0], guard_spot(pos[0, 1, :2], cfg.sag))  # chases in zone 0
    anchor = torch.tensor(cfg.anchors[2])
    assert torch.allclose(target[2], anchor + cfg.shade * (pos[0, 0, :2] - anchor))


def test_min_cost_assignment_is_minimal_by_brute_force():
    g = torch.Generator().manual_seed(7)
    for n in (2, 3, 4, 5):
        cost = torch.rand(30, n, n, generator=g) * 40
        got = min_cost_assignment(cost)
        total = cost.gather(2, got[..., None]).squeeze(-1).sum(1)
        best = torch.stack([cost[:, range(n), list(p)].sum(1)
                            for p in itertools.permutations(range(n))]).min(0).values
        assert torch.allclose(total, best)
        assert (got.sort(dim=1).values == torch.arange(n)).all()  # a permutation


def test_switch_everything_assignment_is_the_minimum_total_distance():
    pos, valid = random_state(40, 8)
    _, state = DEFENSES.make("switch_everything")(pos, valid)
    cost = torch.cdist(pos[:, DEF, :2], pos[:, OFF, :2])
    total = cost.gather(2, state.assignment[..., None]).squeeze(-1).sum(1)
    best = torch.stack([cost[:, range(5), list(p)].sum(1)
                        for p in itertools.permutations(range(5))]).min(0).values
    assert torch.allclose(total, best)


@pytest.mark.parametrize("name", SCRIPTED)
def test_deterministic_and_batched_equals_looped(name):
    pos, valid = random_state(12, 9)
    valid[3, 7] = False  # an invalid defender holds
    valid[5, 2] = False  # an invalid attacker
    a = rollout(DEFENSES.make(name), pos, valid, steps=5, jitter=2.0, seed=3)
    b = rollout(DEFENSES.make(name), pos, valid, steps=5, jitter=2.0, seed=3)
    assert all(torch.equal(x, y) for x, y in zip(a, b))
    scheme, state = DEFENSES.make(name), None
    nxt, state = scheme(pos, valid)
    nxt2, _ = scheme(pos, valid, state)
    for i in range(12):
        one, st = scheme(pos[i:i + 1], valid[i:i + 1])
        assert torch.allclose(one[0], nxt[i], atol=1e-5)
        one2, _ = scheme(pos[i:i + 1], valid[i:i + 1], DefenseState(st.assignment))
        assert torch.allclose(one2[0], nxt2[i], atol=1e-5)
    assert torch.equal(nxt[3, 1], pos[3, 7, :2])


def test_bad_shapes_raise():
    with pytest.raises(ValueError, match=r"\(b, 11, 3\)"):
        ManToMan()(torch.zeros(2, 10, 3), torch.ones(2, 10, dtype=torch.bool))


def test_every_yaml_builds_its_typed_config():
    files = sorted((REPO / "hoopsim" / "conf" / "defense").glob("*.yaml"))
    names = set()
    for f in files:
        options = yaml.safe_load(f.read_text())
        name = options.pop("name")
        cfg = DEFENSES.config(name, options)
        assert isinstance(cfg, DEFENSES.entry(name).config_cls) and f.stem == name
        assert cfg == DEFENSES.config(name, options)        # lists from YAML compare as tuples
        DEFENSES.make(name, options)
        names.add(name)
    assert names == set(SCRIPTED)
    with pytest.raises(HoopsimConfigError, match="sagg"):
        DEFENSES.config("man_to_man", {"sagg": 0.1})


def test_matched_distance_ignores_slot_order():
    pos, _ = random_state(10, 10)
    real = pos[:, DEF, :2]
    assert torch.allclose(matched_distance(real.flip(1), real), torch.zeros(10), atol=1e-5)


def test_bc_defense_beats_man_to_man_on_held_out_real_frames(shared_data, tmp_path):
    from engine.possessions.api import load_possessions
    from engine.possessions.ingest import IngestConfig
    from envs.defense.bc import (
        BCConfig,
        fit_bc,
        mean_defender_xy,
        sample_frames,
        set_errors,
    )

    games = ["0021500002", "0021500003", "0021500004", "0021500500", "0021500501"]
    track = [str(shared_data / "tracking_2hz" / f"{g}.csv.gz") for g in games]
    pbp = [str(shared_data / "pbp" / f"{g}.csv.gz") for g in games]
    cfg = IngestConfig(workers=1)
    rng = np.random.default_rng(0)
    frames = {s: sample_frames(load_possessions(track, pbp, cfg, cache_dir=tmp_path, split=s)[0],
                               20_000, rng) for s in ("train", "test")}
    assert len(frames["train"]) > 1000 and len(frames["test"]) > 500
    model = fit_bc(frames["train"], BCConfig(steps=400), torch.Generator().manual_seed(0))
    errs = set_errors(frames["test"], model, mean_defender_xy(frames["train"]),
                      {"man_to_man": ManToManConfig().sag})
    assert errs["bc"] < errs["man_to_man"] < errs["constant"]
    # the learned defense also works as a scheme: capped steps toward its predictions
    pos = frames["test"][:64]
    nxt, _ = model(pos, torch.ones(64, 11, dtype=torch.bool))
    assert (nxt - pos[:, DEF, :2]).norm(dim=-1).max() <= 20.7 * 0.52 + 1e-4


def test_bc_defense_checkpoint_roundtrip_in_the_shared_format(tmp_path):
    from engine.runtime.checkpoint import load_meta
    from envs.defense.bc import BCConfig, BCDefense
    from envs.defense.bc_cache import KIND, load_defense, save_defense

    model = BCDefense(BCConfig(hidden=8)).eval()
    save_defense(model, tmp_path / "d")
    assert load_meta(tmp_path / "d")["kind"] == KIND == "bc-defense"
    back = load_defense(tmp_path / "d")
    pos, _ = random_state(4, 9)
    assert back.cfg == model.cfg and torch.equal(back.predict(pos), model.predict(pos))


@pytest.mark.parametrize("name", SCRIPTED)
def test_every_scheme_passes_the_contract(name):
    """tests/contracts.py's scheme_tester: one line per registered scheme."""
    from tests.contracts import scheme_tester

    scheme_tester(lambda: DEFENSES.make(name))
