"""Tactical events of engine.possessions.events (screen, post entry, ball reversal, kick-out) on tiny
hand-built possessions, and the simulated-trajectory -> Possession helper."""

from __future__ import annotations

import numpy as np
import torch

from engine.possessions.events import TacticalConfig, detect_events, detect_tactical
from engine.possessions.labels import Action
from engine.sim.step import SimConfig, initial_state, step
from engine.sim.trace import possession_from_trajectory, possessions_from_sim

DT = 0.5
SPOTS = np.array([[64.5, 25.0], [71.0, 7.0], [71.0, 43.0], [88.0, 2.5], [88.0, 47.5]])
HOOP = np.array([88.75, 25.0])


def build(handler: list[int], moves: dict[int, list] | None = None, shots=None):
    """Possession of len(handler) frames 0.5 s apart: attackers on the 5-out spots,
    defenders on static guard spots (20% toward the hoop), overridden per slot by
    ``moves`` {slot: (x, y) or a list of (x, y) per frame}; ball with its holder."""
    t = len(handler)
    pos = np.zeros((t, 11, 3), np.float32)
    pos[:, 1:6, :2] = SPOTS
    pos[:, 6:11, :2] = SPOTS + 0.2 * (HOOP - SPOTS)
    for slot, xy in (moves or {}).items():
        pos[:, slot, :2] = np.broadcast_to(np.asarray(xy, np.float32), (t, 2))
    h = np.asarray(handler)
    pos[:, 0, :2] = pos[np.arange(t), np.clip(h, 1, None), :2]
    return possession_from_trajectory(pos, h, np.arange(t) * DT, shots or [])


def kinds(poss, kind: str) -> list[dict]:
    return [e for e in detect_events(poss, tactical=True) if e["type"] == kind]


def line(a, b, n: int) -> list:
    return [tuple(a + (np.asarray(b) - a) * i / (n - 1)) for i in range(n)]


# ------------------------------------------------------------------------------ screen
def _screen_case(screener, handler_path, handler=None):
    h = handler or [1] * len(handler_path)
    return build(h, {1: handler_path, 2: screener, 6: (69.0, 25.0)})


HANDLER_USES = [(64.5, 25.0)] * 3 + line(np.array([64.5, 25.0]), (76.0, 33.0), 5)


def test_screen_found_when_a_still_teammate_beside_the_defender_is_run_past():
    screener = [(69.5, 36.0)] + [(69.5, 28.0)] * 7
    ev = kinds(_screen_case(screener, HANDLER_USES), "screen")
    assert len(ev) == 1
    assert (ev[0]["from"], ev[0]["to"], ev[0]["defender"]) == (2, 1, 6)
    assert ev[0]["frame"] == 1 and ev[0]["end_frame"] > ev[0]["frame"]


def test_no_screen_when_the_teammate_keeps_moving():
    walking = line(np.array([69.5, 36.0]), (69.5, 22.0), 8)  # 4 ft/step = 8 ft/s
    assert kinds(_screen_case(walking, HANDLER_USES), "screen") == []


def test_no_screen_when_the_teammate_stands_far_from_the_defender():
    far = [(69.5, 33.5)] * 8  # 8.5 ft from the handler's defender
    path = [(64.5, 25.0)] * 3 + line(np.array([64.5, 25.0]), (72.0, 36.0), 5)
    assert kinds(_screen_case(far, path), "screen") == []


def test_no_screen_when_the_handler_never_comes_by_or_passes_first():
    screener = [(69.5, 28.0)] * 8
    assert kinds(_screen_case(screener, [(64.5, 25.0)] * 8), "screen") == []
    passed = [1, 1, 1, -1, 3, 3, 3, 3]  # the ball leaves before he uses the screen
    assert kinds(_screen_case(screener, HANDLER_USES, passed), "screen") == []


# -------------------------------------------------------------------------- post entry
def test_post_entry_on_the_block_but_not_at_the_elbow_or_corner():
    handler = [2, 2, 2, -1, 4, 4]
    ev = kinds(build(handler, {4: (82.0, 16.5)}), "post_entry")
    assert len(ev) == 1 and (ev[0]["from"], ev[0]["to"], ev[0]["frame"]) == (2, 4, 4)
    assert 6.0 <= ev[0]["distance_ft"] <= 14.0
    assert kinds(build(handler, {4: (75.0, 17.0)}), "post_entry") == []   # elbow: 15.9 ft
    assert kinds(build(handler), "post_entry") == []                       # corner: 22.5 ft
    assert kinds(build(handler, {4: (86.0, 25.0)}), "post_entry") == []   # at the rim


# ------------------------------------------------------------------------ ball reversal
def test_ball_reversal_wing_top_wing():
    ev = kinds(build([2, 2, -1, 1, 1, -1, 3, 3]), "ball_reversal")
    assert len(ev) == 1
    assert (ev[0]["from"], ev[0]["to"], ev[0]["passes"]) == (2, 3, 2)
    assert (ev[0]["frame"], ev[0]["end_frame"]) == (1, 6)


def test_no_reversal_for_a_skip_pass_a_slow_swing_a_same_side_swing_or_the_post():
    assert kinds(build([2, 2, -1, 3, 3]), "ball_reversal") == []              # one pass
    slow = [2, 2, -1] + [1] * 14 + [-1, 3, 3]                                 # 8 s at the top
    assert kinds(build(slow), "ball_reversal") == []
    same_side = build([2, 2, -1, 1, 1, -1, 4, 4], {4: (80.0, 12.0)})         # ends at y = 12
    assert kinds(same_side, "ball_reversal") == []
    post = build([2, 2, -1, 1, 1, -1, 3, 3], {1: (84.0, 25.0)})              # through the post
    assert kinds(post, "ball_reversal") == []


def test_reversal_margin_is_configurable():
    poss = build([2, 2, -1, 1, 1, -1, 3, 3], {3: (68.0, 31.0)})              # ends at y = 31
    assert detect_tactical(poss, cfg=TacticalConfig(reversal_margin_ft=7.0)) == []
    loose = detect_tactical(poss, cfg=TacticalConfig(reversal_margin_ft=4.0))
    assert [e["type"] for e in loose] == ["ball_reversal"]


# ----------------------------------------------------------------------------- kick-out
DRIVE = line(np.array([64.5, 25.0]), (80.0, 25.0), 4)


def test_kick_out_after_a_drive():
    poss = build([1, 1, 1, 1, -1, 4, 4], {1: DRIVE + [(80.0, 25.0)] * 3})
    assert (poss.action == Action.DRIVE).any()
    ev = kinds(poss, "kick_out")
    assert len(ev) == 1 and (ev[0]["from"], ev[0]["to"], ev[0]["frame"]) == (1, 4, 3)


def test_no_kick_out_inside_late_or_without_a_drive():
    inside = build([1, 1, 1, 1, -1, 4, 4], {1: DRIVE + [(80.0, 25.0)] * 3, 4: (84.0, 18.0)})
    assert kinds(inside, "kick_out") == []
    late = build([1] * 10 + [-1, 4, 4], {1: DRIVE + [(80.0, 25.0)] * 9})   # holds 3 s first
    assert kinds(late, "kick_out") == []
    standing = build([1, 1, 1, 1, -1, 4, 4])                               # no drive
    assert kinds(standing, "kick_out") == []


def test_default_detector_output_unchanged():
    poss = build([2, 2, -1, 1, 1, -1, 3, 3])
    assert {e["type"] for e in detect_events(poss)} == {"pass"}


# ------------------------------------------------------------------- trajectory helper
class _Outcomes:
    """Tiny deterministic stand-in for engine.outcomes.torch_eval.OutcomeTensors."""

    p_make_value, oreb_rate, shooting_foul_rate, ft_pct = 1.0, 0.0, 0.0, 0.76
    live_turnover_per_s, pass_speed_ftps = 0.0, 35.0

    def p_make(self, d, three, dfn, ang, clk, adj):
        return torch.ones_like(d)

    def p_intercept(self, lane, length):
        return torch.zeros_like(lane)

    def shot_flight_s(self, d):
        return 0.8 + 0.02 * d


def test_possessions_from_sim_labels_pass_and_shot():
    cfg = SimConfig()
    pos = torch.zeros(1, 11, 3)
    pos[0, 1:6, :2] = torch.tensor(SPOTS, dtype=torch.float32)
    pos[0, 6:11, :2] = pos[0, 1:6, :2] + 0.2 * (torch.tensor(HOOP) - pos[0, 1:6, :2])
    state = initial_state(pos, torch.tensor([1]), torch.tensor([float("nan")]), torch.tensor([700.0]))
    frames, events = [state], []
    for d in [0, 3, 0, 0, 0, 6, 0, 0, 0, 0, 0]:   # hold, pass to off_2 (slot 3), wait, shoot
        state, ev = step(state, torch.zeros(1, 5, 2), torch.zeros(1, 5, 2), torch.tensor([d]),
                         torch.full((1, 8), 0.5), _Outcomes(), cfg)
        frames.append(state)
        events.append(ev)
    (poss,) = possessions_from_sim(frames, events)
    assert poss.action[1] == Action.PASS and poss.pass_target[1] == 3
    # a 19 ft pass at 35 ft/s flies two steps of 0.52 s: caught on frame 4
    assert list(poss.handler[:6]) == [1, 1, -1, -1, 3, 3]
    assert len(poss.shots) == 1 and poss.shots[0]["frame"] == 5 and poss.shots[0]["made"]
    assert poss.shots[0]["is_three"] and poss.meta["points"] == 3.0
    assert poss.n_frames < len(frames)  # cut after the made shot
    types = [e["type"] for e in detect_events(poss)]
    assert types == ["pass", "shot"]
