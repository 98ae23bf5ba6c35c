"""Mixture weights by sequential quadratic programming (mix-SQP).

Maximizes the concave ``sum_i log sum_k pi_k L_ik`` over the simplex, following Kim,
Carbonetto, Stephens & Anitescu (2020), "A fast algorithm for maximum likelihood
estimation of mixture proportions using sequential quadratic programming", JCGS 29.
The simplex constraint is relaxed to pi >= 0 by minimizing

    f(pi) = -(1/n) sum_i log((L pi)_i) + sum_k pi_k ,

whose minimizer lies on the simplex (at any stationary point sum_k pi_k = 1). Each
outer iteration minimizes the quadratic model of f subject to pi >= 0 with a primal
active-set method, then minimizes f exactly along the step (a convex 1-d problem). The
iteration stops at the KKT conditions of the relaxed problem: gradient >= -tol
everywhere (and = 0 on the support, which the active-set solve enforces).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.linalg
from scipy.optimize import nnls

_LINE_SEARCH_ITER = 100
_LINE_SEARCH_TOL = 1e-15


@dataclass(frozen=True)
class MixSqpResult:
    """Output of :func:`mixsqp`.

    Attributes
    ----------
    weights : numpy.ndarray
        Mixture weights on the simplex.
    iterations : int
        Outer (SQP) iterations taken.
    converged : bool
        Whether the KKT tolerance was met within ``max_iter`` iterations.
    """

    weights: np.ndarray
    iterations: int
    converged: bool


def mixsqp(
    log_lik: np.ndarray,
    init: np.ndarray | None = None,
    *,
    tol: float = 1e-8,
    max_iter: int = 1000,
    max_iter_qp: int = 100,
) -> MixSqpResult:
    """Maximum-likelihood mixture weights for a fixed matrix of component log densities.

    Parameters
    ----------
    log_lik : numpy.ndarray
        n x K matrix of log L_ik (component k's log density at observation i); each row
        needs at least one finite entry.
    init : numpy.ndarray, optional
        Starting weights (nonnegative); uniform by default.
    tol : float
        KKT tolerance on the gradient of the relaxed objective.
    max_iter, max_iter_qp : int
        Limits on SQP iterations and on active-set iterations per QP.

    Returns
    -------
    MixSqpResult

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> x = np.concatenate([rng.normal(0, 1, 300), rng.normal(0, 3, 700)])
    >>> sd = np.array([1.0, 3.0, 10.0])
    >>> log_lik = -0.5 * (np.log(2 * np.pi * sd**2) + x[:, None] ** 2 / sd**2)
    >>> res = mixsqp(log_lik)
    >>> res.converged, np.round(res.weights, 1).tolist()
    (True, [0.3, 0.7, 0.0])
    """
    n, k = log_lik.shape
    # Rows scaled so that max_k L_ik = 1: the solution is unchanged and exp() is safe.
    lik = np.exp(log_lik - np.max(log_lik, axis=1, keepdims=True))
    uniform = np.full(k, 1.0 / k)
    x = uniform if init is None else np.asarray(init, dtype=float) / np.sum(init)
    if np.min(lik @ x) <= 0.0:  # a warm start that gives some observation zero likelihood
        x = 0.5 * (x + uniform)

    converged = False
    iterations = 0
    while iterations < max_iter:
        iterations += 1
        inv = 1.0 / (lik @ x)
        grad = 1.0 - lik.T @ inv / n
        if np.min(grad) >= -tol:
            converged = True
            break
        scaled = lik * inv[:, None]
        hess = scaled.T @ scaled / n
        # A ridge relative to each diagonal entry: the diagonal can span many orders of
        # magnitude when some observations are barely covered by the current weights.
        hess[np.diag_indices(k)] *= 1.0 + 1e-10
        hess[np.diag_indices(k)] += 1e-14
        step = _qp_step(hess, grad - hess @ x, x, max_iter_qp) - x
        slope = float(grad @ step)
        if slope >= 0.0:  # no descent direction left at machine precision
            converged = np.min(grad) >= -np.sqrt(tol)
            break
        x = _line_search(lik, x, step)
    x = np.maximum(x, 0.0)
    return MixSqpResult(x / np.sum(x), iterations, converged)


def _qp_step(hess: np.ndarray, lin: np.ndarray, y: np.ndarray, max_iter: int) -> np.ndarray:
    """Solve min 0.5 y'Hy + lin'y subject to y >= 0.

    With the Cholesky factor H = R'R the problem is the nonnegative least squares
    problem min |R y + R^-T lin|², which scipy's compiled Lawson-Hanson solver handles
    in a fraction of the time of a Python active-set loop. When H is too close to
    singular to factor (or NNLS stalls), the primal active-set method takes over.
    """
    try:
        upper = scipy.linalg.cholesky(hess, lower=False, check_finite=False)
        rhs = -scipy.linalg.solve_triangular(upper, lin, trans="T", check_finite=False)
        solution, _ = nnls(upper, rhs, maxiter=max(max_iter, 3 * lin.size))
    except (np.linalg.LinAlgError, RuntimeError):
        return _nonnegative_qp(hess, lin, y, max_iter)
    return solution


def _nonnegative_qp(hess: np.ndarray, lin: np.ndarray, y: np.ndarray, max_iter: int) -> np.ndarray:
    """Primal active-set solve of min 0.5 y'Hy + lin'y subject to y >= 0, from feasible y."""
    y = y.copy()
    free = y > 0.0
    for _ in range(max_iter):
        grad = hess @ y + lin
        idx = np.flatnonzero(free)
        direction = np.zeros_like(y)
        if idx.size:
            direction[idx] = np.linalg.solve(hess[np.ix_(idx, idx)], -grad[idx])
        if np.max(np.abs(direction)) <= 1e-12 * max(1.0, np.max(y)):
            bound = np.flatnonzero(~free)
            if bound.size == 0 or np.min(grad[bound]) >= -1e-12:
                break
            free[bound[np.argmin(grad[bound])]] = True  # release the most violated bound
            continue
        shrinking = free & (direction < 0.0)
        ratios = np.full_like(y, np.inf)
        ratios[shrinking] = -y[shrinking] / direction[shrinking]
        block = int(np.argmin(ratios))
        length = min(1.0, ratios[block])
        y += length * direction
        if length < 1.0:
            y[block] = 0.0
            free[block] = False
    return y


def _line_search(lik: np.ndarray, x: np.ndarray, step: np.ndarray) -> np.ndarray:
    """Exact minimization of the relaxed objective along ``x + t step``, t in [0, 1].

    Along the line the objective is convex in t, so its slope is increasing and its
    root is bracketed; safeguarded Newton steps (bisection whenever a Newton step
    leaves the bracket) find it in a few evaluations. Unlike a backtracking (Armijo)
    search, this never accepts the full step when it leaves some observation almost
    uncovered (its likelihood near 0): there the slope at t = 1 is huge, and the step
    is shortened so that the components it needs keep a usable weight.
    """
    lik_x, lik_step, total = lik @ x, lik @ step, np.sum(step)
    n = lik_x.size

    def slope_and_curvature(t: float) -> tuple[float, float]:
        with np.errstate(divide="ignore", invalid="ignore"):
            ratio = lik_step / (lik_x + t * lik_step)
        return total - float(ratio.sum()) / n, float(ratio @ ratio) / n

    slope, curvature = slope_and_curvature(1.0)
    if slope <= 0.0:
        return x + step
    lo, hi, t = 0.0, 1.0, 1.0
    for _ in range(_LINE_SEARCH_ITER):
        if slope < 0.0:
            lo = t
        else:
            hi = t
        finite = np.isfinite(slope) and 0.0 < curvature < np.inf
        newton = t - slope / curvature if finite else np.nan
        t_next = newton if lo < newton < hi else 0.5 * (lo + hi)
        if abs(t_next - t) <= _LINE_SEARCH_TOL or hi - lo <= _LINE_SEARCH_TOL:
            break
        t = t_next
        slope, curvature = slope_and_curvature(t)
    return x + t * step
