"""Mixture weights by sequential quadratic programming (mix-SQP).

Maximizes the concave ``sum_i log sum_k pi_k L_ik`` over the simplex, following Kim,
Carbonetto, Stephens & Anitescu (2020), "A fast algorithm for maximum likelihood
estimation of mixture proportions using sequential quadratic programming", JCGS 29.
The simplex constraint is relaxed to pi >= 0 by minimizing

    f(pi) = -(1/n) sum_i log((L pi)_i) + sum_k pi_k ,

whose minimizer lies on the simplex (at any stationary point sum_k pi_k = 1). Each
outer iteration minimizes the quadratic model of f subject to pi >= 0 (a nonnegative
least squares problem after a Cholesky factorization), then minimizes f along the step
(a convex 1-d problem, to ~1e-8 in the step length). The
iteration stops at the KKT conditions of the relaxed problem: gradient >= -tol
everywhere (and = 0 on the support, which the active-set solve enforces).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy.linalg import lapack
from scipy.optimize import nnls

_LINE_SEARCH_ITER = 100
# Newton steps on the slope converge quadratically: once a step moves t by less than
# this, the next one would be far below rounding, and the step is taken as it is.
_LINE_SEARCH_TOL = 1e-8
_potrf = lapack.dpotrf
_trtrs = lapack.dtrtrs


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
    lik: np.ndarray,
    init: np.ndarray | None = None,
    *,
    tol: float = 1e-8,
    max_iter: int = 1000,
    max_iter_qp: int = 100,
) -> MixSqpResult:
    """Maximum-likelihood mixture weights for a fixed matrix of component likelihoods.

    Parameters
    ----------
    lik : numpy.ndarray
        n x K matrix of L_ik (component k's density at observation i), each row
        scaled by any positive constant (the solution does not change); scale row i
        by exp(-max_k log L_ik) to keep the entries in [0, 1]. Each row needs a
        positive entry.
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
    >>> res = mixsqp(np.exp(-0.5 * x[:, None] ** 2 / sd**2) / sd)
    >>> res.converged, np.round(res.weights, 1).tolist()
    (True, [0.3, 0.7, 0.0])
    """
    n, k = lik.shape
    # K x n, C-ordered: sums over observations and the Hessian's product run along
    # contiguous memory (no copy when lik is the transpose of a C-ordered array).
    comp = np.ascontiguousarray(lik.T)
    uniform = np.full(k, 1.0 / k)
    x = uniform if init is None else np.asarray(init, dtype=float) / np.sum(init)
    fitted = x @ comp
    if fitted.min() <= 0.0:  # a warm start that gives some observation zero likelihood
        x = 0.5 * (x + uniform)
        fitted = x @ comp

    converged = False
    iterations = 0
    while iterations < max_iter:
        iterations += 1
        inv = 1.0 / fitted
        grad = 1.0 - (comp @ inv) / n
        if grad.min() >= -tol:
            converged = True
            break
        scaled = comp * (inv / np.sqrt(n))
        hess = scaled @ scaled.T
        # A ridge relative to each diagonal entry: the diagonal can span many orders of
        # magnitude when some observations are barely covered by the current weights.
        diagonal = hess.ravel()[:: k + 1]  # a view: hess is C-ordered
        diagonal *= 1.0 + 1e-10
        diagonal += 1e-14
        step = _qp_step(hess, grad - hess @ x, x, max_iter_qp) - x
        if float(grad @ step) >= 0.0:  # no descent direction left at machine precision
            converged = grad.min() >= -np.sqrt(tol)
            break
        x = x + _line_search(fitted, step @ comp, float(step.sum())) * step
        fitted = x @ comp
    x = np.maximum(x, 0.0)
    return MixSqpResult(x / np.sum(x), iterations, converged)


def _qp_step(hess: np.ndarray, lin: np.ndarray, y: np.ndarray, max_iter: int) -> np.ndarray:
    """Solve min 0.5 y'Hy + lin'y subject to y >= 0.

    With the Cholesky factor H = R'R the problem is the nonnegative least squares
    problem min |R y + R^-T lin|², which scipy's compiled Lawson-Hanson solver handles
    in a fraction of the time of a Python active-set loop. When H is too close to
    singular to factor (or NNLS stalls), the primal active-set method takes over.
    LAPACK is called directly: for the small K of a mixture grid, the checks of the
    scipy.linalg wrappers cost more than the factorization.
    """
    upper, info = _potrf(hess, lower=False, clean=True)
    if info == 0:
        rhs, info = _trtrs(upper, -lin, lower=False, trans=1)
    if info != 0:
        return _nonnegative_qp(hess, lin, y, max_iter)
    try:
        return nnls(upper, rhs, maxiter=max(max_iter, 3 * lin.size))[0]
    except RuntimeError:
        return _nonnegative_qp(hess, lin, y, max_iter)


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


def _line_search(lik_x: np.ndarray, lik_step: np.ndarray, total: float) -> float:
    """Minimizer t in [0, 1] of the relaxed objective along ``x + t step``, to ~1e-8.

    ``lik_x = L x``, ``lik_step = L step`` and ``total = sum(step)``. Along the line the
    objective is convex in t, so its slope is increasing and its root is bracketed;
    safeguarded Newton steps (bisection whenever a Newton step leaves the bracket)
    find it in a few evaluations. Unlike a backtracking (Armijo) search, this never
    accepts the full step when it leaves some observation almost uncovered (its
    likelihood near 0): there the slope at t = 1 is huge, and the step is shortened
    so that the components it needs keep a usable weight.
    """
    n = lik_x.size

    def slope_and_curvature(t: float) -> tuple[float, float]:
        ratio = lik_step / (lik_x + t * lik_step)
        return total - float(ratio.sum()) / n, float(ratio @ ratio) / n

    with np.errstate(divide="ignore", invalid="ignore"):  # L (x + step) may be 0 somewhere
        slope, curvature = slope_and_curvature(1.0)
        if slope <= 0.0:
            return 1.0
        lo, hi, t = 0.0, 1.0, 1.0
        for _ in range(_LINE_SEARCH_ITER):
            if slope < 0.0:
                lo = t
            else:
                hi = t
            finite = math.isfinite(slope) and 0.0 < curvature < math.inf
            newton = t - slope / curvature if finite else math.nan
            t_next = newton if lo < newton < hi else 0.5 * (lo + hi)
            if abs(t_next - t) <= _LINE_SEARCH_TOL or hi - lo <= _LINE_SEARCH_TOL:
                return t_next
            t = t_next
            slope, curvature = slope_and_curvature(t)
    return t
