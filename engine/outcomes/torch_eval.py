"""Batched, differentiable evaluation of fitted outcome models in torch (the simulator's).

:class:`OutcomeTensors` is the torch twin of :class:`engine.outcomes.numpy_eval.OutcomeArrays`:
same methods, same units (feet, degrees, seconds; see that module's docstring), inputs
and outputs are tensors of shape (b,) (or (b, 5) for the player lookups) on the device
and dtype it was built with. Clipping uses ``torch.clamp``: gradients are zero beyond the
clipping edges and exact inside. Scalar rates are python floats.
"""

from __future__ import annotations

import numpy as np
import torch

from engine.outcomes.models import OutcomeModels
from engine.outcomes.numpy_eval import SCALARS, OutcomeArrays, OutcomeParams, end_index, kind_logits

__all__ = ["OutcomeTensors", "OutcomeArrays", "OutcomeParams"]


class OutcomeTensors:
    """Torch evaluation of the outcome models. Build with :meth:`from_models`.

    Scalars (python floats): oreb_rate, shooting_foul_rate, ft_pct (league),
    live_turnover_per_s (1/s of holding), pass_speed_ftps (ft/s), turnover_rate.
    """

    def __init__(self, params: OutcomeParams, device: torch.device | str = "cpu",
                 dtype: torch.dtype = torch.float32):
        self.params, self.device, self.dtype = params, torch.device(device), dtype
        for k in SCALARS:
            setattr(self, k, float(params.scalars[k]))
        as_t = lambda v, dt=dtype: torch.as_tensor(v, dtype=dt, device=self.device)  # noqa: E731
        self._ids, self._adj = as_t(params.ids, torch.int64), as_t(params.logit_adj)
        ft = params.ft_pct.copy()
        ft[np.isnan(ft)] = params.scalars["ft_pct"]  # unknown -> league
        self._ft = as_t(ft)
        self._team_ids, self._team_adj = as_t(params.team_ids, torch.int64), as_t(params.team_adj)
        self._kind_offset = as_t(np.array(params.kind_offset, float))
        self._end = as_t(np.array([params.end_made, params.end_missed], float))   # (2, 11)
        self.uses_approach = params.kind_coef is not None
        self._rel_edges = as_t(np.array(params.release_edges, float))
        self._rel_q = as_t(np.array(params.release_q, float).reshape(-1, 11))

    @classmethod
    def from_models(cls, models: OutcomeModels, device: torch.device | str = "cpu",
                    dtype: torch.dtype = torch.float32) -> "OutcomeTensors":
        return cls(OutcomeParams.from_models(models), device, dtype)

    def logit_make(self, distance_ft: torch.Tensor, is_three: torch.Tensor,
                   defender_ft: torch.Tensor, angle_deg: torch.Tensor,
                   shot_clock_s: torch.Tensor, logit_adj: torch.Tensor | float = 0.0
                   ) -> torch.Tensor:
        """Linear predictor (b,) of :meth:`p_make`."""
        p, c, b = self.params, self.params.centers, self.params.shot
        d = distance_ft.to(self.dtype).clamp(0.0, p.max_distance_ft)
        eta = b["intercept"] + b["tracked"] + b["dist"] * d / 10.0
        for k in p.knots:
            eta = eta + b[f"dist_gt_{k:g}"] * (d - k).clamp_min(0.0) / 10.0
        eta = eta + b["is_three"] * is_three.to(self.dtype)
        dfn = torch.log1p(defender_ft.to(self.dtype).clamp(0.0, p.defender_cap_ft))
        ang = angle_deg.to(self.dtype).abs().clamp(0.0, 180.0) / 90.0
        clk = shot_clock_s.to(self.dtype).clamp(0.0, 24.0)
        late = (p.late_clock_s - clk).clamp_min(0.0) / p.late_clock_s
        eta = (eta + b["log_defender"] * (dfn - c["defender"]) + b["angle"] * (ang - c["angle"])
               + b["shot_clock"] * (clk / 24.0 - c["clock"]) + b["late_clock"] * (late - c["late"]))
        return eta + logit_adj

    def p_make(self, distance_ft: torch.Tensor, is_three: torch.Tensor,
               defender_ft: torch.Tensor, angle_deg: torch.Tensor, shot_clock_s: torch.Tensor,
               logit_adj: torch.Tensor | float = 0.0,
               approach_ftps: torch.Tensor | float = 0.0,
               kind_distance_ft: torch.Tensor | None = None) -> torch.Tensor:
        """Make probability (b,) of tracked shots: distance to the hoop (ft), is_three
        (bool), closest defender (ft), angle (deg, 0 = straight on), shot clock (s), the
        shooter's logit offset (:meth:`player_logit_adj`) and his speed toward the hoop
        (ft/s): the mixture over shot kinds (engine.outcomes.numpy_eval), whose kind
        model reads ``kind_distance_ft`` (the body's distance; default ``distance_ft``)."""
        eta = self.logit_make(distance_ft, is_three, defender_ft, angle_deg, shot_clock_s,
                              logit_adj)
        if self.params.kind_coef is None:
            return torch.sigmoid(eta)
        d = (distance_ft if kind_distance_ft is None else kind_distance_ft).to(self.dtype)
        v = torch.nan_to_num(torch.as_tensor(approach_ftps, dtype=self.dtype, device=d.device)
                             ).expand_as(d)
        z = torch.stack(kind_logits(self.params.kind_coef, d, v, torch.log1p, torch.clamp), dim=-1)
        w = torch.softmax(z, dim=-1)
        return (w * torch.sigmoid(eta[..., None] + self._kind_offset)).sum(dim=-1)

    def shot_end_s(self, u: torch.Tensor, made: torch.Tensor) -> torch.Tensor:
        """Seconds (b,) from the release to the logged end of the possession of shots
        with uniforms u (b,) and results made (b,) bool (engine.outcomes.numpy_eval)."""
        q = self._end[(~made).long()]                                       # (b, 11)
        i, f = end_index(u.to(self.dtype).clamp(0.0, 1.0), lambda t: t.floor().clamp_max(9.0))
        i = i.long()[:, None]
        lo, hi = torch.gather(q, 1, i)[:, 0], torch.gather(q, 1, i + 1)[:, 0]
        return lo + f * (hi - lo)

    def release_ft(self, body_ft: torch.Tensor, is_three: torch.Tensor, u: torch.Tensor
                   ) -> torch.Tensor:
        """Logged distance (b,) of shots whose shooter stands ``body_ft`` (b,) from the
        hoop, at uniforms u (b,) (engine.outcomes.release); ``body_ft`` without a model."""
        d = body_ft.to(self.dtype)
        if self._rel_q.numel() == 0:
            return d
        j = (torch.bucketize(d, self._rel_edges, right=True) - 1).clamp(0, len(self._rel_edges) - 1)
        q = self._rel_q[j]                                                   # (b, 11)
        i, f = end_index(u.to(self.dtype).clamp(0.0, 1.0), lambda t: t.floor().clamp_max(9.0))
        i = i.long()[:, None]
        lo, hi = torch.gather(q, 1, i)[:, 0], torch.gather(q, 1, i + 1)[:, 0]
        return torch.where(is_three, d, (lo + f * (hi - lo) + 0.5).floor())

    def p_intercept(self, lane_ft: torch.Tensor, pass_ft: torch.Tensor) -> torch.Tensor:
        """P(pass intercepted) (b,): closest defender's distance to the passer-receiver
        segment (ft) and the pass length (ft)."""
        q = self.params.passing
        if not q:
            raise ValueError("these outcome models have no pass interception model "
                             "(fit them with tracking data)")
        lane = torch.log1p(lane_ft.to(self.dtype).clamp(0.0, q["lane_cap_ft"]))
        length = pass_ft.to(self.dtype).clamp(0.0, 94.0) / 10.0
        return torch.sigmoid(q["intercept"] + q["log_lane"] * (lane - q["c_log_lane"])
                             + q["pass_len"] * (length - q["c_pass_len"]))

    def shot_flight_s(self, distance_ft: torch.Tensor) -> torch.Tensor:
        """Release-to-rim time (b,) in seconds of shots from distance_ft (b,) feet."""
        a, b, floor = self.params.flight
        return (a + b * distance_ft.to(self.dtype).clamp(0.0, 47.0)).clamp_min(floor)

    def _lookup(self, ids: torch.Tensor, values: torch.Tensor, query: torch.Tensor,
                default: float) -> torch.Tensor:
        q = query.to(device=self.device, dtype=torch.int64)
        if ids.numel() == 0:
            return torch.full(q.shape, default, dtype=self.dtype, device=self.device)
        idx = torch.searchsorted(ids, q.contiguous()).clamp_max(ids.numel() - 1)
        return torch.where(ids[idx] == q, values[idx], torch.full_like(values[idx], default))

    def player_logit_adj(self, player_ids: torch.Tensor) -> torch.Tensor:
        """Shooters' logit offsets (b, 5) of player ids (b, 5) (LongTensor); 0 if unknown."""
        return self._lookup(self._ids, self._adj, player_ids, 0.0)

    def player_ft_pct(self, player_ids: torch.Tensor) -> torch.Tensor:
        """Shrunk free-throw percentages (b, 5); the league's for unknown ids."""
        return self._lookup(self._ids, self._ft, player_ids, self.ft_pct)

    def team_logit_adj(self, team_ids: torch.Tensor) -> torch.Tensor:
        """Shrunk team logit offsets (b,) (instead of, not on top of, the players')."""
        return self._lookup(self._team_ids, self._team_adj, team_ids, 0.0)
