"""A small box-constrained Newton method for the 1 to 3 parameters of a parametric prior.

The parametric EBNM fits have an analytic gradient and Hessian that cost about as
much as the objective itself, so a Newton method converges in a handful of
evaluations where a quasi-Newton method (scipy's L-BFGS-B) needs dozens, and it
carries none of scipy.optimize's per-call overhead. Steps are Newton steps on the
parameters not held at a bound (an indefinite Hessian gets its eigenvalues
reflected), capped in length, projected onto the box and backtracked until the
objective decreases enough (Armijo).

The line search evaluates the objective together with its derivatives: a full
Newton step is almost always accepted, and its derivatives are then the next
iteration's, so an iteration costs one evaluation instead of two.

**Exponential tails.** When the optimum lies at infinity in one direction (a prior
with ``pi0 -> 0``: ``alpha -> inf``), the objective there behaves like
``c + d e^{-t}`` along the step, and Newton's method creeps: every step has the same
length and shrinks the gradient by the same factor, some twenty steps to reach
``GTOL``. Once two consecutive full steps show that pattern (same direction, same
length, a constant ratio ``rho`` of gradients) in a coordinate, its remaining
``log(GTOL / |g|) / log(rho)`` steps are taken at once, as one trial step with the
same Armijo test (the other coordinates take their Newton step); the point reached
is where the creeping would have stopped, up to a fraction of a step along a
direction in which the objective is flat to ``GTOL``.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np

GTOL = 1e-10
MAX_ITER = 200
MAX_STEP = 5.0  # nlm's stepmax, in the parameters' own units
_ARMIJO = 1e-4
_MIN_STEP = 1e-12
_PRECISION = 1e-15
# When a coordinate's last two steps follow an exponential tail (module docstring).
_TAIL_LENGTH = 0.05
_TAIL_RATIO = (0.05, 0.7)

Evaluation = tuple[float, np.ndarray, np.ndarray]
Derivatives = Callable[[np.ndarray], Evaluation]


def minimize_newton(
    derivatives: Derivatives, start: np.ndarray, lower: np.ndarray, upper: np.ndarray
) -> tuple[np.ndarray, float]:
    """Minimize a smooth function over the box ``[lower, upper]`` from ``start``.

    Parameters
    ----------
    derivatives
        The objective, its gradient and its Hessian.
    start, lower, upper
        Starting point and bounds (``±inf`` for none).

    Returns
    -------
    tuple of numpy.ndarray and float
        The point where the projected gradient is below ``GTOL``, or where no step
        decreases the objective any more, and the objective there.

    Examples
    --------
    >>> def f(x):
    ...     return float((x[0] - 1) ** 4 + (x[1] + 2) ** 2)
    >>> def d(x):
    ...     g = np.array([4 * (x[0] - 1) ** 3, 2 * (x[1] + 2)])
    ...     return f(x), g, np.diag([12 * (x[0] - 1) ** 2, 2.0])
    >>> x, f = minimize_newton(d, np.zeros(2), np.full(2, -9.0), np.array([9.0, -3.0]))
    >>> np.round(x, 3), round(f, 3)
    (array([ 1., -3.]), 1.0)
    """
    box = _Box(derivatives, lower, upper)
    x = box.project(np.asarray(start, dtype=float))
    f, g, H = derivatives(x)
    previous: tuple[np.ndarray, np.ndarray] | None = None  # g and the last full step
    for _ in range(MAX_ITER):
        blocked = ((x <= lower) & (g > 0)) | ((x >= upper) & (g < 0))
        free = ~blocked if blocked.any() else None  # None: every coordinate is free
        if free is None:
            gnorm = float(np.max(np.abs(g)))
        else:
            gnorm = float(np.max(np.abs(g[free]))) if free.any() else 0.0
        if gnorm <= GTOL:
            break
        if free is None:
            step = _newton_direction(H, g)
        else:
            step = np.zeros_like(x)
            step[free] = _newton_direction(H[np.ix_(free, free)], g[free])
        length = math.sqrt(float(step @ step))
        if length > MAX_STEP:
            step *= MAX_STEP / length
        jump = _tail_jump(previous, g, step)
        jumped = None if jump is None else box.attempt(x, f, g, jump)
        if isinstance(jumped, tuple):
            moved, previous = jumped, None
        else:
            searched, t = box.line_search(x, f, g, step)
            if searched is None:
                break
            moved = searched
            full = t == 1.0 or np.array_equal(moved[0], box.project(x + step))
            previous = (g, step) if full else None
        x, (f, g, H) = moved
    return x, f


def _tail_jump(
    previous: tuple[np.ndarray, np.ndarray] | None, g: np.ndarray, step: np.ndarray
) -> np.ndarray | None:
    """The step with its exponential-tail coordinates taken as far as the creeping would.

    A coordinate is in such a tail when its last two full steps had the same length
    and its gradient shrank by a steady factor ``rho``; it is moved by
    ``ceil(log(GTOL / |g|) / log(rho))`` steps at once, the other coordinates by one.
    """
    if previous is None:
        return None
    # A handful of coordinates: plain floats are far cheaper than numpy calls here.
    jumped, any_tail = [], False
    for gi, si, last_gi, last_si in zip(
        g.tolist(), step.tolist(), previous[0].tolist(), previous[1].tolist(), strict=True
    ):
        jumped.append(si)
        if last_gi == 0.0 or last_si == 0.0 or gi == 0.0:
            continue
        ratio = abs(gi) / abs(last_gi)
        if not (_TAIL_RATIO[0] < ratio < _TAIL_RATIO[1]) or abs(si / last_si - 1.0) > _TAIL_LENGTH:
            continue
        remaining = math.log(GTOL / abs(gi)) / math.log(ratio)
        if remaining > 2.0:
            jumped[-1] = si * math.ceil(remaining)
            any_tail = True
    return np.array(jumped) if any_tail else None


def _newton_direction(H: np.ndarray, g: np.ndarray) -> np.ndarray:
    """``-H⁻¹ g`` with the eigenvalues of ``H`` made positive (reflected, then floored).

    A positive definite 1 x 1 or 2 x 2 ``H`` (the usual case) is solved in closed form,
    without the overhead of an eigendecomposition.
    """
    if H.shape == (1, 1) and H[0, 0] > 0:
        return -g / H[0, 0]
    if H.shape == (2, 2):
        a, b, d = float(H[0, 0]), float(H[0, 1]), float(H[1, 1])
        det = a * d - b * b
        if a > 0 and det > 1e-10 * max(a, d) ** 2:
            return -np.array([d * g[0] - b * g[1], a * g[1] - b * g[0]]) / det
    w, V = np.linalg.eigh(H)
    w = np.abs(w)
    w = np.maximum(w, 1e-10 * max(float(w.max()), 1e-10))
    return -V @ ((V.T @ g) / w)


Attempt = tuple[np.ndarray, Evaluation] | bool | None


class _Box:
    """Steps of the objective ``derivatives`` projected onto ``[lower, upper]``."""

    def __init__(self, derivatives: Derivatives, lower: np.ndarray, upper: np.ndarray):
        self.derivatives = derivatives
        self.lower = lower
        self.upper = upper

    def project(self, x: np.ndarray) -> np.ndarray:
        """``x`` clipped to the box (``np.clip`` without its dispatch overhead)."""
        return np.minimum(np.maximum(x, self.lower), self.upper)

    def attempt(self, x: np.ndarray, f: float, g: np.ndarray, step: np.ndarray) -> Attempt:
        """The projected point ``x + step`` and its evaluation if it decreases ``f`` enough
        (Armijo); False when the predicted decrease is below ``f``'s rounding error (no
        shorter step can do better); None otherwise."""
        trial = self.project(x + step)
        decrease = float(g @ (trial - x))
        if -decrease <= _PRECISION * max(abs(f), 1.0):
            return False
        with np.errstate(invalid="ignore", over="ignore"):  # derivatives at a rejected point
            evaluation = self.derivatives(trial)
        if evaluation[0] <= f + _ARMIJO * decrease:
            return trial, evaluation
        return None

    def line_search(
        self, x: np.ndarray, f: float, g: np.ndarray, step: np.ndarray
    ) -> tuple[tuple[np.ndarray, Evaluation] | None, float]:
        """Backtrack along the projected step until Armijo's condition holds: the
        accepted point and its evaluation (None if none) and the step fraction."""
        t = 1.0
        while t >= _MIN_STEP:
            moved = self.attempt(x, f, g, t * step)
            if moved is False:
                break  # no step can decrease f by more than its rounding error
            if isinstance(moved, tuple):
                return moved, t
            t *= 0.5
        return None, t
