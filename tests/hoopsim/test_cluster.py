"""executor=ray on a two-node ray.cluster_utils.Cluster (head + one worker node, both on this
machine): a tiny ingest and a tiny evaluate write byte for byte what the local run writes
(timing fields aside); a worker process killed mid-unit is retried by Ray with unchanged
results; a unit that fails after its retries is named in one line and the rest are kept.
One cluster for the module (starting Ray is most of the cost)."""

from __future__ import annotations

import json
import os
import signal
from pathlib import Path

import numpy as np
import pytest

ray = pytest.importorskip("ray")

from engine.runtime.executor import ExecutorConfig, RayOptions, Unit, UnitFailedError, run_units  # noqa: E402
from engine.runtime.shards import ShardStore, encode  # noqa: E402
from hoopsim.cli import main  # noqa: E402

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    from ray.cluster_utils import Cluster

    import uuid

    root = tmp_path_factory.mktemp("cluster")
    keys = ("HOOPSIM_CACHE", "RAY_AUTH_MODE", "RAY_AUTH_TOKEN")
    old = {k: os.environ.get(k) for k in keys}
    os.environ["HOOPSIM_CACHE"] = str(root / "cache")
    # as on a real cluster: token authentication on, every node and the driver share the token
    os.environ["RAY_AUTH_MODE"] = "token"
    os.environ["RAY_AUTH_TOKEN"] = uuid.uuid4().hex
    from ray._raylet import AuthenticationTokenLoader, Config   # this process read them at import
    Config.initialize("")
    AuthenticationTokenLoader.instance().reset_cache()
    assert main(["synthesize", "games=3", "n_periods=1", "seconds_per_period=150",
                 f"out={root / 'corpus'}"]) == 0
    c = Cluster(initialize_head=True, head_node_args={"num_cpus": 1})
    c.add_node(num_cpus=1)
    ray.init(address=c.address)
    yield c, root
    ray.shutdown()
    c.shutdown()
    for k, v in old.items():
        if v is None:
            os.environ.pop(k, None)
        else:
            os.environ[k] = v


def test_two_nodes_with_token_authentication(cluster):
    c, _ = cluster
    assert len([n for n in ray.nodes() if n["Alive"]]) == 2
    assert os.environ.get("RAY_AUTH_MODE", "token") != "disabled"
    from ray._raylet import AuthenticationMode, get_authentication_mode
    assert get_authentication_mode() == AuthenticationMode.TOKEN


def files_of(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*"))
            if p.is_file() and p.name != "config.yaml"}


def test_ingest_on_the_cluster_writes_what_the_local_run_writes(cluster):
    c, root = cluster
    args = ["ingest", f"tracking={root / 'corpus' / 'tracking'}", f"pbp={root / 'corpus' / 'pbp'}",
            "split_cutoff=0029900003"]
    assert main(args + [f"out={root / 'ing_local'}", "workers=1"]) == 0
    assert main(args + [f"out={root / 'ing_ray'}", "workers=1", "executor=ray",
                        f"ray.address={c.address}"]) == 0
    local, remote = files_of(root / "ing_local"), files_of(root / "ing_ray")
    assert local.keys() == remote.keys() and "possessions/arrays.npz" in local
    for name in local:
        if name != "summary.json":
            assert local[name] == remote[name], name
    a, b = (json.loads(x["summary.json"]) for x in (local, remote))
    assert a.pop("wall_s") >= 0 and b.pop("wall_s") >= 0
    assert a == b and a["totals"]["games"] == 3
    assert not list((root / "cache").glob("shards-ingest-*"))     # merged: shards removed


def test_evaluate_on_the_cluster_writes_what_the_local_run_writes(cluster):
    c, root = cluster
    args = ["evaluate", "data.games=2", "data.n_periods=1", "data.seconds_per_period=150",
            "possessions=8", "batch=4", "max_steps=40", "methods=[random_walk,scripted]",
            "defenses=[man_to_man,zone_2_3]", f"cache_dir={root / 'cache'}", "workers=1"]
    assert main(args + [f"out={root / 'ev_local'}"]) == 0
    assert main(args + [f"out={root / 'ev_ray'}", "executor=ray", "ray.address=auto"]) == 0
    local, remote = files_of(root / "ev_local"), files_of(root / "ev_ray")
    assert local["results.md"] == remote["results.md"]
    a, b = (json.loads(x["results.json"]) for x in (local, remote))
    assert a["meta"].pop("wall_s") > 0 and b["meta"].pop("wall_s") > 0
    assert a == b and len(a["cells"]) == 4


def kill_once(args, shared):
    """The ingest unit, but the first attempt at ``victim`` kills its own worker process."""
    from engine.possessions.ingest import ingest_unit

    cfg, marker, victim = shared
    if args == victim and not os.path.exists(marker):
        Path(marker).write_text("killed\n")
        os.kill(os.getpid(), signal.SIGKILL)
    return ingest_unit(args, cfg)


def same(a, b) -> bool:
    (ta, xa), (tb, xb) = encode(a), encode(b)
    return ta == tb and len(xa) == len(xb) and all(np.array_equal(p, q, equal_nan=True) for p, q in zip(xa, xb))


def test_a_killed_worker_is_retried_with_the_same_results(cluster, tmp_path):
    from engine.logs.io import TRACKING_SUFFIXES, expand_paths
    from hoopsim.data import PBP_SUFFIXES
    from engine.possessions.ingest import IngestConfig, game_units, ingest_unit, pair_files

    _, root = cluster
    pairs, _ = pair_files(expand_paths(str(root / "corpus" / "tracking"), TRACKING_SUFFIXES),
                          expand_paths(str(root / "corpus" / "pbp"), PBP_SUFFIXES))
    units = game_units(pairs)
    cfg = IngestConfig(workers=1)
    marker = tmp_path / "killed"
    local = run_units(ingest_unit, units, cfg, progress=False)
    remote = run_units(kill_once, units, (cfg, str(marker), units[1].args),
                       ExecutorConfig(kind="ray", ray=RayOptions(max_retries=2)), progress=False)
    assert marker.exists()                                      # a worker did die mid-run
    assert all(same(a, b) for a, b in zip(local, remote))


def fail_on_two(args, shared):
    if args == 2:
        raise ValueError("bad block")
    return {"v": np.full(3, args)}


def test_a_unit_failing_after_its_retries_is_named_and_the_rest_kept(cluster, tmp_path):
    units = [Unit(f"block/{i}", i, source=f"starts-{i}.npz") for i in range(4)]
    store = ShardStore(tmp_path / "shards")
    with pytest.raises(UnitFailedError) as info:
        run_units(fail_on_two, units, None, ExecutorConfig(kind="ray", ray=RayOptions(max_retries=1)),
                  store, progress=False)
    msg = str(info.value)
    assert "\n" not in msg and msg.startswith("starts-2.npz: unit block/2: failed: ValueError: bad block")
    assert [store.has(u.key) for u in units] == [True, True, False, True]


def test_soak_on_the_cluster_counts_what_the_local_run_counts(cluster):
    import torch

    from envs.core import default_outcomes, default_sim_config
    from envs.evaluation.soak import SoakConfig, run_soak
    from envs.starts import scenario_starts

    cfg = SoakConfig(possessions=48, batch=6, max_steps=30, schemes=("man_to_man", "zone_2_3"),
                     offenses=("random_walk", "scripted"))
    args = (cfg, scenario_starts(), default_outcomes(torch.device("cpu")), default_sim_config(),
            torch.device("cpu"))
    local = run_soak(*args, progress=False)
    remote = run_soak(*args, progress=False, executor=ExecutorConfig(kind="ray"))
    strip = lambda res: [{k: v for k, v in c.items() if k != "wall_s"} for c in res["cells"]]  # noqa: E731
    assert strip(local) == strip(remote) and local["schemes"] == remote["schemes"]
    assert local["possessions"] == 48 and len(local["cells"]) == 4


def test_realism_on_the_cluster_writes_what_the_local_run_writes(cluster):
    c, root = cluster
    corpus = root / "corpus"
    args = ["realism", f"tracking={corpus / 'tracking'}", f"pbp={corpus / 'pbp'}", "cutoff=0029900003",
            f"cache_dir={root / 'cache'}", "n_starts=12", "batch=4", "max_steps=12", "offense.steps=3",
            "offense.max_frames=1000", "offense.batch=128", "defense.steps=3", "defense.max_frames=1000",
            "workers=1", "device=cpu"]
    assert main(args + [f"out={root / 're_local'}"]) == 0
    assert main(args + [f"out={root / 're_ray'}", "executor=ray", "ray.address=auto"]) == 0
    local, remote = files_of(root / "re_local"), files_of(root / "re_ray")
    assert local["realism.md"] == remote["realism.md"]
    a, b = (json.loads(x["realism.json"]) for x in (local, remote))
    assert a["meta"].pop("wall_s") >= 0 and b["meta"].pop("wall_s") >= 0
    assert a == b and a["meta"]["n_starts"] == 12
