"""Off-policy evaluation of softmax versions of the agents on the held-out games.

gamma = 1 and the points reward whatever reward trained the agent, so every estimate is
points per possession (reported per 100). Possession i has decision points t = 0..L_i-1,
behaviour probabilities mu (a calibrated classifier, :func:`fit_behaviour`), target
probabilities pi = softmax(scores / temperature), ratios rho_t = pi(a_t) / mu(a_t) and
cumulative weights w_t = prod_{t' <= t} rho_t' (an ended possession keeps its last w).

- ``is``: mean_i w_{L-1} G_i;  ``wis``: sum_i w G / sum_i w;
- ``pdwis``: sum_t sum_i w_{i,t} r_{i,t} / sum_i w_{i,t} (per-decision weighted);
- ``dr``: per-decision doubly robust (Jiang & Li 2016) with FQE's Q;
- ``fqe``: fitted Q evaluation of pi on the logged held-out transitions (expected next
  value under pi), the mean of V(s_0). Written here: d3rlpy's DiscreteFQE evaluates an
  algorithm's greedy action only, not a stochastic policy.
Intervals: percentile bootstrap over games (FQE's: over its V(s_0), the fit held fixed).
ESS: (sum w)^2 / sum w^2 of the possession weights.
"""

from __future__ import annotations

import numpy as np
import torch

from engine.runtime.training import seeded_init
from offline_rl.mdp import N_ACTIONS, OfflineMDP


def temperature_scale(logits: np.ndarray, y: np.ndarray, iters: int = 100) -> float:
    """The temperature minimising the NLL of softmax(logits / T) on (logits, y)."""
    z, t = torch.from_numpy(logits.astype(np.float64)), torch.from_numpy(y.astype(np.int64))
    log_t = torch.zeros((), dtype=torch.float64, requires_grad=True)
    opt = torch.optim.LBFGS([log_t], lr=0.1, max_iter=iters)

    def closure():
        opt.zero_grad()
        loss = torch.nn.functional.cross_entropy(z / log_t.exp(), t)
        loss.backward()
        return loss
    opt.step(closure)
    return float(log_t.detach().exp())


def calibration(p: np.ndarray, y: np.ndarray, bins: int = 10) -> dict:
    """Top-label expected calibration error, NLL and accuracy of probabilities p (n, 7)."""
    conf, pred = p.max(1), p.argmax(1)
    edges = np.linspace(0, 1, bins + 1)
    idx = np.clip(np.digitize(conf, edges) - 1, 0, bins - 1)
    ece = sum(abs(conf[idx == b].mean() - (pred == y)[idx == b].mean()) * (idx == b).mean()
              for b in range(bins) if (idx == b).any())
    nll = float(-np.log(np.maximum(p[np.arange(len(y)), y], 1e-12)).mean())
    return {"ece": float(ece), "nll": nll, "accuracy": float((pred == y).mean())}


def episode_index(mdp: OfflineMDP) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(episode number (N,), step within it (N,), starts (E,))."""
    starts = np.flatnonzero(mdp.episode_starts())
    ep = np.cumsum(mdp.episode_starts()) - 1
    return ep, np.arange(len(mdp)) - starts[ep], starts


def estimators(mdp: OfflineMDP, pi: np.ndarray, mu: np.ndarray, q: np.ndarray | None,
               rows: np.ndarray | None = None) -> dict[str, float]:
    """IS, WIS, PDWIS (and DR when q (N, 7) is given) on the possessions ``rows`` (episode
    numbers; all when None). Returns points per possession and the ESS."""
    ep, step, starts = episode_index(mdp)
    a = mdp.action
    log_rho = np.log(np.maximum(pi[np.arange(len(a)), a], 1e-300)) - np.log(np.maximum(mu[np.arange(len(a)), a], 1e-12))
    n_ep = len(starts)
    rows = np.arange(n_ep) if rows is None else rows
    keep = np.zeros(n_ep, bool)
    counts = np.bincount(rows, minlength=n_ep)          # bootstrap multiplicity
    keep[rows] = True
    mult = counts[ep].astype(np.float64)
    cum = np.zeros(len(a))
    for s in np.unique(step):                            # cumulative log weight per step
        m = step == s
        cum[m] = log_rho[m] + (cum[np.flatnonzero(m) - 1] if s > 0 else 0.0)
    shift = cum.max() if len(cum) else 0.0
    w_t = np.exp(np.clip(cum - shift, -700, 0))          # scaled: ratios of weights are exact
    last = np.r_[starts[1:] - 1, len(a) - 1]
    g = np.bincount(ep, weights=mdp.reward, minlength=n_ep)
    w_ep = w_t[last] * counts
    out = {"wis": float((w_ep * g).sum() / max(w_ep.sum(), 1e-300)),
           "is": float(np.exp(shift) * (w_t[last] * g * counts).sum() / counts.sum()) if shift < 700 else float("inf"),
           "ess": float(w_ep.sum() ** 2 / max((w_t[last] ** 2 * counts).sum(), 1e-300))}
    # per-decision WIS: ended possessions stay absorbed with their final weight
    length = np.diff(np.r_[starts, len(a)])
    pd = 0.0
    for s in range(int(length.max())):
        alive = length > s
        idx = np.where(alive, starts + s, last)
        wt = w_t[idx] * counts
        r = np.where(alive, mdp.reward[idx], 0.0)
        pd += (wt * r).sum() / max(wt.sum(), 1e-300)
    out["pdwis"] = float(pd)
    if q is not None:
        v = (pi * q).sum(1)
        w_prev = np.where(step > 0, np.exp(np.clip(np.r_[0.0, cum[:-1]], -700, 700)), 1.0)
        w_cur = np.exp(np.clip(cum, -700, 700))
        terms = w_cur * (mdp.reward - q[np.arange(len(a)), a]) + w_prev * v
        out["dr"] = float((terms * mult).sum() / counts.sum())
    return out


def fit_fqe(x: np.ndarray, mdp: OfflineMDP, pi: np.ndarray, steps: int, seed: int,
            hidden: int = 128, batch: int = 256, target_every: int = 100) -> np.ndarray:
    """FQE of pi on the logged transitions: Q (N, 7) of x (N, d) stacked observations."""
    torch.manual_seed(seed)
    net = seeded_init(lambda: torch.nn.Sequential(
        torch.nn.Linear(x.shape[1], hidden), torch.nn.ReLU(), torch.nn.Linear(hidden, hidden),
        torch.nn.ReLU(), torch.nn.Linear(hidden, N_ACTIONS)), seed)
    target = seeded_init(lambda: torch.nn.Sequential(*[m for m in net]), seed)
    target.load_state_dict(net.state_dict())
    xt, pit = torch.from_numpy(x), torch.from_numpy(pi.astype(np.float32))
    a = torch.from_numpy(mdp.action)
    r = torch.from_numpy(mdp.reward.astype(np.float32))
    end = torch.from_numpy(np.r_[mdp.episode_starts()[1:], True])
    nxt = torch.clamp(torch.arange(len(a)) + 1, max=len(a) - 1)
    opt = torch.optim.Adam(net.parameters(), lr=1e-3)
    gen = torch.Generator().manual_seed(seed)
    for k in range(steps):
        i = torch.randint(0, len(a), (batch,), generator=gen)
        with torch.no_grad():
            v_next = (target(xt[nxt[i]]) * pit[nxt[i]]).sum(1) * (~end[i]).float()
        loss = torch.nn.functional.smooth_l1_loss(net(xt[i]).gather(1, a[i, None])[:, 0], r[i] + v_next)
        opt.zero_grad()
        loss.backward()
        opt.step()
        if (k + 1) % target_every == 0:
            target.load_state_dict(net.state_dict())
    with torch.no_grad():
        return torch.cat([net(xt[j:j + 8192]) for j in range(0, len(a), 8192)]).numpy()


def ope_rows(method: str, mdp: OfflineMDP, pi: np.ndarray, mu: np.ndarray, q: np.ndarray,
             n_boot: int, seed: int) -> list[dict]:
    """results.json ``ope`` rows of one method: is, wis, pdwis, dr, fqe."""
    _, _, starts = episode_index(mdp)
    point = estimators(mdp, pi, mu, q)
    v0 = (pi[starts] * q[starts]).sum(1)
    point["fqe"] = float(v0.mean())
    games, inv = np.unique(mdp.game_id[starts], return_inverse=True)
    by_game = [np.flatnonzero(inv == g) for g in range(len(games))]
    rng = np.random.default_rng(seed)
    boot = {k: [] for k in ("is", "wis", "pdwis", "dr", "fqe")}
    for _ in range(n_boot):
        rows = np.concatenate([by_game[g] for g in rng.integers(0, len(games), len(games))])
        e = estimators(mdp, pi, mu, q, rows)
        e["fqe"] = float(v0[rows].mean())
        for k, values in boot.items():
            values.append(e[k])
    out = []
    for k in ("is", "wis", "pdwis", "dr", "fqe"):
        v = np.asarray(boot[k], float)
        v = v[np.isfinite(v)]
        ci = [100 * float(np.percentile(v, 2.5)), 100 * float(np.percentile(v, 97.5))] if len(v) else [None, None]
        out.append({"method": method, "estimator": k, "points_per_100": 100 * point[k],
                    "ci95": ci, "ess": point["ess"] if k != "fqe" else None})
    return out
