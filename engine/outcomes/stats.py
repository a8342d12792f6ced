"""Leaf statistics shared by the outcome models and their fitting (imports nothing of
ours, so ``models`` and ``fit`` both import it and not each other): L2 logistic
regression, beta-binomial shrinkage of per-player rates, float rounding for shipped JSON.
"""

from __future__ import annotations

import math

import numpy as np
from scipy.optimize import minimize, minimize_scalar
from scipy.special import betaln, expit, logit


def fit_logistic(x: np.ndarray, y: np.ndarray, l2: float = 1e-3, iters: int = 50) -> np.ndarray:
    """Ridge logistic regression by Newton's method. x (n, k) with an intercept column
    first, y (n,) in {0, 1} -> coefficients (k,). The penalty ``l2 * n`` spares the
    intercept (it keeps the fit numerically stable where a column is rare)."""
    n, k = x.shape
    pen = np.full(k, l2 * n)
    pen[0] = 0.0
    beta = np.zeros(k)
    beta[0] = logit(np.clip(y.mean(), 1e-6, 1 - 1e-6))
    for _ in range(iters):
        p = expit(x @ beta)
        grad = x.T @ (y - p) - pen * beta
        hess = (x * (p * (1 - p))[:, None]).T @ x + np.diag(pen)
        step = np.linalg.solve(hess + 1e-9 * np.eye(k), grad)
        beta += step
        if np.max(np.abs(step)) < 1e-8:
            break
    return beta


def fit_logistic_bounded(x: np.ndarray, y: np.ndarray, upper: np.ndarray,
                         l2: float = 1e-3) -> np.ndarray:
    """:func:`fit_logistic` with coefficients bounded above by ``upper`` (k,) (inf: free),
    by L-BFGS-B from the unbounded fit clipped to the bounds."""
    n, k = x.shape
    pen = np.full(k, l2 * n)
    pen[0] = 0.0

    def loss(beta: np.ndarray) -> tuple[float, np.ndarray]:
        eta = x @ beta
        nll = np.sum(np.logaddexp(0.0, eta) - y * eta) + 0.5 * np.sum(pen * beta * beta)
        return nll / n, (x.T @ (expit(eta) - y) + pen * beta) / n

    start = np.minimum(fit_logistic(x, y, l2), upper)
    res = minimize(loss, start, jac=True, method="L-BFGS-B",
                   bounds=[(None, None if not np.isfinite(u) else float(u)) for u in upper],
                   options={"maxiter": 500, "gtol": 1e-10})
    return res.x


def fit_kappa(makes: np.ndarray, attempts: np.ndarray, expected_rate: np.ndarray) -> float:
    """Beta-binomial prior strength: makes, attempts, expected_rate (s,) per shooter ->
    kappa > 0 maximising the marginal likelihood of Beta(kappa r, kappa (1 - r)) priors."""
    r = np.clip(expected_rate, 1e-4, 1 - 1e-4)
    m, n = np.asarray(makes, float), np.asarray(attempts, float)

    def nll(log_k: float) -> float:
        a, b = np.exp(log_k) * r, np.exp(log_k) * (1 - r)
        return -float(np.sum(betaln(m + a, n - m + b) - betaln(a, b)))

    res = minimize_scalar(nll, bounds=(np.log(1.0), np.log(1e5)), method="bounded")
    return float(np.exp(res.x))


def shrink(makes: np.ndarray, attempts: np.ndarray, expected_rate: np.ndarray,
           kappa: float) -> np.ndarray:
    """Posterior mean make rate (s,) per shooter; the logit offset is logit(post) - logit(r)."""
    r = np.clip(expected_rate, 1e-4, 1 - 1e-4)
    return (np.asarray(makes, float) + kappa * r) / (np.asarray(attempts, float) + kappa)


def round_floats(obj, digits: int = 6):
    """Copy of a JSON-like object with every float rounded to ``digits`` significant
    digits (keeps the shipped model file small)."""
    if isinstance(obj, float):
        if not math.isfinite(obj) or obj == 0.0:
            return obj
        return round(obj, digits - 1 - int(math.floor(math.log10(abs(obj)))))
    if isinstance(obj, dict):
        return {k: round_floats(v, digits) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [round_floats(v, digits) for v in obj]
    return obj
