"""Tactical features: a hand-built play whose values are worked out by hand, and real
possessions of game 0021500002 checked against its play-by-play and action labels."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from engine.court import RIGHT_HOOP_X
from engine.tactics import FEATURE_NAMES, FEATURES, SOFT_FEATURES, hull_area, read_trajectory, soft_features, tactical_features
from engine.tactics.soft import soft_zones

RATE = 2.0


def corner_three_play() -> np.ndarray:
    """8 frames at 2 Hz: attacker 1 holds at the top (70, 25) for frames 0-2, passes to
    attacker 2 standing in the right corner (90, 1), who holds on frames 4-5 and shoots:
    the ball is at the rim (10 ft high) on frame 7. Attackers 3-5 stand still at the
    corners of a 20 x 20 ft square with attacker 1 ... defenders 6 ft away."""
    pos = np.zeros((8, 11, 3), np.float32)
    off = np.array([[70, 25], [90, 1], [60, 10], [60, 40], [80, 45]], np.float32)
    pos[:, 1:6, :2] = off
    pos[:, 6:11, :2] = off + [-6.0, 0.0]
    pos[:, 6:11, 1] = np.clip(pos[:, 6:11, 1], 0, 50)
    ball = [(70, 25.5, 4), (70, 25.5, 4), (70, 25.5, 4), (80, 14, 6), (90, 1.5, 4), (90, 1.5, 5),
            (89.5, 14, 14), (RIGHT_HOOP_X, 25, 10)]
    pos[:, 0] = np.array(ball, np.float32)
    return pos


def test_hand_built_corner_three():
    r = read_trajectory(corner_three_play(), RATE)
    f = r.features
    assert [(p["from"], p["to"], p["frame"], p["catch"]) for p in r.passes] == [(1, 2, 2, 4)]
    assert len(r.shots) == 1 and r.shots[0]["shooter"] == 2 and r.shots[0]["frame"] == 5
    assert r.shots[0]["zone"] == "corner_three"
    assert f["corner_three_attempts"] == 1 and f["three_point_attempts"] == 1
    assert f["rim_attempts"] == f["mid_range_attempts"] == f["paint_attempts"] == 0
    assert f["time_to_first_shot_s"] == pytest.approx(5 / RATE)
    assert f["passes"] == 1 and f["post_entries"] == 0 and f["screens"] == 0
    # nobody moves: pace 0; the ball's travel is the sum of its steps
    assert f["pace_ftps"] == pytest.approx(0.0, abs=1e-9)
    ball = corner_three_play()[:, 0, :2].astype(np.float64)
    assert f["ball_movement_ft"] == pytest.approx(np.linalg.norm(np.diff(ball, axis=0), axis=1).sum())
    # hull of the five attackers: pentagon (70,25) (90,1) (60,10) (60,40) (80,45), shoelace by hand
    pts = [(60, 10), (90, 1), (80, 45), (60, 40)]  # (70, 25) is inside
    area = 0.5 * abs(sum(x1 * y2 - x2 * y1 for (x1, y1), (x2, y2) in zip(pts, pts[1:] + pts[:1])))
    assert f["spacing_hull_sqft"] == pytest.approx(area)
    # the holders' closest approach: attacker 1 at (70, 25), 18.75 ft from the hoop
    # (attacker 2 in the corner is 24.03 ft away)
    assert f["drive_depth_ft"] == pytest.approx(30 - 18.75, abs=1e-4)


def test_hull_area_square_and_collinear():
    sq = np.array([[0, 0], [2, 0], [2, 2], [0, 2], [1, 1]], float)
    assert hull_area(sq) == pytest.approx(4.0)
    line = np.array([[0, 0], [1, 0], [2, 0], [3, 0], [4, 0]], float)
    assert hull_area(line) == pytest.approx(0.0)


def test_every_library_feature_is_computed_and_batched():
    play = corner_three_play()
    batch = np.stack([play, play[:, :, :]])
    valid = np.ones((2, 8), bool)
    valid[1, 6:] = False                       # the second copy stops before the shot lands
    out = tactical_features(batch, RATE, valid)
    assert set(out) == set(FEATURE_NAMES) and len(FEATURES) >= 12
    assert out["corner_three_attempts"].tolist() == [1.0, 0.0]
    assert out["passes"].tolist() == [1.0, 1.0]


def test_soft_features_follow_the_exact_ones_and_have_gradients():
    x = torch.tensor(corner_three_play()[None], dtype=torch.float64, requires_grad=True)
    soft = soft_features(x, RATE)
    assert set(soft) == set(SOFT_FEATURES)
    soft_zone = {k: float(v.detach()) for k, v in soft.items() if k.endswith("_attempts")}
    assert soft_zone["corner_three_attempts"] > 0.6
    assert max(soft_zone, key=soft_zone.get) == "corner_three_attempts"
    soft["corner_three_attempts"].backward()
    assert torch.isfinite(x.grad).all() and x.grad.abs().sum() > 0
    z = soft_zones(torch.tensor([[88.0, 25.0], [70.0, 25.0], [90.0, 2.0], [60.0, 25.0], [80.0, 20.0]]))
    total = sum(z.values())
    assert torch.allclose(total, torch.ones_like(total))
    assert [max(z, key=lambda k: float(z[k][i])) for i in range(5)] == \
        ["rim", "mid_range", "corner_three", "above_break_three", "paint"]


@pytest.fixture(scope="module")
def game(shared_data):
    from engine.possessions.ingest import IngestConfig, ingest

    name = "0021500002.csv.gz"
    ds, _ = ingest([str(shared_data / "tracking_2hz" / name)], [str(shared_data / "pbp" / name)],
                   IngestConfig(workers=1, split_cutoff="0021500500"), progress=False)
    return ds


def test_real_possessions_hand_checked(game):
    # possession 0 (CHI, 12:00-11:34): five passes labelled at frames 4, 13, 18, 25, 29 and a
    # 3 ft miss by slot 3 (player 202703) logged at frame 38
    r = read_trajectory(game.possession(0).positions, game.rate_hz)
    assert [p["frame"] for p in r.passes] == [4, 13, 18, 25, 29]
    assert [(p["from"], p["to"]) for p in r.passes] == [(4, 3), (3, 1), (1, 4), (4, 1), (1, 3)]
    assert [(s["shooter"], s["zone"]) for s in r.shots] == [(3, "rim")]
    assert abs(r.shots[0]["frame"] - 38) <= 1
    # possession 4: a 19 ft miss by slot 1 (player 2200), released at (72.3, 34.7) (frame 20-21)
    r = read_trajectory(game.possession(4).positions, game.rate_hz)
    assert [(s["shooter"], s["zone"]) for s in r.shots] == [(1, "mid_range")]
    assert abs(r.shots[0]["distance_ft"] - 19.0) < 2.0
    assert r.features["three_point_attempts"] == 0 and r.features["passes"] == 4


def test_real_game_agrees_with_its_logs(game):
    """Over the whole first quarter: passes equal the labelled passes in most possessions,
    and the detected shots' three-point flag and shooter agree with the play-by-play."""
    from engine.possessions.labels import Action

    same_passes, agree, n = 0, 0, 0
    for i in range(len(game)):
        p = game.possession(i)
        r = read_trajectory(p.positions, game.rate_hz)
        same_passes += int(len(r.passes) == int((p.action == Action.PASS).sum()))
        for s in p.shots:
            hit = [d for d in r.shots if s["frame"] >= 0 and abs(d["frame"] - s["frame"]) <= 3]
            if hit:
                n += 1
                three = hit[0]["zone"] in ("corner_three", "above_break_three")
                agree += int(three == s["is_three"])
    assert same_passes >= 0.8 * len(game)
    assert n >= 20 and agree >= 0.9 * n
