import numpy as np
import pytest
import torch

from planners.normalizer import Normalizer, NormalizerConfig
from planners.windows import (
    CHANNEL_NAMES,
    make_windows,
    positions_to_windows,
    windows_to_positions,
)
from tests.planners.helpers import toy_possessions


def test_window_shapes_mask_and_padding():
    ds = toy_possessions()
    w = make_windows(ds, horizon_s=4.0, stride=2)               # 2 Hz -> h = 8
    assert w.windows.shape[1:] == (8, 23) and w.windows.dtype == np.float32
    assert w.mask.shape == w.windows.shape[:2]
    assert len(w.returns) == len(w.source) == len(w)
    length = ds.arrays["frame_valid"].sum(1)
    for j in range(len(w)):
        n_real = min(length[w.source[j]] - w.start[j], 8)
        assert w.mask[j, :n_real].all() and not w.mask[j, n_real:].any()
        # padding repeats the possession's last frame
        assert np.allclose(w.windows[j, n_real:], w.windows[j, n_real - 1])
        assert w.returns[j] == ds.meta["reward_playbest"][w.source[j]]
    assert set(w.split) == {"train", "test"}
    assert len(w.select_split("train")) + len(w.select_split("test")) == len(w)


def test_channel_order_round_trip():
    ds = toy_possessions(n=3)
    w = make_windows(ds, horizon_s=3.0, stride=1)
    j = 0
    i, s = w.source[j], w.start[j]
    pos = ds.arrays["positions"][i, s]
    assert CHANNEL_NAMES[:3] == ["ball_x", "ball_y", "ball_z"] and CHANNEL_NAMES[-1] == "def4_y"
    assert np.allclose(w.windows[j, 0, :3], pos[0])              # ball x, y, z
    assert np.allclose(w.windows[j, 0, 3:5], pos[1, :2])         # off_0
    assert np.allclose(w.windows[j, 0, 13:15], pos[6, :2])       # def_0
    back = windows_to_positions(w.windows)
    assert back.shape == (len(w), w.horizon, 11, 3) and np.all(back[..., 1:, 2] == 0)
    assert np.allclose(positions_to_windows(back), w.windows)
    t = torch.from_numpy(w.windows)
    assert torch.allclose(positions_to_windows(windows_to_positions(t)), t)


def test_resampling_is_linear_and_rate_is_capped():
    ds = toy_possessions(n=4)
    w = make_windows(ds, horizon_s=4.0, rate_hz=1.0, stride=1)    # every other frame
    assert w.horizon == 4 and w.rate_hz == 1.0
    j = 0
    i, s = w.source[j], w.start[j]
    assert np.allclose(w.windows[j, 1, 3:5], ds.arrays["positions"][i, 2 * s + 2, 1, :2])
    w3 = make_windows(ds, horizon_s=4.0, rate_hz=4.0 / 3.0, stride=1)
    i = w3.source[0]
    p = ds.arrays["positions"][i]
    assert np.allclose(w3.windows[0, 1, 3:5], 0.5 * p[1, 1, :2] + 0.5 * p[2, 1, :2], atol=1e-4)
    with pytest.raises(ValueError, match="exceeds"):
        make_windows(ds, horizon_s=4.0, rate_hz=5.0)
    with pytest.raises(KeyError, match="nope"):
        make_windows(ds, horizon_s=4.0, reward="nope")


@pytest.mark.parametrize("kind", ["limits", "gaussian"])
def test_normalizer_round_trip(kind):
    w = make_windows(toy_possessions(), horizon_s=4.0).select_split("train")
    norm = Normalizer.fit(w.windows, w.mask, NormalizerConfig(kind))
    x = norm.normalize(w.windows)
    if kind == "limits":
        assert x[w.mask].min() >= -1 - 1e-5 and x[w.mask].max() <= 1 + 1e-5
    again = Normalizer.from_dict(norm.to_dict())
    assert np.allclose(again.unnormalize(x), w.windows, atol=1e-4)
    t = torch.from_numpy(w.windows)
    assert torch.allclose(again.unnormalize(again.normalize(t)), t, atol=1e-4)
