"""Realism and forecast gates of a trained planner, from RAW samples (issue 10).

Pure functions over windows (n, h, c) in feet (position channels first, role order)
and a driver, :func:`measure_gates`, that draws raw DDIM-10 samples (no projection, no
guide: planners.sampler.RAW) on held-out windows and returns the gate dict:

    speed_ks, speed_p99_ratio   player step speeds (ft/s) of the generated frames vs the
                                real windows' same frames: two-sample KS, p99 ratio
    accel_ks                    player acceleration magnitudes (ft/s^2), KS
    offcourt_share              share of generated player positions > 2 ft outside the
    real_offcourt_share         94 x 50 ft lines, and the real windows' share
    minade20_m, minfde20_m      forecast of ``n_future`` frames from ``n_observed``:
                                per player the min over ``n_samples`` samples of the
                                mean (ADE) / final (FDE) displacement, metres, averaged
                                over the 10 players (ball apart), on a seeded subset
    scene_minade20_m, ...       the same with one min per scene (all players together)
    cv_minade_m, cv_minfde_m    a constant-velocity forecast of the same windows
    n_windows, n_forecast       windows measured for speeds / forecasts
    shot_rate, real_shot_rate   (with ``executor``) the executor's open-loop shots per
                                decision on the speed windows' samples and on the real
                                windows read the same way (planners.objective.read_plan
                                from the last observed frame, up to each plan's first
                                shot; with a ``support``, shots outside it are holds)
    shot_distance_median_ft,    median distance to the hoop of those shots (None when
    real_shot_distance_median_ft  there are none)

    decode_weight, positions_only  the samples are read as deployed (position channels
                                fused with the velocity channels, planners.windows.
                                fuse_channels); positions_only: the same gates of the
                                same samples from the position channels alone

Speed windows are conditioned on their first ``n_speed_observed`` frames (planning
inpaints 2-4 observed frames); speeds are measured from the last observed frame on.
"""

from __future__ import annotations

import logging
from dataclasses import replace

import numpy as np
import torch

from engine.court import COURT_LENGTH, COURT_WIDTH
from planners.sampler import RAW, SamplerConfig, sample
from planners.windows import fuse_channels
from planners.windows import windows_to_positions

log = logging.getLogger(__name__)

FT_TO_M = 0.3048


def ks_statistic(a: np.ndarray, b: np.ndarray) -> float:
    """Two-sample Kolmogorov-Smirnov statistic of 1-D samples a and b."""
    a, b = np.sort(np.ravel(a)), np.sort(np.ravel(b))
    grid = np.concatenate([a, b])
    cdf_a = np.searchsorted(a, grid, side="right") / a.size
    cdf_b = np.searchsorted(b, grid, side="right") / b.size
    return float(np.abs(cdf_a - cdf_b).max())


def player_speeds(windows: np.ndarray, rate_hz: float, first: int = 0) -> np.ndarray:
    """Player step speeds (ft/s) from frame ``first`` on: (n, h, c) -> (n * (h-1-first) * 10,)."""
    pos = windows_to_positions(np.asarray(windows))[:, first:, 1:, :2]
    return (np.linalg.norm(np.diff(pos, axis=1), axis=-1) * rate_hz).ravel()


def player_accels(windows: np.ndarray, rate_hz: float, first: int = 0) -> np.ndarray:
    """Player acceleration magnitudes (ft/s^2): the change of the step velocity vector
    per frame, from frame ``first`` on: (n, h, c) -> (n * (h-2-first) * 10,)."""
    pos = windows_to_positions(np.asarray(windows))[:, first:, 1:, :2]
    vel = np.diff(pos, axis=1) * rate_hz
    return (np.linalg.norm(np.diff(vel, axis=1), axis=-1) * rate_hz).ravel()


def offcourt_share(windows: np.ndarray, margin_ft: float = 2.0, first: int = 0) -> float:
    """Share of player positions more than ``margin_ft`` outside the court lines."""
    xy = windows_to_positions(np.asarray(windows))[:, first:, 1:, :2]
    out = ((xy[..., 0] < -margin_ft) | (xy[..., 0] > COURT_LENGTH + margin_ft)
           | (xy[..., 1] < -margin_ft) | (xy[..., 1] > COURT_WIDTH + margin_ft))
    return float(out.mean())


def forecast_errors(samples: np.ndarray, truth: np.ndarray, n_observed: int, n_future: int
                    ) -> dict[str, float]:
    """min-over-samples displacement errors in metres.

    samples (n, s, h, c) and truth (n, h, c) feet; frames n_observed .. n_observed +
    n_future - 1 are scored. Returns minade_m / minfde_m (per player min over samples,
    mean over the 10 players and windows) and scene_minade_m / scene_minfde_m (one min
    per window over the players' mean)."""
    sl = slice(n_observed, n_observed + n_future)
    p = windows_to_positions(np.asarray(samples))[:, :, sl, 1:, :2]               # (n, s, f, 10, 2)
    t = windows_to_positions(np.asarray(truth))[:, None, sl, 1:, :2]
    d = np.linalg.norm(p - t, axis=-1) * FT_TO_M                                  # (n, s, f, 10)
    ade, fde = d.mean(2), d[:, :, -1]                                             # (n, s, 10)
    return {"minade_m": float(ade.min(1).mean()), "minfde_m": float(fde.min(1).mean()),
            "scene_minade_m": float(ade.mean(-1).min(1).mean()),
            "scene_minfde_m": float(fde.mean(-1).min(1).mean())}


def constant_velocity(truth: np.ndarray, n_observed: int, n_future: int) -> np.ndarray:
    """Constant-velocity forecast (n, 1, h, c): the last observed step repeated over
    the next n_future frames (position channels; the rest copied from ``truth``)."""
    out = np.array(truth, np.float32, copy=True)
    last = out[:, n_observed - 1, :23]
    step = last - out[:, n_observed - 2, :23]
    k = np.arange(1, n_future + 1, dtype=np.float32)[None, :, None]
    out[:, n_observed:n_observed + n_future, :23] = last[:, None] + k * step[:, None]
    return out[:, None]


def raw_samples(model, normalizer, diffusion, truth: np.ndarray, n_observed: int, n_samples: int,
                 gen: torch.Generator, sampler: SamplerConfig, batch: int, device) -> np.ndarray:
    """Raw samples (n, s, h, c) feet conditioned on each window's first n_observed frames."""
    n, h, _ = truth.shape
    per = max(1, batch // n_samples)
    out = []
    for lo in range(0, n, per):
        chunk = torch.from_numpy(truth[lo:lo + per]).to(device)
        cond = {t: chunk[:, t] for t in range(n_observed)}
        res = sample(model, normalizer, diffusion, chunk.shape[0] * n_samples, h, cond, gen,
                     cfg=sampler, device=device)
        out.append(res.plans.view(chunk.shape[0], n_samples, h, -1).cpu().numpy())
    return np.concatenate(out)


def _decoded(samples: np.ndarray, n_observed: int, weight: float) -> np.ndarray:
    """samples (..., h, c) feet, decoded by planners.windows.fuse_channels."""
    flat = torch.from_numpy(np.ascontiguousarray(samples.reshape(-1, *samples.shape[-2:])))
    return fuse_channels(flat, range(n_observed), weight).numpy().reshape(samples.shape)


def _reading(fake, real, forecasts, truth, rate, first, n_observed, n_future) -> dict:
    v_r, v_f = player_speeds(real, rate, first), player_speeds(fake, rate, first)
    a_r, a_f = player_accels(real, rate, first), player_accels(fake, rate, first)
    fc = forecast_errors(forecasts, truth, n_observed, n_future)
    return {"speed_ks": ks_statistic(v_f, v_r),
            "speed_p99_ratio": float(np.percentile(v_f, 99) / np.percentile(v_r, 99)),
            "speed_median_ftps": float(np.median(v_f)), "real_speed_median_ftps": float(np.median(v_r)),
            "accel_ks": ks_statistic(a_f, a_r),
            "offcourt_share": offcourt_share(fake, first=first + 1),
            "real_offcourt_share": offcourt_share(real, first=first + 1),
            "minade20_m": fc["minade_m"], "minfde20_m": fc["minfde_m"],
            "scene_minade20_m": fc["scene_minade_m"], "scene_minfde20_m": fc["scene_minfde_m"]}


def gate_picks(n_windows: int, n_speed: int | None, n_forecast: int | None, seed: int
               ) -> tuple[np.ndarray, np.ndarray]:
    """(speed rows, forecast rows): seeded sorted subsets of ``n_windows`` windows (all
    when fewer or None), drawn in that order from ``default_rng(seed)``."""
    rng = np.random.default_rng(seed)
    pick = lambda m: np.sort(rng.choice(n_windows, m, replace=False)) if m and m < n_windows \
        else np.arange(n_windows)  # noqa: E731
    speed = pick(n_speed)
    return speed, pick(n_forecast)


def measure_gates(model, normalizer, diffusion, windows, n_speed: int = 256, n_forecast: int = 100,
                  n_samples: int = 20, n_observed: int = 4, n_future: int = 8,
                  n_speed_observed: int = 2, seed: int = 0, sampler: SamplerConfig = RAW,
                  batch: int = 400, device: str | torch.device = "cpu", executor=None,
                  support=None) -> dict:
    """The gate dict (module docstring) of ``model`` (planners.denoiser.Denoiser, eval)
    on held-out ``windows`` (a WindowSet); seeded subsets of n_speed / n_forecast windows
    (all when fewer or None); ``executor`` (planners.receding.RecedingConfig) adds the
    shot gates, read with ``support`` (planners.support.Support or None).

    The samples are read as deployed (positions fused with the velocity channels by
    ``sampler.decode_weight``); ``positions_only`` holds the same gates of the same
    samples read from the position channels alone. (A job split into blocks of windows
    draws the samples itself and calls :func:`gates_from_samples`.)"""
    gen = torch.Generator().manual_seed(seed)
    speed_rows, forecast_rows = gate_picks(len(windows), n_speed, n_forecast, seed)
    undecoded = replace(sampler, decode_weight=0.0)
    with torch.no_grad():
        real = windows.windows[speed_rows]
        fake = raw_samples(model, normalizer, diffusion, real, n_speed_observed, 1, gen, undecoded,
                           batch, device)[:, 0]
        truth = windows.windows[forecast_rows]
        fc = raw_samples(model, normalizer, diffusion, truth, n_observed, n_samples, gen, undecoded,
                         batch, device)
    return gates_from_samples(fake, real, fc, truth, windows.rate_hz, n_samples, n_observed, n_future,
                              n_speed_observed, sampler, executor, support)


def gates_from_samples(fake: np.ndarray, real: np.ndarray, fc: np.ndarray, truth: np.ndarray,
                       rate_hz: float, n_samples: int, n_observed: int = 4, n_future: int = 8,
                       n_speed_observed: int = 2, sampler: SamplerConfig = RAW, executor=None,
                       support=None) -> dict:
    """The gate dict of undecoded raw samples: ``fake`` (n, h, c) conditioned on the first
    ``n_speed_observed`` frames of the speed windows ``real``, ``fc`` (m, s, h, c) on the
    first ``n_observed`` frames of the forecast windows ``truth`` (feet)."""
    n_future = min(n_future, truth.shape[1] - n_observed)     # short windows: fewer future frames
    first = n_speed_observed - 1
    args = (rate_hz, first, n_observed, n_future)
    positions_only = _reading(fake, real, fc, truth, *args)
    fake = _decoded(fake, n_speed_observed, sampler.decode_weight)
    deployed = _reading(fake, real, _decoded(fc, n_observed, sampler.decode_weight), truth, *args)
    cv = forecast_errors(constant_velocity(truth, n_observed, n_future), truth, n_observed, n_future)
    shots = {} if executor is None else shot_gates(fake, real, first, executor, support)
    return {**shots, **deployed, "cv_minade_m": cv["minade_m"], "cv_minfde_m": cv["minfde_m"],
            "decode_weight": float(sampler.decode_weight), "positions_only": positions_only,
            "n_windows": int(len(real)), "n_forecast": int(len(truth)), "n_samples": n_samples,
            "n_future": int(n_future)}


def open_loop_shots(windows: np.ndarray, first: int, executor, support=None, batch: int = 2048
                    ) -> tuple[int, np.ndarray]:
    """The executor's open-loop reading of windows (n, h, c) feet from frame ``first``
    (planners.objective.read_plan): (number of decisions, distances (ft) of the shots)."""
    from planners.objective import read_plan

    n_dec, dist = 0, []
    for lo in range(0, len(windows), batch):
        plans = torch.from_numpy(np.ascontiguousarray(windows[lo:lo + batch], np.float32))
        read = read_plan(plans, first, executor, None, support)
        n_dec += int((read.decisions >= 0).sum())
        shot = read.shot_frame >= 0
        dist.append(read.shot_distance_ft[shot].numpy())
    return n_dec, np.concatenate(dist) if dist else np.zeros(0)


def shot_gates(fake: np.ndarray, real: np.ndarray, first: int, executor, support=None) -> dict:
    """Shot rate per decision and median shot distance of samples ``fake`` and of the
    ``real`` windows they were conditioned on, read the same way."""
    out = {}
    for key, w in (("", fake), ("real_", real)):
        n_dec, dist = open_loop_shots(w, first, executor, support)
        out[f"{key}shot_rate"] = float(dist.size / n_dec) if n_dec else None
        out[f"{key}shot_distance_median_ft"] = float(np.median(dist)) if dist.size else None
        out[f"{key}n_shots"] = int(dist.size)
    return out
