"""engine.outcomes.fouls on the real logs (issue 11): and-ones, non-shooting fouls and the
bonus, the logged end of a shot's possession; and the kind model."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from engine.logs.pbp import read_pbp
from engine.outcomes.fouls import (
    NONSHOOTING_FOUL_ACTIONS,
    pbp_foul_counts,
    pbp_shot_ends,
)
from engine.outcomes.kinds import KINDS, fit_kind_model, kind_group, kind_probs
from engine.possessions.from_pbp import segment_possessions


@pytest.fixture(scope="module")
def game(shared_data):
    return read_pbp(shared_data / "pbp" / "0021500002.csv.gz")


def test_issue11_and_one_and_rebound_end(game):
    ends = pbp_shot_ends(game).set_index("event_num")
    # 69: "Mirotic Cutting Dunk Shot", S.FOUL, "Free Throw 1 of 1" at 296 s
    assert ends.loc[69, "and_one"] and ends.loc[69, "end_clock"] == 296.0
    # 2: "MISS Mirotic 3' Driving Finger Roll Layup" at 695 s, Love's rebound at 694 s
    assert not ends.loc[2, "and_one"] and ends.loc[2, "end_clock"] == 694.0
    assert int(ends["and_one"].sum()) == 5


def test_issue11_bonus_fouls_agree_with_the_penalty_marker(game):
    """The bonus is read from the free-throw trip that follows; the log's own ".PN)"
    (team in the penalty) marker is an independent check."""
    counts = pbp_foul_counts(game, segment_possessions(game))
    ev = game.events
    fouls = ev[(ev["msg_type"] == 6) & ev["action_type"].isin(NONSHOOTING_FOUL_ACTIONS)]
    marked = (fouls["home_desc"].fillna("") + fouls["visitor_desc"].fillna("")).str.contains(r"\.PN\)")
    assert counts == {"made_fga": 75, "and_ones": 5, "nonshooting_fouls": 24, "nonshooting_bonus": 7}
    assert counts["nonshooting_bonus"] == int(marked.sum())


def test_kind_groups_and_kind_model_recovers_rim_kinds():
    assert list(kind_group(["dunk", "alley_oop", "putback", "floater", "three", "other"])) == \
        ["dunk", "layup", "layup", "hook", "jumper", "jumper"]
    rng = np.random.default_rng(0)
    d = rng.uniform(0.0, 25.0, 6000)
    v = rng.normal(2.0, 4.0, 6000)
    # dunks near the rim when driving, layups near the rim, jumpers farther out
    kind = np.where(d < 3, np.where(v > 4, "dunk", "layup"), np.where(d < 8, "hook", "jump_shot"))
    shots = pd.DataFrame({"game_id": "0021500001", "shot_kind": kind, "track_distance_ft": d,
                          "approach_ftps": v})
    model = fit_kind_model(shots, "0021500500")
    p = kind_probs(model["coefficients"], [1.0, 1.0, 20.0], [10.0, -2.0, 0.0])
    assert p[0, KINDS.index("dunk")] > 0.8 and p[1, KINDS.index("layup")] > 0.8
    assert p[2, KINDS.index("jumper")] > 0.9
    assert fit_kind_model(shots, "0021500000") == {}            # no game before the cutoff
