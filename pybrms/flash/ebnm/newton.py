"""A small box-constrained Newton method for the 1 to 3 parameters of a parametric prior.

The parametric EBNM fits have an analytic gradient and Hessian that cost about as
much as the objective itself, so a Newton method converges in a handful of
evaluations where a quasi-Newton method (scipy's L-BFGS-B) needs dozens, and it
carries none of scipy.optimize's per-call overhead. Steps are Newton steps on the
parameters not held at a bound (an indefinite Hessian gets its eigenvalues
reflected), capped in length, projected onto the box and backtracked until the
objective decreases enough (Armijo).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

GTOL = 1e-10
MAX_ITER = 200
MAX_STEP = 5.0  # nlm's stepmax, in the parameters' own units
_ARMIJO = 1e-4
_MIN_STEP = 1e-12
_PRECISION = 1e-15

Value = Callable[[np.ndarray], float]
Derivatives = Callable[[np.ndarray], tuple[float, np.ndarray, np.ndarray]]


def minimize_newton(
    value: Value, derivatives: Derivatives, start: np.ndarray, lower: np.ndarray, upper: np.ndarray
) -> np.ndarray:
    """Minimize a smooth function over the box ``[lower, upper]`` from ``start``.

    Parameters
    ----------
    value
        The objective alone (for the line search).
    derivatives
        The objective, its gradient and its Hessian.
    start, lower, upper
        Starting point and bounds (``±inf`` for none).

    Returns
    -------
    numpy.ndarray
        The point where the projected gradient is below ``GTOL``, or where no step
        decreases the objective any more.

    Examples
    --------
    >>> def f(x):
    ...     return float((x[0] - 1) ** 4 + (x[1] + 2) ** 2)
    >>> def d(x):
    ...     g = np.array([4 * (x[0] - 1) ** 3, 2 * (x[1] + 2)])
    ...     return f(x), g, np.diag([12 * (x[0] - 1) ** 2, 2.0])
    >>> np.round(minimize_newton(f, d, np.zeros(2), np.full(2, -9.0), np.array([9.0, -3.0])), 3)
    array([ 1., -3.])
    """
    x = np.clip(np.asarray(start, dtype=float), lower, upper)
    f, g, H = derivatives(x)
    for _ in range(MAX_ITER):
        free = ~(((x <= lower) & (g > 0)) | ((x >= upper) & (g < 0)))
        if not free.any() or np.max(np.abs(g[free])) <= GTOL:
            break
        if free.all():
            step = _newton_direction(H, g)
        else:
            step = np.zeros_like(x)
            step[free] = _newton_direction(H[np.ix_(free, free)], g[free])
        length = float(np.sqrt(step @ step))
        if length > MAX_STEP:
            step *= MAX_STEP / length
        moved = _line_search(value, x, f, g, step, lower, upper)
        if moved is None:
            break
        x = moved
        f, g, H = derivatives(x)
    return x


def _newton_direction(H: np.ndarray, g: np.ndarray) -> np.ndarray:
    """``-H⁻¹ g`` with the eigenvalues of ``H`` made positive (reflected, then floored)."""
    w, V = np.linalg.eigh(H)
    w = np.abs(w)
    w = np.maximum(w, 1e-10 * max(float(w.max()), 1e-10))
    return -V @ ((V.T @ g) / w)


def _line_search(
    value: Value,
    x: np.ndarray,
    f: float,
    g: np.ndarray,
    step: np.ndarray,
    lower: np.ndarray,
    upper: np.ndarray,
) -> np.ndarray | None:
    """Backtrack along the projected step until Armijo's condition holds; None if never."""
    t = 1.0
    while t >= _MIN_STEP:
        trial = np.clip(x + t * step, lower, upper)
        moved = trial - x
        decrease = float(g @ moved)
        if -decrease <= _PRECISION * max(abs(f), 1.0):
            return None  # no step can decrease f by more than its rounding error

        if value(trial) <= f + _ARMIJO * decrease:
            return trial
        t *= 0.5
    return None
