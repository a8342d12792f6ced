"""Make-model calibration by logged shot distance on tracked shots (issue 11: simulated FG%
at the rim). For every tracked shot of the shared logs with a shot clock, the shipped outcome models' make
probability twice: with the play-by-play's shot kind (what the fit saw) and as the kind
mixture the simulator uses (kind unknown: P(kind | the shooter's tracked distance, his
approach speed) from the kind model, through the simulator's torch evaluator), beside the real FG%, per logged-distance bin, training games (in-sample) and
held-out games apart. Shooter offsets are left out (player_adjust=False) on both sides.

    python benchmarks/make_calibration.py [--tracking DIR] [--pbp DIR] [--cutoff ID] [--out CSV]

Measured in session 4 (shipped models v3 with the release model), training games: 0-1 ft
0.694 with the kind / 0.633 as the simulator's mixture vs 0.709 real; 2-3 ft 0.457 / 0.480 vs
0.392; held-out 0-1 ft 0.705 / 0.637 vs 0.737. Extra distance knots at 1, 2, 3 ft (refit)
leave 0-1 ft where it is: the rim error sits in the kind mixture and the tracked terms.
"""

from __future__ import annotations

import argparse

import pandas as pd
import torch

from engine.outcomes.models import default_models
from engine.outcomes.tables import build_outcome_tables
from engine.outcomes.torch_eval import OutcomeTensors
from hoopsim.data import path_spec

EDGES = (0, 1, 2, 3, 5, 7, 10, 16, 23, 30, 50)


def calibration_table(shots: pd.DataFrame, models, cutoff: str) -> pd.DataFrame:
    """shots: the outcome tables' shot table -> one row per (held_out, distance bin)."""
    t = shots[shots["defender_ft"].notna() & shots["shot_clock"].between(0, 24)].copy()   # tracked, clock read
    t["held_out"] = t["game_id"].astype(str) >= cutoff
    t["p_with_kind"] = models.p_make(t, player_adjust=False)
    out = OutcomeTensors.from_models(models, "cpu", torch.float64)      # the simulator's evaluator
    col = lambda c: torch.tensor(t[c].to_numpy(float))
    t["p_kind_mixture"] = out.p_make(col("distance_ft"), col("is_three").bool(), col("defender_ft"),
                                     col("angle_deg"), col("shot_clock"), 0.0,
                                     approach_ftps=torch.nan_to_num(col("approach_ftps")),
                                     kind_distance_ft=col("track_distance_ft")).numpy()
    t["bin_ft"] = pd.cut(t["distance_ft"], list(EDGES), include_lowest=True)
    return (t.groupby(["held_out", "bin_ft"], observed=True)
            .agg(n=("made", "size"), fg=("made", "mean"), p_with_kind=("p_with_kind", "mean"),
                 p_kind_mixture=("p_kind_mixture", "mean"))
            .round(3).reset_index())


def main(argv=None) -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--tracking", default="../shared/data/tracking_2hz")
    p.add_argument("--pbp", default="../shared/data/pbp")
    p.add_argument("--cutoff", default="0021500500")
    p.add_argument("--out", default=None, help="also write the table as CSV")
    a = p.parse_args(argv)
    tables = build_outcome_tables(path_spec(a.tracking), path_spec(a.pbp), a.cutoff, workers=1)
    table = calibration_table(tables.shots, default_models(), a.cutoff)
    print(table.to_string(index=False))
    if a.out:
        table.to_csv(a.out, index=False)


if __name__ == "__main__":
    main()
