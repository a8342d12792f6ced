"""Behaviour-cloned league-average offense: a :class:`engine.policy.SimPolicy`.

Fitted on real possessions of the train split (games before the cutoff) only.

- Movement: a small MLP shared by the five offensive players maps egocentric features
  (:func:`offline_rl.bc.features.movement_features`: own position and velocity, ball,
  hoop, holder flag and the holder's chosen action, nearest defenders, team-mates, shot
  clock) to a diagonal Gaussian over the player's next-frame displacement (ft per frame
  at the data rate, ~0.52 s). Trained by Gaussian negative log-likelihood.
- Decisions: at decision points (an offensive player holds the ball) a classifier over
  hold / drive / pass to team-mate k / shoot (the pbp-aligned labels of
  :mod:`engine.possessions.labels`); pass logits come from one scorer shared by the team-mates, so
  the model does not depend on the slot order. Mapped to :class:`engine.sim.step.Decision`:
  hold and drive are ``HOLD`` (a drive is a hold whose movement is conditioned on the
  drive label and closes on the rim at least ``drive_min_ftps``), pass k is
  ``PASS_0 + k``, shoot is ``SHOOT``.

In the simulator each call draws exactly ``b * 5 * 2`` normals (movement) and ``b``
uniforms (decision) from the generator, whatever the state. Decisions are sampled from
``softmax(logits / temperature)``; movement noise is scaled by ``move_noise``.

Fitted by :func:`train` (AdamW + cosine schedule; see there why not the shared loop), saved in the one checkpoint format
(:mod:`engine.runtime.checkpoint`, kind ``bc-offense``: safetensors + a JSON config, no
pickle); :func:`fit_or_load` caches a fit in ``cache_folder("bc-offense", key)``.
"""

from __future__ import annotations

import logging
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np
import torch
from torch import nn

from engine.possessions.dataset import PossessionSet
from engine.runtime.cache import cache_folder, cache_key
from engine.runtime.checkpoint import (
    has_checkpoint,
    load_meta,
    load_tensors,
    save_checkpoint,
)
from engine.runtime.training import TrainConfig, run_training, seeded_init
from engine.sim.step import BallMode, Decision, SimState, hoop_xy
from offline_rl.bc import dad, shot_select
from offline_rl.bc.data import TrainingData, build_training_data
from offline_rl.bc.features import (
    CLS_DRIVE,
    CLS_PASS0,
    CLS_SHOT,
    N_CLASSES,
    N_CTX,
    N_MATE,
    N_MOVE,
    Frames,
    action_onehot,
    decision_features,
    movement_features,
)

log = logging.getLogger(__name__)
KIND = "bc-offense"


@dataclass
class OffenseBCConfig:
    """hidden: MLP width; steps / batch / lr / weight_decay: AdamW training of both nets;
    max_frames: training samples per kind; dt_s: frame interval (s, the data's; also the
    simulator step); glitch_ftps: faster steps are identity swaps and dropped;
    temperature: decision sampling temperature; move_noise: scale of the sampled
    movement noise (0 = mean displacement); drive_min_ftps: closing speed of a drive;
    seed: fit seed. jitter_ft / jitter_frac / jitter_return_frames / jitter_ftps: the
    data as demonstrator (:mod:`offline_rl.bc.augment`; 0 ft = logged states only);
    shot_model: decide shoot / not with the league's shot-selection table
    (:mod:`offline_rl.bc.shot_select`, ``shot_prior`` pseudo-frames per cell, rim-distance
    bins when ``shot_by_distance``) and the other classes with the net. dad_rounds:
    rounds of the data as demonstrator with the model's own rollouts (:mod:`offline_rl.bc.dad`: ``dad_windows`` logged windows rolled
    ``dad_horizon`` steps with movement noise ``dad_noise``, labelled back over
    ``dad_return_frames``), each followed by ``dad_steps`` more training steps.
    calibrate_rounds / calibrate_starts: closed-loop calibration of the shot table on training
    starts (:mod:`offline_rl.bc.shot_calibrate`, run by hoopsim.league), not part of the fit."""

    hidden: int = 64
    steps: int = 1500
    batch: int = 1024
    lr: float = 2e-3
    weight_decay: float = 1e-5
    max_frames: int = 200_000
    dt_s: float = 0.52
    glitch_ftps: float = 35.0
    temperature: float = 1.0
    move_noise: float = 1.0
    drive_min_ftps: float = 4.0
    seed: int = 0
    jitter_ft: float = 0.0
    jitter_frac: float = 0.5
    jitter_return_frames: float = 1.0
    jitter_ftps: float = 0.0
    shot_model: bool = True
    shot_prior: float = 50.0
    shot_by_distance: bool = False
    dad_rounds: int = 0
    dad_horizon: int = 8
    dad_windows: int = 20_000
    dad_noise: float = 1.0
    dad_return_frames: float = 2.0
    dad_steps: int = 1000
    calibrate_rounds: int = 0
    calibrate_starts: int = 2000


def _mlp(i: int, w: int, o: int) -> nn.Sequential:
    return nn.Sequential(nn.Linear(i, w), nn.SiLU(), nn.Linear(w, w), nn.SiLU(), nn.Linear(w, o))


class Normalizer(nn.Module):
    def __init__(self, n: int) -> None:
        super().__init__()
        self.register_buffer("mean", torch.zeros(n))
        self.register_buffer("std", torch.ones(n))

    def fit(self, x: torch.Tensor) -> None:
        flat = x.reshape(-1, x.shape[-1])
        self.mean.copy_(flat.mean(0))
        self.std.copy_(flat.std(0).clamp_min(1e-3))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return (x - self.mean) / self.std


class OffenseNet(nn.Module):
    """move(feats (b, 5, N_MOVE)) -> (mean (b, 5, 2) ft per frame, log_std (b, 5, 2));
    decide(ctx (b, N_CTX), mates (b, 5, N_MATE), self_mask (b, 5)) -> logits (b, 8)."""

    def __init__(self, hidden: int) -> None:
        super().__init__()
        self.move_norm, self.ctx_norm, self.mate_norm = Normalizer(N_MOVE), Normalizer(N_CTX), Normalizer(N_MATE)
        self.move_net = _mlp(N_MOVE, hidden, 4)
        self.ctx_net = _mlp(N_CTX, hidden, hidden)
        self.mate_net = _mlp(N_MATE, hidden, hidden)
        self.act_head = _mlp(2 * hidden, hidden, 3)
        self.pass_head = _mlp(2 * hidden, hidden, 1)

    def move(self, feats: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        out = self.move_net(self.move_norm(feats))
        return out[..., :2], out[..., 2:].clamp(-4.0, 3.0)

    def decide(self, ctx: torch.Tensor, mates: torch.Tensor, self_mask: torch.Tensor) -> torch.Tensor:
        c = self.ctx_net(self.ctx_norm(ctx))
        m = self.mate_net(self.mate_norm(mates))
        pooled = m.masked_fill(self_mask[..., None], -1e4).max(dim=1).values
        act = self.act_head(torch.cat([c, pooled], -1))                       # hold, drive, shot
        pas = self.pass_head(torch.cat([c[:, None].expand_as(m), m], -1))[..., 0]
        pas = pas.masked_fill(self_mask, -1e4)
        return torch.cat([act[:, :2], pas, act[:, 2:]], dim=-1)


def gaussian_nll(mean: torch.Tensor, log_std: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """Mean negative log-likelihood (nats per coordinate, constant dropped)."""
    return (log_std + 0.5 * ((target - mean) / log_std.exp()) ** 2).mean()


def _batch_losses(net: OffenseNet, data: TrainingData, gen: torch.Generator, n: int) -> torch.Tensor:
    i = torch.randint(0, len(data.move_target), (n,), generator=gen)
    mean, log_std = net.move(data.move_feats[i])
    if data.move_jittered is not None:    # perturbed states teach the mean, not the spread
        log_std = torch.where(data.move_jittered[i, None, None], log_std.detach(), log_std)
    move = gaussian_nll(mean, log_std, data.move_target[i])
    j = torch.randint(0, len(data.cls), (n,), generator=gen)
    logits = net.decide(data.ctx[j], data.mates[j], data.self_mask[j])
    return move + nn.functional.cross_entropy(logits, data.cls[j])


def train(data: TrainingData, cfg: OffenseBCConfig, progress: bool = True,
          init: OffenseNet | None = None, steps: int | None = None) -> OffenseNet:
    """Fit both heads on ``data`` through the one training loop
    (:func:`engine.runtime.training.run_training`, in memory, kind ``bc-offense``):
    AdamW, a cosine learning-rate schedule to 0 at ``cfg.steps``, no gradient clipping;
    the raw model is returned (not the EMA). Deterministic given cfg.seed (weights and
    batches). Measured on 11 train / 3 held-out real games (seeds 0, 1): the held-out
    metrics equal those of the former own loop (movement error 1.393 / 1.386 ft,
    decision log-loss 0.809 / 0.816 nats). ``init``: continue from this net (its
    normalisers kept) for ``steps`` (default cfg.steps) more steps."""
    if init is None:
        net = seeded_init(lambda: OffenseNet(cfg.hidden), cfg.seed)
        net.move_norm.fit(data.move_feats)
        net.ctx_norm.fit(data.ctx)
        net.mate_norm.fit(data.mates)
    else:
        net = init.train()
    tcfg = TrainConfig(lr=cfg.lr, weight_decay=cfg.weight_decay, grad_clip=None,
                       lr_schedule="cosine", seed=cfg.seed, log_every=100)
    run_training(net, lambda gen: _batch_losses(net, data, gen, cfg.batch), None,
                 max(cfg.steps if steps is None else steps, 0), torch.device("cpu"),
                 {"config": asdict(cfg)}, tcfg,
                 progress=progress, kind=KIND)
    return net.eval()


@torch.no_grad()
def evaluate(net: OffenseNet, data: TrainingData, base_rates: np.ndarray) -> dict:
    """Held-out metrics: movement error (ft, mean Euclidean next-frame position error of
    the predicted mean) vs constant-velocity and standing-still baselines; decision
    accuracy and log-loss vs the training base rates (pass mass split evenly over the
    four team-mates)."""
    mean, _ = net.move(data.move_feats)
    err = lambda d: (d - data.move_target).norm(dim=-1).mean().item()  # noqa: E731
    logits = net.decide(data.ctx, data.mates, data.self_mask)
    logp = logits.log_softmax(-1)
    base = torch.as_tensor(base_rates, dtype=torch.float32).expand_as(logp).clone()
    base[:, CLS_PASS0:CLS_SHOT] = base_rates[CLS_PASS0:CLS_SHOT].sum() / 4.0
    base = base.masked_fill(torch.cat([torch.zeros_like(data.self_mask[:, :2]), data.self_mask,
                                       torch.zeros_like(data.self_mask[:, :1])], 1), 0.0)
    base = base / base.sum(-1, keepdim=True)
    y = data.cls
    pick = lambda lp: -lp.gather(1, y[:, None]).mean().item()  # noqa: E731
    coarse = lambda c: torch.where((c >= CLS_PASS0) & (c < CLS_SHOT), CLS_PASS0, c)  # noqa: E731
    return {"n_move": int(len(data.move_target)), "n_decisions": int(len(y)),
            "move_error_ft": err(mean), "move_error_const_velocity_ft": err(data.const_vel_disp),
            "move_error_still_ft": err(torch.zeros_like(mean)),
            "decision_accuracy": (logits.argmax(-1) == y).float().mean().item(),
            "decision_accuracy_base": (base.argmax(-1) == y).float().mean().item(),
            "decision_coarse_accuracy": (coarse(logits.argmax(-1)) == coarse(y)).float().mean().item(),
            "decision_logloss": pick(logp), "decision_logloss_base": pick(base.clamp_min(1e-9).log()),
            "class_rates_heldout": np.bincount(y.numpy(), minlength=N_CLASSES).tolist()}


@dataclass
class FittedOffense:
    """shot_table: P(shoot) of :mod:`offline_rl.bc.shot_select` (None: the net decides)."""

    net: OffenseNet
    cfg: OffenseBCConfig
    info: dict = field(default_factory=dict)
    shot_table: torch.Tensor | None = None


def with_movement(data: TrainingData, feats: torch.Tensor, target: torch.Tensor) -> TrainingData:
    """``data`` plus movement samples (m, 5, N_MOVE), (m, 5, 2) flagged as perturbed."""
    m = len(target)
    jit = data.move_jittered if data.move_jittered is not None else torch.zeros(
        len(data.move_target), dtype=torch.bool)
    return TrainingData(torch.cat([data.move_feats, feats]), torch.cat([data.move_target, target]),
                        torch.cat([data.const_vel_disp, torch.zeros(m, 5, 2)]), data.ctx,
                        data.mates, data.self_mask, data.cls,
                        torch.cat([jit, torch.ones(m, dtype=torch.bool)]))


def _jitter(cfg: OffenseBCConfig) -> dict | None:
    if cfg.jitter_ft <= 0.0:
        return None
    return {"sigma_ft": cfg.jitter_ft, "frac": cfg.jitter_frac,
            "return_frames": cfg.jitter_return_frames, "sigma_ftps": cfg.jitter_ftps}


def fit_offense(train_ds: PossessionSet, cfg: OffenseBCConfig | None = None,
                test_ds: PossessionSet | None = None, progress: bool = True) -> FittedOffense:
    """Fit on ``train_ds`` (the caller passes the train split); metrics on ``test_ds``."""
    cfg = cfg or OffenseBCConfig()
    rng = np.random.default_rng(cfg.seed)
    data = build_training_data(train_ds, cfg.dt_s, cfg.glitch_ftps, cfg.max_frames, rng,
                               _jitter(cfg))
    net = train(data, cfg, progress)
    for r in range(cfg.dad_rounds):
        feats, target = dad.rollout_samples(
            net, train_ds, cfg.dt_s, cfg.glitch_ftps, cfg.dad_horizon, cfg.dad_windows, rng,
            torch.Generator().manual_seed(cfg.seed + r), cfg.dad_noise, cfg.dad_return_frames)
        data = with_movement(data, feats, target)
        net = train(data, cfg, progress, init=net, steps=cfg.dad_steps)
    table = (shot_select.fit_from_dataset(train_ds, cfg.dt_s, cfg.glitch_ftps, cfg.shot_prior,
                                              cfg.shot_by_distance)
             if cfg.shot_model else None)
    rates = np.bincount(data.cls.numpy(), minlength=N_CLASSES) / max(len(data.cls), 1)
    info = {"n_train_possessions": len(train_ds), "base_rates": rates.tolist(),
            "train_games": sorted(map(str, train_ds.meta["game_id"].unique()))}
    if test_ds is not None and len(test_ds):
        test = build_training_data(test_ds, cfg.dt_s, cfg.glitch_ftps, cfg.max_frames, rng)
        info["heldout"] = evaluate(net, test, rates)
        log.info("offense BC held out: %s", {k: v for k, v in info["heldout"].items()
                                             if isinstance(v, float)})
    return FittedOffense(net, cfg, info, table)


def save(fit: FittedOffense, directory: str | Path) -> Path:
    """The one checkpoint format (kind ``bc-offense``): weights + config and fit info."""
    tensors = {"weights": fit.net.state_dict()}
    if fit.shot_table is not None:
        tensors["shot_select"] = {"table": fit.shot_table.contiguous()}
    return save_checkpoint(directory, tensors, {"config": asdict(fit.cfg), "info": fit.info}, KIND)


def load(directory: str | Path) -> FittedOffense:
    """Inverse of :func:`save` (HoopsimDataError for another kind or schema)."""
    meta = load_meta(directory, KIND)
    cfg = OffenseBCConfig(**meta["config"])
    net = OffenseNet(cfg.hidden)
    net.load_state_dict(load_tensors(directory, "weights"))
    has_table = (Path(directory) / "shot_select.safetensors").is_file()  # none: the net decides
    table = load_tensors(directory, "shot_select")["table"] if has_table else None
    return FittedOffense(net.eval(), cfg, meta.get("info", {}), table)


SAMPLING_KNOBS = ("temperature", "move_noise", "drive_min_ftps")
CALIBRATION_KNOBS = ("calibrate_rounds", "calibrate_starts")   # hoopsim.league, after the fit
FIT_VERSION = 3     # bump when the fitting code changes what a config fits


def fit_key(train_ds: PossessionSet, cfg: OffenseBCConfig) -> str:
    """Cache key: the fit config (minus sampling knobs) and the training possessions."""
    d = {k: v for k, v in asdict(cfg).items() if k not in SAMPLING_KNOBS + CALIBRATION_KNOBS}
    m = train_ds.meta
    ident = (m["game_id"].astype(str) + ":" + m["poss_index"].astype(str)).str.cat(sep=",")
    return cache_key(KIND, FIT_VERSION, d, ident, int(train_ds.arrays["frame_valid"].sum()))


def fit_or_load(train_ds: PossessionSet, cfg: OffenseBCConfig | None = None,
                test_ds: PossessionSet | None = None, cache_dir: str | Path | None = None,
                progress: bool = True) -> FittedOffense:
    """Reuse ``cache_folder("bc-offense", key, cache_dir)`` when present, else fit and save
    there. The sampling knobs come from ``cfg``, not from the cached fit."""
    cfg = cfg or OffenseBCConfig()
    directory = cache_folder(KIND, fit_key(train_ds, cfg), cache_dir)
    if has_checkpoint(directory):
        fit = load(directory)
        fit.cfg = OffenseBCConfig(**{**asdict(fit.cfg), **{
            k: getattr(cfg, k) for k in SAMPLING_KNOBS + CALIBRATION_KNOBS}})
        return fit
    fit = fit_offense(train_ds, cfg, test_ds, progress)
    save(fit, directory)
    return fit


class BCOffense:
    """SimPolicy over a fitted :class:`OffenseNet` (module docstring). Memory is empty."""

    def __init__(self, fit: FittedOffense) -> None:
        self.net, self.cfg, self.shot_table = fit.net, fit.cfg, fit.shot_table

    def init(self, state: SimState, generator: torch.Generator) -> dict[str, torch.Tensor]:
        return {}

    def _frames(self, state: SimState) -> Frames:
        held = (state.ball_mode == BallMode.HELD) & (state.handler >= 1) & (state.handler <= 5)
        holder = torch.where(held, state.handler, torch.full_like(state.handler, -1))
        b = state.batch_size
        return Frames(pos=state.pos, vel=state.vel[..., :2], holder=holder,
                      shot_clock=state.shot_clock, action=torch.full_like(holder, -1),
                      next_disp=state.pos.new_zeros(b, 5, 2),
                      valid_move=torch.ones_like(held))

    @torch.no_grad()
    def act(self, state: SimState, memory: dict, generator: torch.Generator
            ) -> tuple[torch.Tensor, torch.Tensor, dict]:
        """-> off_vel (b, 5, 2) ft/s, decision (b,) long Decision, memory (unchanged)."""
        self.net.to(state.device)
        b = state.batch_size
        z = torch.randn((b, 5, 2), generator=generator, device=state.device)
        u = torch.rand((b,), generator=generator, device=state.device)
        f = self._frames(state)
        cls = self._sample_class(f, u)
        mean, log_std = self.net.move(movement_features(f, action_onehot(f.holder, cls)))
        disp = mean + self.cfg.move_noise * log_std.exp() * z
        vel = disp / self.cfg.dt_s
        vel = self._drive(f, cls, vel)
        return vel, self._to_decision(cls), memory

    def _sample_class(self, f: Frames, u: torch.Tensor) -> torch.Tensor:
        """(b,) class sampled by inverse CDF from u (b,); -1 where nobody on offense holds."""
        safe = Frames(**{**f.__dict__, "holder": f.holder.clamp_min(1)})
        logits = self.net.decide(*decision_features(safe))
        probs = (logits / max(self.cfg.temperature, 1e-6)).softmax(-1)
        if self.shot_table is not None:       # shoot or not from the league's table
            p = shot_select.p_shoot(self.shot_table, f.pos, safe.holder, f.shot_clock,
                                    self.cfg.shot_by_distance)
            rest = probs[:, :CLS_SHOT] / probs[:, :CLS_SHOT].sum(-1, keepdim=True).clamp_min(1e-9)
            probs = torch.cat([rest * (1.0 - p)[:, None], p[:, None]], dim=-1)
        cls = (u[:, None] > probs.cumsum(-1)).sum(-1).clamp(max=N_CLASSES - 1)
        return torch.where(f.holder >= 1, cls, torch.full_like(cls, -1))

    def _drive(self, f: Frames, cls: torch.Tensor, vel: torch.Tensor) -> torch.Tensor:
        """A driving holder closes on the rim at least ``drive_min_ftps``."""
        slot = (f.holder - 1).clamp(0, 4)
        v = vel.gather(1, slot[:, None, None].expand(-1, 1, 2))[:, 0]
        xy = f.pos[torch.arange(len(slot), device=slot.device), slot + 1, :2]
        unit = hoop_xy(xy) - xy
        unit = unit / unit.norm(dim=-1, keepdim=True).clamp_min(1e-3)
        closing = (v * unit).sum(-1)
        v = v + (self.cfg.drive_min_ftps - closing).clamp_min(0.0)[:, None] * unit
        drive = (cls == CLS_DRIVE)[:, None, None] & (torch.arange(5, device=slot.device)[None, :, None]
                                                     == slot[:, None, None])
        return torch.where(drive, v[:, None], vel)

    @staticmethod
    def _to_decision(cls: torch.Tensor) -> torch.Tensor:
        dec = torch.full_like(cls, int(Decision.HOLD))
        passing = (cls >= CLS_PASS0) & (cls < CLS_SHOT)
        dec = torch.where(passing, cls - CLS_PASS0 + int(Decision.PASS_0), dec)
        return torch.where(cls == CLS_SHOT, torch.full_like(cls, int(Decision.SHOOT)), dec)
