"""engine.runtime: the one checkpoint format, the one training loop, the one cache helper,
and engine.registry's name -> config -> factory form."""

from __future__ import annotations

import json
import os
import logging
from dataclasses import dataclass

import pytest
import torch
from torch import nn

from engine.errors import HoopsimConfigError, HoopsimDataError
from engine.registry import Registry
from engine.runtime import (TrainConfig, cache_folder, cache_key, load_meta, load_tensors, run_training,
                            save_checkpoint)
from engine.runtime.checkpoint import CHECKPOINT_FORMAT, META_FILE
from engine.schema import SCHEMA_VERSION


def _regression(seed: int = 0):
    gen = torch.Generator().manual_seed(seed)
    x = torch.randn(256, 3, generator=gen)
    y = x @ torch.tensor([[1.0], [-2.0], [0.5]])
    model = nn.Linear(3, 1)
    nn.init.zeros_(model.weight)
    nn.init.zeros_(model.bias)

    def loss_fn(batch_gen: torch.Generator) -> torch.Tensor:
        idx = torch.randint(0, 256, (32,), generator=batch_gen)
        return ((model(x[idx]) - y[idx]) ** 2).mean()
    return model, loss_fn


def test_checkpoint_round_trip_records_kind_format_schema_and_revision(tmp_path):
    weights = {"w": torch.arange(6.0).reshape(2, 3)}
    save_checkpoint(tmp_path / "ck", {"weights": weights}, {"config": {"a": 1}}, kind="bc-offense")
    meta = load_meta(tmp_path / "ck", "bc-offense")
    assert (meta["kind"], meta["checkpoint_format"], meta["schema_version"]) == \
        ("bc-offense", CHECKPOINT_FORMAT, SCHEMA_VERSION)
    assert meta["config"] == {"a": 1} and meta["code_revision"]
    assert torch.equal(load_tensors(tmp_path / "ck", "weights")["w"], weights["w"])
    with pytest.raises(HoopsimDataError, match="a bc-offense checkpoint, expected planner-value"):
        load_meta(tmp_path / "ck", "planner-value")


def test_format_1_planner_folders_load_and_other_schemas_say_retrain(tmp_path):
    (tmp_path / "old").mkdir()
    (tmp_path / "old" / META_FILE).write_text(json.dumps(
        {"kind": "value", "schema_version": SCHEMA_VERSION, "config": {}, "step": 3}))
    assert load_meta(tmp_path / "old", "planner-value")["step"] == 3
    with pytest.raises(HoopsimDataError):
        load_meta(tmp_path / "old", "bc-defense")
    (tmp_path / "old" / META_FILE).write_text(json.dumps({"schema_version": -1, "config": {}}))
    with pytest.raises(HoopsimDataError, match="retrain") as err:
        load_meta(tmp_path / "old", "planner-diffusion")
    assert "\n" not in str(err.value)


def test_training_resumes_to_the_same_weights_as_one_run(tmp_path):
    cfg = TrainConfig(lr=5e-2, save_every=5, log_every=100, ema_start=2)
    model, loss_fn = _regression()
    one, _ = run_training(model, loss_fn, tmp_path / "one", 20, torch.device("cpu"),
                          {"config": {"x": 1}}, cfg, progress=False, kind="test-model")
    first = model.weight.detach().clone()
    model, loss_fn = _regression()
    run_training(model, loss_fn, tmp_path / "two", 10, torch.device("cpu"), {"config": {"x": 1}}, cfg,
                 progress=False, kind="test-model")
    model2, loss_fn2 = _regression()
    result, ema = run_training(model2, loss_fn2, tmp_path / "two", 20, torch.device("cpu"),
                               {"config": {"x": 1}}, cfg, progress=False, kind="test-model")
    assert result.step == 20 and len(result.losses) == 10
    assert torch.allclose(model2.weight, first, atol=1e-6)
    assert sum(one.losses[-5:]) < 0.8 * sum(one.losses[:5])
    assert load_meta(tmp_path / "two", "test-model")["step"] == 20


def test_training_without_a_folder_writes_nothing(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    model, loss_fn = _regression()
    result, ema = run_training(model, loss_fn, None, 15, torch.device("cpu"), {"config": {}},
                               TrainConfig(lr=1e-2, ema_start=2), progress=False, kind="test-model")
    assert result.step == 15 and result.folder is None and list(tmp_path.iterdir()) == []
    assert not torch.equal(ema.model.weight, model.weight)  # the average lags the weights


def test_cache_key_is_stable_canonical_and_sensitive(tmp_path):
    @dataclass
    class Cfg:
        a: int = 1
        b: str = "x"
    assert cache_key(Cfg(), {"y": 2, "x": 1}) == cache_key(Cfg(), {"x": 1, "y": 2})
    assert cache_key(Cfg()) != cache_key(Cfg(a=2))
    assert cache_key(tmp_path / "f") == cache_key(str((tmp_path / "f").resolve()))
    assert len(cache_key("z")) == 16


def test_cache_folder_says_once_when_an_old_entry_is_rebuilt(tmp_path, caplog):
    (tmp_path / "offense-bc-0123456789abcdef").mkdir()
    (tmp_path / "offense-bc-extra-0123").mkdir()
    with caplog.at_level(logging.INFO, logger="engine.runtime.cache"):
        folder = cache_folder("offense-bc", cache_key("new"), tmp_path)
        cache_folder("corpus", cache_key("new"), tmp_path)
    assert folder.parent == tmp_path and folder.name.startswith("offense-bc-")
    lines = [r.getMessage() for r in caplog.records]
    assert len(lines) == 1 and "offense-bc cache" in lines[0] and "building" in lines[0]


def test_registry_builds_by_name_and_names_the_choices():
    @dataclass
    class ZoneCfg:
        depth_ft: float = 15.0
    reg: Registry = Registry("defense")

    @reg.register("zone_2_3", ZoneCfg, help="2-3 zone")
    def make_zone(cfg: ZoneCfg, device: str = "cpu"):
        return ("zone", cfg.depth_ft, device)

    assert reg.make("zone_2_3", {"depth_ft": 12.0}, device="meta") == ("zone", 12.0, "meta")
    assert reg.names() == ["zone_2_3"] and "zone_2_3" in reg
    with pytest.raises(HoopsimConfigError, match="choose one of zone_2_3"):
        reg.make("zone_3_2")
    with pytest.raises(HoopsimConfigError, match="unknown option"):
        reg.config("zone_2_3", {"dpeth_ft": 1})
    with pytest.raises(ValueError, match="twice"):
        reg.register("zone_2_3", ZoneCfg)(make_zone)


def test_cosine_schedule_matches_torch_cosine_annealing():
    cfg = TrainConfig(lr=3e-3, lr_schedule="cosine")
    opt = torch.optim.SGD([nn.Parameter(torch.zeros(1))], lr=cfg.lr)
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, 40)
    for step in range(40):
        assert abs(cfg.lr_at(step, 40) - opt.param_groups[0]["lr"]) < 1e-12
        opt.step()
        sched.step()
    assert TrainConfig(lr=0.1).lr_at(39, 40) == 0.1
    with pytest.raises(ValueError, match="lr_schedule"):
        TrainConfig(lr_schedule="linear")


def test_file_stamp_follows_content_not_modification_time(tmp_path):
    """A data folder copied anew (same bytes, new mtime) keeps its cache key; new bytes
    of the same size give a new key."""
    from engine.runtime.cache import file_stamp
    f = tmp_path / "game.csv"
    f.write_bytes(b"abc,1\n")
    before = file_stamp(f)
    os.utime(f, ns=(1_000_000_000, 1_000_000_000))
    assert file_stamp(f) == before
    f.write_bytes(b"abd,1\n")
    assert file_stamp(f) != before
