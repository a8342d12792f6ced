"""Planner checkpoints in engine.runtime's one format: folders written before the move
(format 1: no ``kind`` / ``checkpoint_format``) still load; a folder this code cannot
rebuild fails with one line that says "retrain"."""

from __future__ import annotations

import json

import pytest
import torch

from engine.errors import HoopsimDataError
from planners.diffusion import train
from planners.normalizer import Normalizer
from planners.planner import load_planner
from planners.schedule import DiffusionConfig
from planners.value import ValueConfig, load_value, train_value
from planners.windows import make_windows
from tests.planners.helpers import tiny_config, toy_possessions

TINY_VALUE = ValueConfig(widths=(16, 32), diffusion=DiffusionConfig(n_train_steps=20))


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    """A training out_dir with diffusion/ and value/ after two steps each."""
    out = tmp_path_factory.mktemp("planner")
    w = make_windows(toy_possessions(n=8), horizon_s=4.0, stride=2).select_split("train")
    train(tiny_config(), w, steps=2, batch=4, device="cpu", out_dir=out, progress=False)
    norm = Normalizer.fit(w.windows, w.mask)
    train_value(TINY_VALUE, w, norm, steps=2, batch=4, device="cpu", out_dir=out, progress=False)
    return out


def edit_meta(folder, change) -> None:
    path = folder / "checkpoint.json"
    meta = json.loads(path.read_text())
    change(meta)
    path.write_text(json.dumps(meta))


def copy_tree(src, dst):
    import shutil

    shutil.copytree(src, dst)
    return dst


def test_format_1_folders_still_load(trained, tmp_path):
    old = copy_tree(trained, tmp_path / "old")
    for sub in ("diffusion", "value"):
        edit_meta(old / sub, lambda m: [m.pop("kind"), m.pop("checkpoint_format")])
    new, legacy = load_planner(trained, "cpu"), load_planner(old, "cpu")
    assert legacy.value_model is not None
    x, k = torch.randn(2, 8, 46, generator=torch.Generator().manual_seed(0)), torch.tensor([1, 7])
    assert torch.equal(new.model(x, k), legacy.model(x, k))
    assert torch.equal(new.value_model(x, k), legacy.value_model(x, k))


@pytest.mark.parametrize("change", [
    lambda m: m.update(schema_version=-1),                           # another data schema
    lambda m: m["config"].pop("unet"),                               # an older config layout
    lambda m: m["config"]["unet"].update(depth=3),                   # a field this code lacks
    lambda m: m["config"]["unet"].update(widths=[32, 64]),           # weights of another shape
], ids=["schema_version", "missing_section", "unknown_field", "weights_shape"])
def test_a_checkpoint_this_code_cannot_rebuild_says_retrain(trained, tmp_path, change):
    old = copy_tree(trained, tmp_path / "old")
    edit_meta(old / "diffusion", change)
    with pytest.raises(HoopsimDataError, match="retrain") as err:
        load_planner(old, "cpu")
    assert "\n" not in str(err.value) and "checkpoint.json" in str(err.value)


def test_value_checkpoint_of_another_layout_says_retrain(trained, tmp_path):
    old = copy_tree(trained, tmp_path / "old")
    edit_meta(old / "value", lambda m: m["config"].pop("widths"))
    with pytest.raises(HoopsimDataError, match="retrain"):
        load_value(old, "cpu")
