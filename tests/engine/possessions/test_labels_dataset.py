import numpy as np
import pandas as pd
import pytest

from engine.errors import HoopsimDataError
from engine.possessions.dataset import (
    PossessionSet,
    load_cache,
    resample_possession,
    save_cache,
    stack,
)
from engine.possessions.labels import Action, label_actions
from engine.possessions.segment import Possession


def toy_possession(t=10, rate=2.0):
    pos = np.zeros((t, 11, 3), np.float32)
    pos[:, 1:, 0] = np.linspace(50, 70, 10)  # players spread in x
    pos[:, 1:, 1] = 25.0
    handler = np.full(t, 1, np.int8)
    handler[5:] = 2
    pos[:, 0, :2] = pos[np.arange(t), handler, :2]
    pos[5:, 0, 0] += 0.5
    time_s = np.arange(t) / rate
    action, target = label_actions(pos, handler, time_s, [9])
    return Possession(meta={"game_id": "x"}, positions=pos, valid=np.ones((t, 11), bool),
                      player_ids=np.arange(-1, 10), game_clock=700 - time_s,
                      shot_clock=np.full(t, 20.0), time_s=time_s,
                      segment=np.zeros(t, np.int32), handler=handler, action=action,
                      pass_target=target)


def test_pass_shot_hold_labels():
    p = toy_possession()
    assert p.action[4] == Action.PASS and p.pass_target[4] == 2
    assert p.action[9] == Action.SHOT
    assert set(p.action[:4]) == {Action.HOLD}


def test_drive_label_needs_closing_speed():
    t = 4
    pos = np.zeros((t, 11, 3), np.float32)
    pos[:, 1, 0] = [60, 64, 68, 68.5]   # 8 ft/s, 8 ft/s, then 1 ft/s toward the right hoop
    pos[:, 1, 1] = 25
    pos[:, 0] = pos[:, 1]
    action, _ = label_actions(pos, np.ones(t, np.int8), np.arange(t) * 0.5, [])
    assert action.tolist() == [Action.DRIVE, Action.DRIVE, Action.HOLD, Action.HOLD]


def test_resample_marks_interpolated_and_gaps():
    p = toy_possession(t=6, rate=2.0)
    p.segment[3:] = 1                       # a gap between native frames 2 and 3
    r = resample_possession(p, 4.0)         # grid every 0.25 s over 0..2.5 s
    assert r["positions"].shape == (11, 11, 3)
    assert r["interpolated"].tolist() == [False, True] * 2 + [False, False, False, True, False, True, False]
    assert not r["frame_valid"][5]          # t = 1.25 s lies in the gap
    mid = r["positions"][1, 1, 0]
    assert mid == pytest.approx((p.positions[0, 1, 0] + p.positions[1, 1, 0]) / 2)


def test_cache_round_trip_and_schema_version(tmp_path):
    frames = [resample_possession(toy_possession(), 2.0)]
    arrays, trunc = stack(frames, [np.arange(-1, 10)], max_frames=12)
    ds = PossessionSet(arrays, pd.DataFrame({"game_id": ["x"], "shots": [[{"frame": 1}]]}), 2.0)
    save_cache(ds, tmp_path / "c", {"config": {}})
    back, man = load_cache(tmp_path / "c")
    assert np.array_equal(back.arrays["positions"], arrays["positions"]) and not trunc[0]
    assert [p.name for p in tmp_path.iterdir()] == ["c"]   # no temporary left behind
    (tmp_path / "c" / "manifest.json").write_text('{"schema_version": 99, "rate_hz": 2}')
    with pytest.raises(HoopsimDataError, match="schema_version"):
        load_cache(tmp_path / "c")
