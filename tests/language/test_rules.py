"""The IterAlign-style rule catalogue (language.rules): each detector on hand-built
trajectories that break / keep its rule, the keep test of the discovery step and the
rejection among candidates."""

from __future__ import annotations

import numpy as np

from language.rules import RuleConfig, broken, discover, reject, violations

RATE = 2.0


def base(h: int = 10) -> np.ndarray:
    """A still half-court set: attacker 1 holds the ball at (70, 25), nobody in the lane."""
    pos = np.zeros((1, h, 11, 3))
    spots = [(70, 25), (70, 25), (80, 40), (80, 10), (62, 42), (62, 8),
             (73, 25), (83, 38), (83, 12), (64, 38), (64, 12)]
    for e, (x, y) in enumerate(spots):
        pos[0, :, e, :2] = (x, y)
    pos[0, :, 0, 2] = 4.0
    return pos


def flags(pos):
    return {k: bool(v[0]) for k, v in violations(pos, RATE).items()}


def test_a_still_set_breaks_no_rule():
    assert not any(flags(base()).values())


def test_out_of_bounds_and_speed():
    p = base()
    p[0, 4, 3, 1] = -1.0                 # 1 ft out: inside the 2 ft margin
    assert not flags(p)["out_of_bounds"]
    p[0, 4, 3, 1] = -6.0
    f = flags(p)
    assert f["out_of_bounds"] and f["impossible_speed"]       # 16 ft in half a second = 32 ft/s
    q = base()
    q[0, 5:, 4, 0] += 12.0               # a 12 ft step in 0.5 s: 24 ft/s, possible
    assert not flags(q)["impossible_speed"]
    q[0, 5:, 4, 0] += 4.0                # 16 ft: 32 ft/s
    assert flags(q)["impossible_speed"]


def test_three_seconds_counts_attackers_only():
    p = base(12)
    p[0, 2:9, 2, :2] = (85.0, 27.0)    # 7 frames in the lane = 3.0 s: not more than 3 s
    assert not flags(p)["three_seconds"]
    p[0, 2:10, 2, :2] = (85.0, 27.0)    # 8 frames = 3.5 s
    assert flags(p)["three_seconds"]
    d = base(12)
    d[0, :, 7, :2] = (85.0, 25.0)       # a defender camping in the lane is not this rule
    assert not flags(d)["three_seconds"]


def test_moving_screen_proxy():
    p = base()
    path = np.linspace(55.0, 90.0, 10)   # attacker 4 runs past the ball's defender at 7.8 ft/s
    p[0, :, 4, 0] = path
    p[0, :, 4, 1] = 27.0                 # 2 ft beside the defender at (73, 25)
    assert flags(p)["moving_screen"]
    s = base()
    s[0, :, 4, :2] = (73.0, 27.5)        # set (still) beside the defender: a legal screen
    assert not flags(s)["moving_screen"]


def test_backcourt():
    p = base()
    p[0, 6:, 0, 0] = 40.0                # the ball goes back behind half court after a front-court hold
    p[0, 6:, 1, 0] = 40.0
    assert flags(p)["backcourt"]
    q = base()
    for t in range(10):                  # bringing the ball up from the back court is fine
        q[0, t, 0, 0] = q[0, t, 1, 0] = 30.0 + 4.0 * t
    assert not flags(q)["backcourt"]


def test_discovery_keeps_rules_broken_more_often_than_real_plays():
    gen = {"a": np.r_[np.ones(50), np.zeros(50)].astype(bool), "b": np.r_[np.ones(10), np.zeros(90)].astype(bool)}
    real = {"a": np.r_[np.ones(10), np.zeros(90)].astype(bool), "b": np.r_[np.ones(12), np.zeros(88)].astype(bool)}
    out = discover(gen, real)
    assert out["a"]["kept"] and out["a"]["z"] > 5 and not out["b"]["kept"]
    assert out["a"]["generated"] == 0.5 and out["a"]["real"] == 0.1


def test_rejection_keeps_the_cleanest_candidates():
    f = {"a": np.array([1, 0, 1, 1, 1, 1], bool), "b": np.array([1, 0, 0, 1, 0, 1], bool),
         "c": np.ones(6, bool)}
    counts = broken(f, ["a", "b"], (2, 3))
    assert counts.tolist() == [[2, 0, 1], [2, 1, 2]]
    allowed = np.ones((2, 3), bool)
    assert reject(counts, allowed).tolist() == [[True, False, True], [True, False, True]]
    allowed[0, 1] = False                 # outside the support: not a candidate
    assert reject(counts, allowed).tolist() == [[True, False, False], [True, False, True]]
    assert RuleConfig().max_speed_ftps == 30.0
