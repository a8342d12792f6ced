import numpy as np
import pytest
import torch

from planners.normalizer import Normalizer, NormalizerConfig
from planners.windows import (
    CHANNEL_NAMES,
    make_windows,
    positions_to_windows,
    role_order,
    roles_to_slots,
    windows_to_positions,
    with_velocity,
)
from tests.planners.helpers import toy_possessions


def test_windows_lie_fully_inside_possessions():
    ds = toy_possessions()
    length = ds.arrays["frame_valid"].sum(1)
    ds.arrays["valid"][0, 3, 7] = False                          # a gap in possession 0
    w = make_windows(ds, horizon_s=4.0, stride=3)                # 2 Hz -> h = 8
    assert w.windows.shape[1:] == (8, 46) and w.windows.dtype == np.float32
    assert w.mask.all() and len(w.returns) == len(w.source) == len(w.bucket) == len(w)
    assert np.all(w.start + 8 <= length[w.source])               # no frozen tail
    assert not np.any((w.source == 0) & (w.start <= 3))          # no window over the gap
    for i in np.flatnonzero(length >= 8):
        if i == 0 and length[0] - 8 <= 3:
            continue
        assert np.any((w.source == i) & (w.start == length[i] - 8)), "one window ends at the end"
    assert not np.isin(np.flatnonzero(length < 8), w.source).any()
    assert np.array_equal(w.bucket, np.clip(ds.meta["points"].to_numpy(), 0, 3)[w.source])
    assert set(w.split) == {"train", "test"} or set(w.split) == {"train"}
    assert len(w.select_split("train")) + len(w.select_split("test")) == len(w)


def test_orientation_failures_are_dropped():
    ds = toy_possessions()
    ds.meta["side_check"] = [i != 2 for i in range(len(ds))]
    w = make_windows(ds, horizon_s=3.0, stride=1)
    assert 2 not in set(w.source) and len(set(w.source)) > 3


def test_role_order_is_a_permutation_that_round_trips():
    ds = toy_possessions()
    w = make_windows(ds, horizon_s=3.0, stride=1)
    assert (np.sort(w.perm, axis=1) == np.arange(11)).all() and (w.perm[:, 0] == 0).all()
    for j in range(0, len(w), 7):
        i, s = w.source[j], w.start[j]
        slots = roles_to_slots(windows_to_positions(w.windows[j]), w.perm[j])    # (h, 11, 3)
        real = ds.arrays["positions"][i, s:s + w.horizon]
        assert np.allclose(slots[:, :, :2], real[:, :, :2]) and np.allclose(slots[:, 0], real[:, 0])


def test_role_order_handler_first_then_hoop_distance_and_greedy_defenders():
    frame = np.zeros((2, 11, 3), np.float32)
    frame[:, 1:6, :2] = [[60, 25], [85, 25], [70, 10], [80, 40], [50, 5]]    # slots 1..5
    frame[:, 6:11, :2] = [[51, 5], [81, 40], [61, 25], [86, 25], [71, 10]]   # each near one
    frame[:, 0, :2] = [69, 11]                                               # ball at slot 3
    perm = role_order(frame, np.array([4, -1]))
    assert perm[0].tolist() == [0, 4, 2, 3, 1, 5, 7, 9, 10, 8, 6]            # handler slot 4
    assert perm[1].tolist() == [0, 3, 2, 4, 1, 5, 10, 9, 7, 8, 6]           # nobody: nearest ball
    ds = toy_possessions(n=4)
    ds.arrays["handler"] = np.full(ds.arrays["frame_valid"].shape, 3, np.int8)
    w = make_windows(ds, horizon_s=3.0, stride=1)
    assert (w.perm[:, 1] == 3).all() and (w.handler == 0).all()


def test_velocity_channels_are_backward_differences():
    ds = toy_possessions(n=6)
    w = make_windows(ds, horizon_s=3.0, stride=1)
    assert CHANNEL_NAMES[:3] == ["ball_x", "ball_y", "ball_z"] and CHANNEL_NAMES[22] == "def4_y"
    assert CHANNEL_NAMES[23] == "dball_x" and len(CHANNEL_NAMES) == 46
    pos, vel = w.windows[..., :23], w.windows[..., 23:]
    assert np.allclose(vel[:, 1:], np.diff(pos, axis=1), atol=1e-4)
    first = w.start == 0
    assert np.allclose(vel[first, 0], vel[first, 1])             # a possession's frame 0
    later = np.flatnonzero(~first)[0]
    i, s = w.source[later], w.start[later]
    prev = positions_to_windows(ds.arrays["positions"][i, s - 1][w.perm[later]])
    assert np.allclose(vel[later, 0], pos[later, 0] - prev, atol=1e-4)
    t = torch.from_numpy(pos)
    assert torch.allclose(with_velocity(t), torch.from_numpy(with_velocity(pos)))


def test_channel_round_trip():
    ds = toy_possessions(n=3)
    w = make_windows(ds, horizon_s=3.0, stride=1)
    back = windows_to_positions(w.windows)
    assert back.shape == (len(w), w.horizon, 11, 3) and np.all(back[..., 1:, 2] == 0)
    assert np.allclose(positions_to_windows(back), w.windows[..., :23])
    t = torch.from_numpy(w.windows[..., :23])
    assert torch.allclose(positions_to_windows(windows_to_positions(t)), t)


def test_resampling_is_linear_and_rate_is_capped():
    ds = toy_possessions(n=4)
    w = make_windows(ds, horizon_s=4.0, rate_hz=1.0, stride=1)    # every other frame
    assert w.horizon == 4 and w.rate_hz == 1.0
    j = 0
    i, s = w.source[j], w.start[j]
    slots = roles_to_slots(windows_to_positions(w.windows[j]), w.perm[j])
    assert np.allclose(slots[1, 1, :2], ds.arrays["positions"][i, 2 * s + 2, 1, :2])
    with pytest.raises(ValueError, match="exceeds"):
        make_windows(ds, horizon_s=4.0, rate_hz=5.0)
    with pytest.raises(KeyError, match="nope"):
        make_windows(ds, horizon_s=4.0, reward="nope")


@pytest.mark.parametrize("kind", ["feet", "limits", "gaussian"])
def test_normalizer_round_trip(kind):
    w = make_windows(toy_possessions(), horizon_s=4.0).select_split("train")
    norm = Normalizer.fit(w.windows, w.mask, NormalizerConfig(kind))
    x = norm.normalize(w.windows)
    if kind == "limits":
        assert x[w.mask].min() >= -1 - 1e-5 and x[w.mask].max() <= 1 + 1e-5
    if kind == "feet":                                   # fixed foot scale, not fitted
        assert norm.shift[0] == 70.5 and norm.scale[0] == 25.0 and norm.scale[23] == 5.0
        assert np.allclose(norm.normalize(np.full(46, 0.0, np.float32))[23:], 0.0)
    again = Normalizer.from_dict(norm.to_dict())
    assert np.allclose(again.unnormalize(x), w.windows, atol=1e-4)
    t = torch.from_numpy(w.windows)
    assert torch.allclose(again.unnormalize(again.normalize(t)), t, atol=1e-4)
