import numpy as np
import pytest
import torch

from engine.possessions.events import detect_events
from engine.possessions.features import (
    ball_movement,
    hull_area,
    pace,
    paint_presence,
    possession_features,
    spacing,
)
from engine.possessions.labels import label_actions
from engine.possessions.segment import Possession


def possession():
    """Holder 1 dribbles, drives 2 frames, passes to 2, who shoots a three (frame 7)."""
    t = 8
    pos = np.zeros((t, 11, 3), np.float32)
    pos[:, 1:6, 0] = [[60, 70, 70, 80, 85]]
    pos[:, 1:6, 1] = [[25, 5, 45, 10, 40]]
    pos[:, 2, 0], pos[:, 2, 1] = 88.75 - 25.0, 25.0      # slot 2 waits beyond the arc
    pos[2:4, 1, 0] = [66, 72]                             # slot 1 drives
    pos[4:, 1, 0] = 72
    handler = np.array([1, 1, 1, 1, 1, 2, 2, 2], np.int8)
    pos[:, 0, :2] = pos[np.arange(t), handler, :2]
    time_s = np.arange(t) * 0.5
    action, target = label_actions(pos, handler, time_s, [7])
    ids = np.arange(-1, 10)
    shots = [{"shooter_id": int(ids[2]), "frame": 7, "made": True, "is_three": True}]
    return Possession({}, pos, np.ones((t, 11), bool), ids, 700 - time_s, np.full(t, 20.0),
                      time_s, np.zeros(t, np.int32), handler, action, target, shots)


def test_detector_finds_drive_pass_shot_and_pbp_events():
    p = possession()
    rows = {"msg_type": np.array([4, 5]), "clock": np.array([699.0, 696.5])}
    ev = detect_events(p, rows)
    kinds = [e["type"] for e in ev]
    assert kinds.count("pass") == 1 and kinds.count("shot") == 1 and kinds.count("drive") == 1
    drive = next(e for e in ev if e["type"] == "drive")
    assert drive["from"] == 1 and drive["depth_ft"] == pytest.approx(88.75 - 72, abs=0.01)
    pass_ = next(e for e in ev if e["type"] == "pass")
    assert (pass_["from"], pass_["to"], pass_["frame"]) == (1, 2, 4)
    assert {e["frame"] for e in ev if e["type"] == "rebound"} == {2}
    assert {e["frame"] for e in ev if e["type"] == "turnover"} == {7}


def test_report_features():
    p = possession()
    f = possession_features(p, detect_events(p))
    assert f["passes"] == 1 and f["drives"] == 1 and f["three_point_attempts"] == 1
    assert f["time_to_shot_s"] == pytest.approx(3.5)
    assert f["shot_zones"] == ["above_break_three"]
    assert f["spacing_sqft"] == pytest.approx(hull_area(p.positions[:, 1:6, :2]).mean())


def test_hull_area_matches_shoelace_of_known_shapes():
    square = np.array([[0, 0], [4, 0], [4, 4], [0, 4], [2, 2]], float)
    assert hull_area(square) == pytest.approx(16.0)
    collinear = np.array([[0, 0], [1, 0], [2, 0], [3, 0], [4, 0]], float)
    assert hull_area(collinear) == pytest.approx(0.0)
    rng = np.random.default_rng(1)
    pts = rng.uniform(0, 40, (200, 5, 2))
    areas = hull_area(pts)
    # the hull contains every triangle of its points
    u, v = pts[:, 1] - pts[:, 0], pts[:, 2] - pts[:, 0]
    tri = 0.5 * np.abs(u[:, 0] * v[:, 1] - u[:, 1] * v[:, 0])
    assert (areas + 1e-9 >= tri).all()


def test_differentiable_features_have_gradients():
    x = torch.tensor(possession().positions[None], requires_grad=True)
    total = spacing(x).sum() + paint_presence(x).sum() + ball_movement(x).sum() + pace(x, 0.5).sum()
    total.backward()
    assert torch.isfinite(x.grad).all() and x.grad.abs().sum() > 0
    wider = x.detach().clone()
    wider[..., 1:6, 1] = 25 + 2 * (wider[..., 1:6, 1] - 25)
    assert (spacing(wider) > spacing(x.detach())).all()
