"""hoopsim soak (issue 11): every scheme x offense, checked; each check can fail."""
import json

import pytest
import torch

from engine.sim.step import Outcome
from envs.core import default_outcomes, default_sim_config
from envs.evaluation.soak import SoakConfig, _row_checks, run_soak, summarize, table
from envs.starts import scenario_starts

CPU = torch.device("cpu")


def _soak(n: int, **kw) -> dict:
    return run_soak(SoakConfig(possessions=n, **kw), scenario_starts(), default_outcomes(CPU),
                    default_sim_config(), CPU, progress=False)


def test_row_checks_flag_nan_off_court_and_speed():
    pos, vel = torch.full((4, 11, 3), 10.0), torch.zeros(4, 11, 3)
    pos[1, 3, 0] = float("nan")
    pos[2, 7, 1] = -2.5                       # 2.5 ft beyond the sideline
    vel[3, 2, 0] = 30.0                       # over a 20.7 ft/s cap
    nonfinite, off, fast = _row_checks(pos, vel, 20.7, 2.0)
    assert nonfinite.tolist() == [False, True, False, False]
    assert off.tolist() == [False, False, True, False]
    assert fast.tolist() == [False, False, False, True]


def test_small_soak_passes_every_check_and_counts_outcomes():
    res = _soak(240, batch=64, schemes=("man_to_man", "zone_2_3"),
                offenses=("random_walk", "pick_and_roll"))
    assert res["ok"], res["failures"]
    assert res["possessions"] == 240 and len(res["cells"]) == 4
    for c in res["cells"]:
        assert sum(c["outcomes"].values()) == c["n"] == 60
        assert c["outcomes"]["ONGOING"] == 0
    assert "all checks passed" in table(res)


def test_failed_check_and_ppp_out_of_range_are_reported():
    cell = {"scheme": "zone_2_3", "offense": "motion", "n": 10, "points": 30.0, "ppp": 3.0,
            "wall_s": 0.1, "steps": 5, "nonfinite": 0, "off_court": 1, "over_speed": 0,
            "unfinished": 0, "illegal_outcome": 0, "points_mismatch": 0,
            "outcomes": {o.name: 0 for o in Outcome}}
    res = summarize([cell], SoakConfig(), 1.0)
    assert not res["ok"] and res["failures"][0].startswith("off_court: 1 of 10")
    assert any(f.startswith("ppp: zone_2_3 3.000") for f in res["failures"])


def test_hoopsim_soak_writes_json_and_exits_2_on_failure(tmp_path, capsys):
    from hoopsim.cli import main

    ok = main(["soak", f"out={tmp_path / 'a'}", "possessions=48", "batch=16",
               "schemes=[man_to_man]", "offenses=[random_walk,isolation]"])
    res = json.loads((tmp_path / "a" / "soak.json").read_text())
    assert res["possessions"] == 48 and res["threads"] == 1
    bad = main(["soak", f"out={tmp_path / 'b'}", "possessions=16", "batch=16",
                "schemes=[man_to_man]", "offenses=[isolation]", "ppp_range=[5.0,6.0]"])
    err = capsys.readouterr().err.strip().splitlines()
    assert (ok, bad) == (0, 2) and err[-1].startswith("soak failed: ppp: man_to_man")


@pytest.mark.slow
def test_ci_soak_10000_possessions():
    res = _soak(10_000)
    assert res["ok"], res["failures"]
    assert res["possessions"] >= 10_000


def test_hoopsim_soak_with_logs_adds_the_league_offense_and_bc_defense(tmp_path, shared_data,
                                                                        monkeypatch):
    """With tracking / pbp the soak fits (here: stands in for) the league models on the games
    before the cutoff and runs them as offense ``bc`` and scheme ``bc`` in every cell."""
    import hoopsim.league as league
    from envs.defense import DEFENSES
    from hoopsim.cli import main
    from offline_rl.bc import BCOffense, FittedOffense, OffenseBCConfig, OffenseNet
    from offline_rl.bc.shot_select import TABLE_SHAPE

    seen = {}

    def stand_in(train, test, ocfg, dcfg, seed, cache_dir, device):
        seen.update(games=sorted(set(train.meta["game_id"].astype(str))), ocfg=ocfg)
        torch.manual_seed(0)
        fit = FittedOffense(OffenseNet(8).eval(), OffenseBCConfig(hidden=8), {},
                            torch.full(TABLE_SHAPE, 0.1))
        return BCOffense(fit), DEFENSES.make("man_to_man"), {}

    monkeypatch.setattr(league, "league_models", stand_in)
    work = tmp_path / "data"
    for kind in ("tracking_2hz", "pbp"):
        (work / kind).mkdir(parents=True)
        for g in ("0021500002", "0021500500"):
            (work / kind / f"{g}.csv.gz").symlink_to(shared_data / kind / f"{g}.csv.gz")
    code = main(["soak", f"out={tmp_path / 'out'}", "possessions=64", "batch=16",
                 "schemes=[man_to_man]", "offenses=[isolation]", f"tracking={work / 'tracking_2hz'}",
                 f"pbp={work / 'pbp'}", f"cache_dir={tmp_path / 'cache'}"])
    res = json.loads((tmp_path / "out" / "soak.json").read_text())
    cells = {(c["scheme"], c["offense"]) for c in res["cells"]}
    assert code == 0 and cells == {("man_to_man", "isolation"), ("man_to_man", "bc"),
                                   ("bc", "isolation"), ("bc", "bc")}
    assert seen["games"] == ["0021500002"] and seen["ocfg"].calibrate_rounds == 3


def test_sized_offense_has_its_own_total_and_chunks():
    """An offense in SoakConfig.sizes (a planner) gets its own possessions over all schemes
    and chunk size; the others split ``possessions`` among themselves as before."""
    from envs.evaluation.soak import soak_units

    cfg = SoakConfig(possessions=200, batch=64, sizes={"planner": (10, 3)})
    units = soak_units(cfg, ["man_to_man", "zone_2_3"], ["random_walk", "planner"])
    rows = {}
    for u in units:
        s, o, _, n = u.args
        assert n <= (3 if o == "planner" else 64)
        rows[(s, o)] = rows.get((s, o), 0) + n
    assert rows == {("man_to_man", "random_walk"): 100, ("zone_2_3", "random_walk"): 100,
                    ("man_to_man", "planner"): 5, ("zone_2_3", "planner"): 5}


def test_hoopsim_soak_with_the_shipped_planner_checks_its_possessions(tmp_path):
    """planner_checkpoint=playbest-2hz: PlayBest (playbest_rank) plays its own possessions
    against every scheme, under the same checks."""
    from hoopsim.cli import main

    assert main(["soak", f"out={tmp_path}", "possessions=32", "batch=16", "schemes=[man_to_man,zone_2_3]",
                 "offenses=[pick_and_roll]", "planner_checkpoint=playbest-2hz",
                 "playbest_possessions=4", "playbest_batch=2", "playbest.candidates=4"]) == 0
    res = json.loads((tmp_path / "soak.json").read_text())
    cells = {(c["scheme"], c["offense"]): c for c in res["cells"]}
    for scheme in ("man_to_man", "zone_2_3"):
        c = cells[(scheme, "playbest_rank")]
        assert c["n"] == 2 and sum(c["outcomes"].values()) == 2 and c["outcomes"]["ONGOING"] == 0
        assert cells[(scheme, "pick_and_roll")]["n"] == 16
    assert res["ok"], res["failures"]


def test_hoopsim_soak_rejects_a_method_that_is_not_playbest(tmp_path, capsys):
    from hoopsim.cli import main

    assert main(["soak", f"out={tmp_path}", "possessions=8", "planner_checkpoint=playbest-2hz",
                 "playbest_method=scripted"]) == 2
    assert "playbest_method" in capsys.readouterr().err
    assert not tmp_path.exists() or not any(tmp_path.iterdir())     # nothing half written
