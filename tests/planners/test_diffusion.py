import json

import numpy as np
import pytest
import torch

from engine.runtime.training import TrainConfig
from engine.schema import SCHEMA_VERSION
from planners.denoiser import precondition
from planners.diffusion import build_model, load_diffusion, train
from planners.planner import load_planner
from planners.unet import TemporalUNet, UNetConfig
from planners.windows import make_windows
from tests.planners.helpers import tiny_config, toy_possessions

FAST = TrainConfig(lr=5e-3, ema_start=5, ema_decay=0.9, save_every=1000, log_every=1000)


@pytest.fixture(scope="module")
def windows():
    return make_windows(toy_possessions(n=16), horizon_s=4.0, stride=1).select_split("train")


@pytest.mark.parametrize("h", [5, 7, 8, 13])
def test_unet_output_shape_any_horizon(h):
    net = TemporalUNet(UNetConfig(widths=(16, 32, 64)))
    x = torch.randn(2, h, 46 + 3)                     # window + conditioning channels
    assert net(x, torch.tensor([0, 3])).shape == (2, h, 46)
    assert net(x, 4).shape == (2, h, 46)


def test_unet_rejects_bad_widths():
    with pytest.raises(ValueError, match="multiples"):
        UNetConfig(widths=(12, 24))


def test_training_loss_falls(tmp_path, windows):
    res = train(tiny_config(), windows, steps=80, batch=16, device="cpu",
                out_dir=tmp_path, progress=False, train_cfg=FAST)
    assert res.step == 80 and len(res.losses) == 80
    assert np.mean(res.losses[-10:]) < 0.7 * np.mean(res.losses[:10])


def test_preconditioning_copies_the_input_at_no_noise():
    """With F's output zero and alpha_bar = 1, x0_hat is x_k exactly (the identity
    path the plain UNet1DModel lacked); at full noise it is F's output scaled."""
    cfg = tiny_config()
    model = build_model(cfg)
    last = model.net.net.out_block.final_conv1d_2
    torch.nn.init.zeros_(last.weight)
    torch.nn.init.zeros_(last.bias)
    model.alpha_bar[0] = 1.0
    x = torch.randn(3, 8, 46, generator=torch.Generator().manual_seed(0))
    assert torch.equal(model(x, 0), x)
    c_skip, c_out, c_in = precondition(torch.tensor([1.0, 0.0]), 0.5)
    assert c_skip.tolist() == [1.0, 0.0] and c_out.tolist() == [0.0, 0.5] and c_in[1] == 1.0
    model.alpha_bar[5] = 0.0
    assert torch.equal(model(x, 5), torch.zeros_like(x))


def test_checkpoint_round_trip_and_resume(tmp_path, windows):
    cfg = tiny_config()
    train(cfg, windows, steps=6, batch=8, device="cpu", out_dir=tmp_path,
                  progress=False, train_cfg=FAST)
    meta = json.loads((tmp_path / "diffusion" / "checkpoint.json").read_text())
    assert meta["step"] == 6 and meta["schema_version"] == SCHEMA_VERSION
    assert meta["config"] == json.loads(json.dumps(cfg.to_dict()))
    assert "code_revision" in meta and meta["normalizer"]["kind"] == "feet"
    assert not list(tmp_path.glob(".*tmp*"))                      # nothing half-written left
    model, _, cfg2, _ = load_diffusion(tmp_path, "cpu")
    again, _, _, _ = load_diffusion(tmp_path / "diffusion", "cpu")
    x = torch.randn(3, 8, 46, generator=torch.Generator().manual_seed(1))
    k = torch.tensor([0, 5, 19])
    assert torch.equal(model(x, k), again(x, k)) and cfg2 == cfg
    planner = load_planner(tmp_path, "cpu")
    assert torch.equal(planner.model(x, k), model(x, k))
    # resume continues the step count and matches an uninterrupted run
    resumed = train(cfg, windows, steps=10, batch=8, device="cpu", out_dir=tmp_path,
                    progress=False, train_cfg=FAST)
    assert resumed.step == 10 and len(resumed.losses) == 4
    straight = train(cfg, windows, steps=10, batch=8, device="cpu", out_dir=tmp_path / "b",
                     progress=False, train_cfg=FAST)
    assert np.allclose(straight.losses[6:], resumed.losses, rtol=1e-4, atol=1e-6)
    done = train(cfg, windows, steps=10, batch=8, device="cpu", out_dir=tmp_path, progress=False,
                 train_cfg=FAST)
    assert done.step == 10 and done.losses == []


def test_resume_with_other_config_is_an_error(tmp_path, windows):
    train(tiny_config(), windows, steps=2, batch=4, device="cpu", out_dir=tmp_path, progress=False)
    with pytest.raises(ValueError, match="config differs"):
        train(tiny_config(sigma_data=0.25), windows, steps=3, batch=4, device="cpu",
              out_dir=tmp_path, progress=False)
