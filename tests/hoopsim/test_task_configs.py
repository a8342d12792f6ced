"""Typed task configs at the edge: every task's YAML converts to its dataclass; a wrong type,
an unknown key or an out-of-range value is one line, exit code 2 and no run folder; library
code never sees hydra."""

from __future__ import annotations

import ast
import dataclasses
import importlib
from dataclasses import dataclass
from pathlib import Path

import pytest
from omegaconf import OmegaConf

from engine.errors import HoopsimConfigError
from hoopsim.cli import CONF_DIR, TASKS, load_config, main
from hoopsim.configs import above, at_least, plain, to_config
from hoopsim.errors import UsageError
from hoopsim.task_configs import IngestTask, SynthesizeTask

ROOT = Path(__file__).resolve().parents[2]


def group_options(group: str) -> list[str]:
    return sorted(p.stem for p in (CONF_DIR / group).glob("*.yaml"))


def task_config(task: str, overrides=()):
    """(the task's CONFIG class, its converted config); every required (???) key of the
    YAML, a path, is set to a placeholder."""
    cls = importlib.import_module(TASKS[task][0]).CONFIG
    required = [f"{k}=placeholder" for k in sorted(OmegaConf.missing_keys(load_config(task, [])))]
    return cls, to_config(cls, load_config(task, required + list(overrides)))


@pytest.mark.parametrize("yaml", sorted(CONF_DIR.glob("*.yaml")), ids=lambda p: p.stem)
def test_every_task_yaml_converts_to_its_dataclass(yaml):
    task = yaml.stem
    assert task in TASKS, f"{yaml.name} has no task"
    cls, cfg = task_config(task)
    assert type(cfg) is cls and dataclasses.is_dataclass(cfg)
    raw = OmegaConf.load(yaml)
    assert set(raw) - {"defaults"} <= {f.name for f in dataclasses.fields(cls)}
    groups = [g for d in raw.get("defaults", []) if not isinstance(d, str) for g in d]
    for group in groups:                  # every option of the task's config groups
        for option in group_options(group):
            _, cfg = task_config(task, [f"{group}={option}"])
            assert getattr(cfg, group) is not None


def test_the_conversion_types_every_value():
    _, cfg = task_config("evaluate", ["data.tracking=['a/*.csv.gz','b']", "data.pbp=c",
                                      "methods=scripted", "possessions=7", "defense=zone_2_3"])
    assert cfg.data.tracking == ("a/*.csv.gz", "b") and cfg.data.pbp == "c"
    assert cfg.methods == ("scripted",) and cfg.possessions == 7
    assert cfg.planner.widths == (16, 32) and isinstance(cfg.planner.lr, float)
    assert cfg.defense["name"] == "zone_2_3" and isinstance(cfg.defense["zones"], list)
    _, cfg = task_config("ingest", ["periods=[1,2]", "rate_hz=5"])
    assert cfg.periods == (1, 2) and cfg.rate_hz == 5.0
    _, cfg = task_config("synthesize", ["games=3"])
    assert cfg.n_games == 3                      # the older name follows the interpolation
    _, cfg = task_config("realism", ["offense.steps=15", "seed=4"])
    assert cfg.offense.steps == 15 and type(cfg.offense).__name__ == "OffenseBCConfig"


@pytest.mark.parametrize("task,override,needle", [
    ("evaluate", "possessions=abc", "possessions='abc': expected an integer"),
    ("evaluate", "+nosuch=1", "nosuch=1: unknown key"),
    ("evaluate", "+data.nosuch=1", "data.nosuch=1: unknown key"),
    ("evaluate", "possessions=0", "possessions=0: must be at least 1"),
    ("evaluate", "table5.horizons_s=[6,-1]", "table5.horizons_s[1]=-1.0: must be greater than 0"),
    ("evaluate", "playbest.sampler=slow", "playbest.sampler='slow': choose one of"),
    ("evaluate", "device=gpu", "device='gpu'"),
    ("train", "planner.widths=[16,wide]", "planner.widths[1]='wide': expected an integer"),
    ("ingest", "periods=some", "periods='some': expected one of tracked, all or a list"),
    ("ingest", "max_seconds=-1", "max_seconds=-1.0: must be greater than 0"),
    ("realism", "offense.hidden=wide", "offense.hidden='wide': expected an integer"),
    ("render", "report=true", None),
    ("bench", "sections=[sim,nosuch]", "sections[1]='nosuch'"),
])
def test_a_bad_value_names_key_and_value(task, override, needle):
    if needle is None:                     # a key hydra itself refuses (no '+')
        with pytest.raises(Exception, match="report"):
            task_config(task, [override])
        return
    with pytest.raises(HoopsimConfigError) as err:
        task_config(task, [override])
    assert needle in str(err.value) and "\n" not in str(err.value)


def test_a_missing_required_value_is_a_usage_error():
    with pytest.raises(UsageError, match="tracking is required"):
        to_config(IngestTask, load_config("ingest", ["pbp=p"]))


def one_line_exit_2(argv, capsys, monkeypatch, tmp_path, needle: str):
    monkeypatch.chdir(tmp_path)
    out = tmp_path / "out"
    assert main(argv + [f"out={out}"]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "Traceback" not in err and needle in err, err
    assert not out.exists() and not (tmp_path / "runs").exists() and not (tmp_path / "multirun").exists()


@pytest.mark.parametrize("argv,needle", [
    (["evaluate", "possessions=many"], "possessions='many'"),
    (["evaluate", "+possesions=10"], "possesions=10: unknown key"),
    (["evaluate", "methods=[scripted,nosuch]"], "nosuch"),
    (["simulate", "possessions=-3", "starts=scenario"], "possessions=-3"),
    (["simulate", "offense=scripted", "starts=scenario", "batch=1.5"], "batch=1.5"),
    (["train", "planner.lr=0"], "planner.lr=0.0: must be greater than 0"),
    (["ingest", "tracking=t", "pbp=p", "workers=0"], "workers=0"),
    (["synthesize", "seconds_per_period=fast"], "seconds_per_period='fast'"),
    (["render", "cache=c", "every=0"], "every=0"),
    (["synthesize", "-m", "seed=0,1", "games=1,0", "seconds_per_period=30"], "games=0"),
])
def test_bad_task_values_exit_2_with_one_line_and_no_folder(argv, needle, capsys, monkeypatch, tmp_path):
    one_line_exit_2(argv, capsys, monkeypatch, tmp_path, needle)


def test_main_takes_the_dataclass_and_config_yaml_round_trips(tmp_path, capsys):
    from hoopsim.tasks import synthesize

    _, cfg = task_config("synthesize", ["n_games=1", "seconds_per_period=30",
                                        f"out={tmp_path / 's'}"])
    assert synthesize.main(cfg) == 0
    written = OmegaConf.load(tmp_path / "s" / "config.yaml")
    assert to_config(SynthesizeTask, written) == cfg
    assert plain(cfg)["offenses"] == ["scripted"]


@dataclass(frozen=True, kw_only=True)
class Inner:
    k: int = at_least(2, 2)

    def __post_init__(self):
        if self.k == 3:
            raise ValueError("three is not allowed\nsecond line")


@dataclass(frozen=True, kw_only=True)
class Outer:
    inner: Inner
    xs: tuple[float, ...] = above(0, (1.0,))
    flag: bool = False
    opt: str | None = None


def test_the_converter_on_its_own():
    assert to_config(Outer, {"inner": {}}) == Outer(inner=Inner())
    assert to_config(Outer, {"inner": {"k": 4}, "xs": 2}).xs == (2.0,)
    with pytest.raises(HoopsimConfigError, match=r"^inner\.k=1: must be at least 2$"):
        to_config(Outer, {"inner": {"k": 1}})
    with pytest.raises(HoopsimConfigError, match=r"^inner=\{'k': 3\}: three is not allowed$"):
        to_config(Outer, {"inner": {"k": 3}})
    with pytest.raises(HoopsimConfigError, match="flag=1: expected true or false"):
        to_config(Outer, {"inner": {}, "flag": 1})
    with pytest.raises(HoopsimConfigError, match=r"opt=\[1\]: expected a string"):
        to_config(Outer, {"inner": {}, "opt": [1]})
    with pytest.raises(UsageError, match="inner is required"):
        to_config(Outer, {})


LIBRARY = ("engine", "envs", "planners", "offline_rl", "language", "viz")


def test_library_code_never_sees_hydra():
    """hydra and omegaconf are imported in hoopsim/ only (so no DictConfig reaches below)."""
    offenders = []
    for package in LIBRARY:
        for path in (ROOT / package).rglob("*.py"):
            for node in ast.walk(ast.parse(path.read_text())):
                names = ([a.name for a in node.names] if isinstance(node, ast.Import)
                         else [node.module or ""] if isinstance(node, ast.ImportFrom) else [])
                offenders += [f"{path.relative_to(ROOT)}: {n}" for n in names
                              if n.split(".")[0] in ("hydra", "omegaconf")]
    assert offenders == []


def test_evaluate_trains_no_planner_it_does_not_play(tmp_path):
    """table5.method is a planner id, but with table5.possessions=0 it never plays: no
    planner is trained (before the typed config every evaluate trained one)."""
    import json

    out, cache = tmp_path / "ev", tmp_path / "cache"
    assert main(["evaluate", "data.games=2", "data.n_periods=1", "data.seconds_per_period=200",
                 "workers=1", "methods=[scripted]", "defenses=[man_to_man]", "possessions=4",
                 "table5.possessions=0", f"cache_dir={cache}", f"out={out}"]) == 0
    assert json.loads((out / "results.json").read_text())["meta"]["planner_checkpoint"] is None
    assert not list(cache.glob("planner-*"))
