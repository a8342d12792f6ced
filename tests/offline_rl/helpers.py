"""A hand-made possession set whose decision points, labels and rewards are known."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd

from engine.possessions.dataset import PossessionSet
from engine.possessions.labels import Action

H, D, P, S, N = int(Action.HOLD), int(Action.DRIVE), int(Action.PASS), int(Action.SHOT), int(Action.NONE)


def tiny_set() -> PossessionSet:
    """Three possessions of 6 frames (games A < cutoff 'B' <= B):

    p0 (game A): holder 1 holds, drives, passes to 3, 3 holds, 3 shoots a three (release at
       frame 4, ball in flight: handler -1), frame 5 no holder. made3, 3 points.
    p1 (game A): holder 2 holds x2, passes to 1, 1 holds, frame 4 entity missing, frame 5
       padding. turnover, 0 points. Shot clock resets to 24 after the last decision.
    p2 (game B): holder 5 holds, shoots a two at frame 1; frames 2.. padding; end_of_period
       (a truncation), 2 points.
    """
    n, t = 3, 6
    rng = np.random.default_rng(0)
    pos = np.zeros((n, t, 11, 3), np.float32)
    pos[..., 0] = rng.uniform(50, 90, (n, t, 11))
    pos[..., 1] = rng.uniform(3, 47, (n, t, 11))
    handler = np.array([[1, 1, 1, 3, -1, -1], [2, 2, 2, 1, 1, -1], [5, 5, -1, -1, -1, -1]], np.int8)
    action = np.array([[H, D, P, H, S, N], [H, H, P, H, H, N], [H, S, N, N, N, N]], np.int8)
    target = np.full((n, t), -1, np.int8)
    target[0, 2], target[1, 2] = 3, 1
    frame_valid = np.array([[1] * 6, [1] * 5 + [0], [1, 1, 0, 0, 0, 0]], bool)
    valid = np.repeat(frame_valid[..., None], 11, axis=-1)
    valid[1, 4, 7] = False                                       # a defender missing
    # the shooter of p0 stands on the corner three line; p2's shooter near the rim
    pos[0, 4, 4, :2] = [88.0, 2.5]
    pos[0, 4, 0, :2] = [87.0, 3.0]                               # ball next to the shooter
    pos[2, 1, 5, :2] = [84.0, 25.0]
    shot_clock = np.array([[20, 18, 15, 12, 9, 24], [22, 20, 18, 16, 14, 24], [10, 8, 24, 24, 24, 24]], np.float32)
    shot_clock[1, 5] = 24.0
    game_clock = np.linspace(700, 690, t, dtype=np.float32)[None].repeat(n, 0)
    time_s = (np.arange(t, dtype=np.float32) * 0.52)[None].repeat(n, 0)
    shots = [[{"frame": 4, "is_three": True, "made": True}], [], [{"frame": 1, "is_three": False, "made": True}]]
    meta = pd.DataFrame({"game_id": ["0000000001", "0000000001", "0000000002"], "period": [1, 1, 1],
                         "poss_index": [0, 1, 2], "points": [3, 0, 2],
                         "outcome": ["made3", "turnover", "end_of_period"], "truncated": [False, False, False],
                         "end_clock": [400.0, 380.0, 0.0], "reward_playbest": [3.0, -1.0, 2.0],
                         "shots": [json.dumps(s) for s in shots], "split": ["train", "train", "test"]})
    arrays = {"positions": pos, "valid": valid, "frame_valid": frame_valid, "interpolated": np.zeros((n, t), bool),
              "handler": handler, "action": action, "pass_target": target, "game_clock": game_clock,
              "shot_clock": shot_clock, "time_s": time_s,
              "player_ids": np.tile(np.r_[-1, np.arange(1, 11)], (n, 1)).astype(np.int64)}
    return PossessionSet(arrays, meta, 1.923)
