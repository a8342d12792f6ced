"""Simulated trajectories as :class:`engine.possessions.segment.Possession` objects.

The event detector (:mod:`engine.possessions.events`), the features and the diagrams read
possessions; this module turns a batch of simulator steps into them so that a
scripted play can be checked by the same detector as real data.

Frame k of a trace is the state *before* step k (frame 0 is the initial state); the
events of step k are what happened between frames k and k + 1. A decision taken on
frame k (pass or shot) is therefore labelled on frame k, as the real labeller labels
the last frame a holder has the ball. While the ball flies (pass or shot) or is dead
the handler is -1, as in tracking data. Slot ``s`` carries player id ``s`` (the ball
-1), so a shot's ``shooter_id`` is its slot.
"""

from __future__ import annotations

import numpy as np
import torch

from engine.possessions.labels import LabelConfig, label_actions
from engine.possessions.segment import Possession
from engine.sim.step import BallMode, SimState

PLAYER_IDS = np.arange(11, dtype=np.int64)
PLAYER_IDS[0] = -1


def possession_from_trajectory(positions: np.ndarray, handler: np.ndarray, time_s: np.ndarray,
                               shots: list[dict], shot_clock: np.ndarray | None = None,
                               game_clock: np.ndarray | None = None, meta: dict | None = None,
                               labels: LabelConfig | None = None) -> Possession:
    """One possession from arrays.

    positions (T, 11, 3) feet canonical; handler (T,) slot 1..5 holding the ball or -1;
    time_s (T,) seconds; shots: dicts with ``frame`` (release), ``shooter`` (slot),
    ``made`` and ``is_three``; shot_clock / game_clock (T,) seconds (NaN / counted down
    from 720 when None). Actions are labelled with engine.possessions.labels.label_actions.
    """
    t_len = positions.shape[0]
    pos = np.asarray(positions, np.float32)
    handler = np.asarray(handler).astype(np.int8)
    time_s = np.asarray(time_s, np.float64)
    release = [int(s["frame"]) for s in shots]
    action, target = label_actions(pos, handler, time_s, release, labels)
    shot_rows = [{"shooter_id": int(PLAYER_IDS[s["shooter"]]), "frame": int(s["frame"]),
                  "made": bool(s["made"]), "is_three": bool(s["is_three"])} for s in shots]
    return Possession(
        meta=dict(meta or {}), positions=pos, valid=np.ones((t_len, 11), bool),
        player_ids=PLAYER_IDS.copy(),
        game_clock=720.0 - time_s if game_clock is None else np.asarray(game_clock, np.float64),
        shot_clock=np.full(t_len, np.nan) if shot_clock is None else np.asarray(shot_clock, np.float64),
        time_s=time_s, segment=np.zeros(t_len, np.int32), handler=handler, action=action,
        pass_target=target, shots=shot_rows)


def _np(x: torch.Tensor) -> np.ndarray:
    return x.detach().cpu().numpy()


def possessions_from_sim(frames: list[SimState], events: list[dict[str, torch.Tensor]],
                         labels: LabelConfig | None = None) -> list[Possession]:
    """A batch of simulated possessions -> one Possession per batch row.

    frames: T states (frame 0 the initial one); events: the T - 1 event dicts of
    engine.sim.step.step between them. Each row is cut after the frame on which it ended.
    meta holds ``outcome`` (engine.sim.step.Outcome value), ``points`` and ``row``.
    """
    pos = np.stack([_np(s.pos) for s in frames], axis=1)                  # (b, T, 11, 3)
    held = np.stack([_np((s.ball_mode == BallMode.HELD) & ~s.done) for s in frames], axis=1)
    handler = np.where(held, np.stack([_np(s.handler) for s in frames], axis=1), -1)
    done = np.stack([_np(s.done) for s in frames], axis=1)
    time_s = np.stack([_np(s.elapsed) for s in frames], axis=1)
    sc = np.stack([_np(s.shot_clock) for s in frames], axis=1)
    gc = np.stack([_np(s.game_clock) for s in frames], axis=1)
    n_steps = len(events)
    shot = np.stack([_np(e["shot"]) for e in events], axis=1) if n_steps else np.zeros((pos.shape[0], 0), bool)
    value = np.stack([_np(s.shot_value) for s in frames[1:]], axis=1) if n_steps else shot
    made = np.stack([_np(s.shot_made) for s in frames[1:]], axis=1) if n_steps else shot
    last = frames[-1]
    out = []
    for i in range(pos.shape[0]):
        ended = np.flatnonzero(done[i])
        t_len = int(ended[0]) + 1 if ended.size else pos.shape[1]
        shots = [{"frame": int(k), "shooter": int(handler[i, k]), "made": bool(made[i, k]),
                  "is_three": bool(value[i, k] == 3)} for k in np.flatnonzero(shot[i, :t_len])]
        meta = {"row": i, "outcome": int(last.outcome[i]), "points": float(last.points[i])}
        out.append(possession_from_trajectory(pos[i, :t_len], handler[i, :t_len], time_s[i, :t_len],
                                              shots, sc[i, :t_len], gc[i, :t_len], meta, labels))
    return out
